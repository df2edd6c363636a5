"""A STAND-IN for Pulumi's Python language host, `pulumi-language-python`, written for ghpublish.

The real host (a Go program in pulumi/pulumi) is not available from the Go module proxy, so
`make engine` installs this small Python replacement under the same name. It speaks the same
gRPC protocol (`pulumirpc.LanguageRuntime`, with the stubs the `pulumi` Python SDK ships) and
does only what ghpublish needs:

* prints the port it listens on, as the real host does, and serves until the engine ends it;
* GetPluginInfo, Handshake, GetRequiredPlugins / GetRequiredPackages (none: the engine then
  loads the plugins a program asks for on demand), InstallDependencies (nothing: the
  project's virtualenv already exists);
* Run: the real `pulumi-language-python-exec` script (from the sdk/v3 Go module, installed
  beside this host) under the interpreter of the project's `runtime.options.virtualenv`
  (relative to the project directory; else the interpreter running this host), with the
  arguments and the PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS environment the real host uses;
* RunPlugin: a Python plugin directory (`python DIR ARGS`, e.g. a component provider), or a
  policy pack (`python -u -m pulumi.policy ARGS DIR` in DIR), streaming its output.

Not done: typecheckers, debuggers, toolchains other than a virtualenv, dependency
installation, the policy-pack stack-configuration proxy, code generation, `pulumi about`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

VERSION = "3.276.0"  # the Pulumi release this stand-in pairs with (the CLI we build)
EXEC_NAME = "pulumi-language-python-exec"
# The program printed an actionable message and exited: the engine should bail quietly.
EXIT_BAIL = 32


def find_exec() -> str:
    """The executor script: beside this host (bin/), else on PATH."""
    beside = Path(sys.argv[0]).resolve().parent / EXEC_NAME
    if beside.is_file():
        return str(beside)
    found = shutil.which(EXEC_NAME)
    if found is None:
        sys.exit(f"pulumi-language-python (stand-in): {EXEC_NAME} not found beside it or on PATH")
    return found


def python_for(info: language_pb2.ProgramInfo) -> str:
    """The interpreter of the project's virtualenv option, else the one running this host."""
    options: dict[str, Any] = json_format.MessageToDict(info.options) if info.options else {}
    venv = options.get("virtualenv")
    if isinstance(venv, str) and venv:
        root = Path(info.root_directory or info.program_directory or ".")
        candidate = (root / venv) / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The LanguageRuntime service, as far as the stand-in goes."""

    def __init__(self, engine_address: str, executor: str) -> None:
        self.engine_address = engine_address
        self.executor = executor
        self.children: set[subprocess.Popen[bytes]] = set()

    def GetPluginInfo(self, request: empty_pb2.Empty, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=VERSION)

    def Handshake(
        self, request: language_pb2.LanguageHandshakeRequest, context: Any
    ) -> language_pb2.LanguageHandshakeResponse:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetRequiredPlugins(
        self, request: language_pb2.GetRequiredPluginsRequest, context: Any
    ) -> language_pb2.GetRequiredPluginsResponse:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(
        self, request: language_pb2.GetRequiredPackagesRequest, context: Any
    ) -> language_pb2.GetRequiredPackagesResponse:
        return language_pb2.GetRequiredPackagesResponse()

    def InstallDependencies(
        self, request: language_pb2.InstallDependenciesRequest, context: Any
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"pulumi-language-python (stand-in): dependencies are not installed; "
            b"using the existing virtualenv\n"
        )

    def Run(self, request: language_pb2.RunRequest, context: Any) -> language_pb2.RunResponse:
        flags = {
            "monitor": request.monitor_address,
            "engine": self.engine_address,
            "project": request.project,
            "root_directory": request.info.root_directory,
            "stack": request.stack,
            "pwd": request.pwd,
            "dry_run": "true" if request.dryRun else "false",
            "parallel": str(request.parallel),
            "organization": request.organization,
        }
        args = [python_for(request.info), self.executor]
        for name, value in flags.items():
            if value:
                args += [f"--{name}", value]
        args += [request.info.entry_point or ".", *request.args]
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        code = self._wait(subprocess.Popen(args, env=env, cwd=request.pwd or None))
        if code == 0:
            return language_pb2.RunResponse()
        if code == EXIT_BAIL:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def RunPlugin(
        self, request: language_pb2.RunPluginRequest, context: Any
    ) -> Iterator[language_pb2.RunPluginResponse]:
        directory = request.info.program_directory or request.program
        python = python_for(request.info)
        if request.kind == "analyzer":
            args = [python, "-u", "-m", "pulumi.policy", *request.args, directory]
            cwd = directory
        else:
            args = [python, directory, *request.args]
            cwd = request.pwd or directory
        env = dict(os.environ)
        env.update(item.split("=", 1) for item in request.env if "=" in item)
        child = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.children.add(child)
        chunks: list[language_pb2.RunPluginResponse] = []
        ready = threading.Condition()

        def pump(stream: Any, field: str) -> None:
            for line in iter(stream.readline, b""):
                with ready:
                    chunks.append(language_pb2.RunPluginResponse(**{field: line}))
                    ready.notify()

        pumps = [
            threading.Thread(target=pump, args=(child.stdout, "stdout"), daemon=True),
            threading.Thread(target=pump, args=(child.stderr, "stderr"), daemon=True),
        ]
        for thread in pumps:
            thread.start()
        while True:
            with ready:
                ready.wait_for(lambda: chunks or not any(t.is_alive() for t in pumps), 1.0)
                pending, chunks[:] = list(chunks), []
            yield from pending
            if not pending and not any(t.is_alive() for t in pumps):
                break
        yield language_pb2.RunPluginResponse(exitcode=self._wait(child))

    def _wait(self, child: subprocess.Popen[bytes]) -> int:
        self.children.add(child)
        try:
            return child.wait()
        finally:
            self.children.discard(child)

    def stop_children(self) -> None:
        for child in list(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGINT)


def main(argv: list[str]) -> int:
    if "-version" in argv or "--version" in argv:
        print(VERSION)
        return 0
    # Flags (-tracing URL, -use-executor PATH, ...) come first; the engine address last.
    engine = argv[-1] if argv and not argv[-1].startswith("-") and ":" in argv[-1] else ""
    host = LanguageHost(engine, find_exec())
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    stopped = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        host.stop_children()
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    stopped.wait()
    server.stop(grace=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
