"""The manifest pipeline's jobs (review, `up`, drift) on the workflow harness, for real.

What runs for real: every `run:` step in bash (the harness), the program's locked
requirements installed by pip with `--require-hashes` (from a local wheelhouse, the runner's
pip configuration here: `wheelhouse()`), `make synth` and `make diff`, the Pulumi CLI, the
GitHub provider and the Docker build provider that `make engine` builds, against the
simulated GitHub (`tools/ghsim`) on loopback, and a Docker Engine with a registry on
loopback (`scripts/docker-env.sh`) for images built by `pulumi up`.

The actions the pipeline uses, emulated at their pinned commits (the harness refuses any
other commit, input or action):

- ``actions/checkout`` (:func:`checkout`): clones a fixture git repository, the workflow's
  own or the one `repository` names, at `ref` (default the event's commit) into `path`;
- ``actions/setup-python`` (:func:`setup_python`): this machine's interpreter on PATH;
- ``pulumi/actions`` (:func:`pulumi_actions`): the built CLI on PATH, then the command;
- ``docker/setup-qemu-action`` and ``docker/setup-buildx-action`` (:func:`recording`):
  recording stand-ins. Registering QEMU's binfmt handlers needs a privileged container
  of Docker Hub's `tonistiigi/binfmt`, and Buildx's docker-container builder Docker Hub's
  `moby/buildkit`, neither reachable here: the Buildx stand-in registers a BuildKit daemon
  running on this machine (:func:`buildkitd`) as a `remote` builder instead, in the same
  buildx store, when there is one.

The GitHub CLI of the review job (`gh api`) is a stand-in too (:func:`gh_stand_in`): the
simulator holds no pull requests or commits, so it answers from the fixture repository
(the file at a commit, the files a pull request changes), recording each call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from workflow_runner import ActionFailedError, Emulation, Event, HarnessError, JobState

__all__ = [
    "BUILDKITD",
    "CHECKOUT",
    "PULUMI_ACTIONS",
    "SETUP_BUILDX",
    "SETUP_PYTHON",
    "SETUP_QEMU",
    "buildkitd",
    "checkout",
    "commit_all",
    "gh_stand_in",
    "git",
    "program_copy",
    "pull_request_target_event",
    "pulumi_actions",
    "push_event",
    "recording",
    "schedule_event",
    "setup_python",
]

# The pinned commits (components/_core/_catalog.py) these emulations follow.
CHECKOUT = "3d3c42e5aac5ba805825da76410c181273ba90b1"  # actions/checkout v7.0.1
SETUP_PYTHON = "5fda3b95a4ea91299a34e894583c3862153e4b97"  # actions/setup-python v7.0.0
PULUMI_ACTIONS = "8e5e406f4007fca908480587cb9893c07090f58d"  # pulumi/actions v7.0.0
SETUP_BUILDX = "37fe631027851001ddb9b187196cc803df7f5f0e"  # docker/setup-buildx-action v4.3.0
SETUP_QEMU = "96fe6ef7f33517b61c61be40b68a1882f3264fb8"  # docker/setup-qemu-action v4.2.0

# What the program needs in the manifest repository: itself, `make synth` / `make diff`.
PROGRAM_FILES = (
    "__main__.py",
    "Pulumi.yaml",
    "Makefile",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements.lock",
    "components",
    "tools",
    "schema",
    "policy",
)
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "ghpublish test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "ghpublish test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}


def git(repo: Path, *args: str) -> str:
    """`git ARGS` in ``repo``; its output."""
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "safe.directory=*", *args],
        cwd=repo,
        env=_GIT_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commits everything in ``repo`` (a repository made if need be); the commit's SHA."""
    if not (repo / ".git").exists():
        git(repo, "init", "--quiet")
        # Fetching a commit by its SHA, as actions/checkout does (GitHub allows it).
        git(repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def program_copy(root: Path, dest: Path) -> None:
    """The program's files (tracked or not, caches left out) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "build")
    for name in PROGRAM_FILES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, dest / name)
    (dest / ".gitignore").write_text(".venv/\nbuild/\n.ghpublish/\n__pycache__/\n")


# -- events ---------------------------------------------------------------------------------


def push_event(branch: str, sha: str) -> Event:
    """A push to ``branch`` (the `up` workflow)."""
    return Event("push", {"ref": f"refs/heads/{branch}", "after": sha}, f"refs/heads/{branch}", sha)


def schedule_event(cron: str, branch: str, sha: str) -> Event:
    """A scheduled run: on the default branch's latest commit."""
    return Event("schedule", {"schedule": cron}, f"refs/heads/{branch}", sha)


def pull_request_target_event(number: int, base: str, base_sha: str, head_sha: str) -> Event:
    """A `pull_request_target` event: it runs on the base branch (GITHUB_REF, GITHUB_SHA are
    the base's), the payload names both commits."""
    pull = {
        "number": number,
        "base": {"ref": base, "sha": base_sha},
        "head": {"ref": "change", "sha": head_sha},
    }
    payload = {"action": "synchronize", "number": number, "pull_request": pull}
    return Event(
        "pull_request_target", payload, f"refs/heads/{base}", base_sha, base_ref=base,
        head_ref="change",
    )  # fmt: skip


# -- actions --------------------------------------------------------------------------------


def checkout(repositories: Mapping[str, Path]) -> Emulation:
    """actions/checkout at CHECKOUT, for the inputs the pipeline gives. src/input-helper.ts:
    `repository` defaults to the workflow's own; `path` is resolved under GITHUB_WORKSPACE
    ("Repository path '…' is not under '…'" otherwise); `ref` defaults to the event's commit
    for the workflow's repository, to the default branch for another. src/git-source-
    provider.ts: `fetch-depth: 0` fetches all history (1 by default); `persist-credentials:
    false` leaves no credential in .git/config. The token is needed for another repository:
    the job's own reaches its repository only."""
    by_name = {name.lower(): path for name, path in repositories.items()}

    def run(inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        if inputs.get("persist-credentials", "true") != "false":
            raise HarnessError("checkout without persist-credentials: false is not emulated")
        own = env["GITHUB_REPOSITORY"]
        repository = inputs.get("repository") or own
        source = by_name.get(repository.lower())
        if source is None:
            raise ActionFailedError(f"repository {repository} not found")
        workspace = state.workspace.resolve()
        target = (workspace / inputs.get("path", ".")).resolve()
        if not (str(target) + os.sep).startswith(str(workspace) + os.sep):
            raise ActionFailedError(f"Repository path '{target}' is not under '{workspace}'")
        other = repository.lower() != own.lower()
        if other and not inputs.get("token"):
            raise ActionFailedError(f"the job's token cannot read {repository}")
        ref = inputs.get("ref") or ("HEAD" if other else env["GITHUB_SHA"])
        depth = int(inputs.get("fetch-depth", "1"))
        if target.exists() and any(target.iterdir()) and target != workspace:
            shutil.rmtree(target)  # git-directory-helper.ts: another repository's directory
        target.mkdir(parents=True, exist_ok=True)
        # As git-source-provider.ts does: init, fetch the ref (that many commits), check out.
        git(target, "init", "--quiet")
        git(target, "fetch", "--quiet", *([f"--depth={depth}"] if depth > 0 else []),
            str(source), ref)  # fmt: skip
        git(target, "checkout", "--quiet", "--detach", "FETCH_HEAD")
        return f"checked out {repository} at {ref or 'its default branch'} into {target}"

    return run


def setup_python(interpreter: Path) -> Emulation:
    """actions/setup-python at SETUP_PYTHON: src/find-python.ts adds the version's
    directory and its bin to PATH and exports pythonLocation, Python_ROOT_DIR,
    Python3_ROOT_DIR and PKG_CONFIG_PATH. Here the version asked for is this machine's
    interpreter (a different one fails: nothing is downloaded)."""

    def run(inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        wanted = inputs.get("python-version", "")
        found = subprocess.run(
            [str(interpreter), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not (wanted == found or wanted.startswith(found + ".")):
            raise HarnessError(f"python-version {wanted!r}: this machine's Python is {found}")
        bin_dir = state.temp.parent / "python" / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name in ("python", "python3", f"python{found}"):
            link = bin_dir / name
            if not link.exists():
                link.symlink_to(interpreter)
        location = str(bin_dir.parent)
        state.path.insert(0, str(bin_dir))
        for var in ("pythonLocation", "Python_ROOT_DIR", "Python3_ROOT_DIR"):
            state.exported[var] = location
        state.exported["PKG_CONFIG_PATH"] = f"{location}/lib/pkgconfig"
        return f"python-version {wanted}: {interpreter} ({found}) on PATH"

    return run


def pulumi_actions(bin_dir: Path, log: list[dict[str, Any]]) -> Emulation:
    """pulumi/actions at PULUMI_ACTIONS. src/main.ts: without `command` (`installOnly`) it
    only puts the CLI of `pulumi-version` on PATH (src/libs/pulumi-cli.ts downloadCli);
    with one, src/login.ts runs `pulumi --non-interactive --cwd <work-dir> login
    [<cloud-url>]` (a failure is a warning), then the Automation API selects `stack-name`
    (`LocalWorkspace.selectStack`, no `upsert`) in `work-dir` (default the workspace) and
    runs the command (`stack.up`: `pulumi up --yes --skip-preview`, `--diff` for `diff`,
    `--stack`, non-interactive); a failure fails the step with its stderr; and
    `comment-on-summary` writes "Pulumi <project>/<stack> results" and the output as a diff
    block to the job summary (src/libs/summary.ts). The CLI is the one `make engine` built;
    a `pulumi-version` other than its version is refused (nothing is downloaded)."""
    pulumi = bin_dir / "pulumi"

    def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(pulumi), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )

    def run(inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        version = cli(["version"], env, state.workspace).stdout.strip().lstrip("v")
        if inputs.get("pulumi-version", version) != version:
            raise HarnessError(
                f"pulumi-version {inputs['pulumi-version']}: the engine built here is {version}"
            )
        state.path.insert(0, str(bin_dir))
        log.append(dict(inputs))
        command = inputs.get("command")
        if not command:
            return f"Pulumi v{version} has been successfully installed. Exiting."
        if command != "up":
            raise HarnessError(f"pulumi/actions command {command!r} is not emulated")
        env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}"}
        work = state.workspace / inputs.get("work-dir", "./")
        url = inputs.get("cloud-url", "")
        login = cli(
            ["--non-interactive", "--cwd", str(work), "login", *([url] if url else [])], env, work
        )
        lines = [login.stdout.strip()]
        if login.returncode != 0:
            lines.append(f"::warning::Failed to login to Pulumi service: {login.stderr}")
        stack = inputs["stack-name"]
        select = cli(["stack", "select", "--stack", stack, "--non-interactive"], env, work)
        if select.returncode != 0:
            raise ActionFailedError(select.stderr.strip())
        args = ["up", "--yes", "--skip-preview", "--stack", stack, "--non-interactive"]
        if inputs.get("diff") == "true":
            args.append("--diff")
        done = cli(args, {**env, "NO_COLOR": "1"}, work)
        lines.append(done.stdout)
        if done.returncode != 0:
            raise ActionFailedError("\n".join([*lines, done.stderr]))
        if inputs.get("comment-on-summary") == "true":
            project = "ghpublish"
            with Path(env["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as summary:
                summary.write(f"# Pulumi {project}/{stack} results\n```diff\n{done.stdout}\n```\n")
        return "\n".join(lines)

    return run


def recording(action: str, log: list[dict[str, Any]], buildkitd: str | None = None) -> Emulation:
    """A stand-in that records its inputs (docker/setup-qemu-action at SETUP_QEMU,
    src/main.ts: registers binfmt handlers for `platforms`; docker/setup-buildx-action at
    SETUP_BUILDX, src/main.ts: creates and boots a docker-container builder, registered in
    DOCKER_CONFIG's buildx store, and makes it the one builds use). With ``buildkitd`` (a
    BuildKit daemon's address on this machine), the Buildx stand-in registers a builder of
    the `remote` driver there instead, in the same store: what the Docker build provider
    looks for (a builder it can dial whose driver is not `docker`)."""

    def run(inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        log.append({"action": action, **inputs})
        done = f"stand-in for {action}: recorded {json.dumps(dict(inputs), sort_keys=True)}"
        if buildkitd is not None and action == "docker/setup-buildx-action":
            store = Path(env["DOCKER_CONFIG"]) / "buildx" / "instances"
            store.mkdir(parents=True, exist_ok=True)
            node = {"Name": "builder0", "Endpoint": buildkitd, "Platforms": None,
                    "DriverOpts": {}, "Flags": None, "Files": None}  # fmt: skip
            group = {"Name": "builder", "Driver": "remote", "Nodes": [node], "Dynamic": False}
            (store / "builder").write_text(json.dumps(group))
            done += f"; builder 'builder' (remote, {buildkitd}) registered"
        return done

    return run


_GH = '''\
#!{python}
"""`gh api` stand-in (tests/real/realpipeline.py): answers from the fixture repository."""
import json, subprocess, sys
repo, log = {repo!r}, {log!r}
args = sys.argv[1:]
with open(log, "a") as f:
    f.write(json.dumps(args) + "\\n")
if args[:1] != ["api"]:
    sys.exit("gh stand-in: only `gh api` is answered")
jq, raw, path, rest = None, False, None, args[1:]
while rest:
    arg = rest.pop(0)
    if arg == "-H":
        raw = rest.pop(0) == "Accept: application/vnd.github.raw"
    elif arg == "--jq":
        jq = rest.pop(0)
    elif arg == "--paginate":
        pass
    else:
        path = arg
def git(*a):
    return subprocess.run(["git", "-C", repo, *a], capture_output=True, text=True, check=True).stdout
parts = path.split("?")[0].split("/")
if parts[3] == "contents" and raw:
    ref = path.split("?ref=")[1]
    sys.stdout.write(git("show", ref + ":" + "/".join(parts[4:])))
elif parts[3] == "pulls" and parts[5] == "files":
    base, head = {base!r}, {head!r}
    files = []
    for line in git("diff", "--name-status", "-M", base, head).splitlines():
        status, *names = line.split("\\t")
        entry = {{"filename": names[-1]}}
        if status.startswith("R"):
            entry["previous_filename"] = names[0]
        files.append(entry)
    out = json.dumps(files)
    if jq:
        out = subprocess.run(["jq", "-r", jq], input=out, capture_output=True, text=True,
                             check=True).stdout
    sys.stdout.write(out)
else:
    sys.exit("gh stand-in: " + path + " is not answered")
'''


def gh_stand_in(directory: Path, repo: Path, base: str, head: str) -> Path:
    """A `gh` on PATH for the review job (see the module doc); its calls go to
    ``directory/gh-calls.jsonl``."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "gh"
    script.write_text(
        _GH.format(
            python=sys.executable,
            repo=str(repo),
            log=str(directory / "gh-calls.jsonl"),
            base=base,
            head=head,
        )
    )
    script.chmod(0o755)
    return directory


# Where a BuildKit daemon built for these tests lives (`go install
# github.com/moby/buildkit/cmd/buildkitd@v0.16.0` with GOBIN set here), else on PATH.
BUILDKITD = Path.home() / ".cache" / "ghpublish" / "buildkit" / "buildkitd"


def buildkitd(directory: Path, registry: str) -> Iterator[str | None]:
    """A BuildKit daemon on a unix socket under ``directory`` (its OCI worker; plain http to
    the loopback ``registry``), yielding its address, stopped afterwards; None without the
    binary."""
    binary = BUILDKITD if BUILDKITD.exists() else shutil.which("buildkitd")
    if binary is None:
        yield None
        return
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "buildkitd.sock"
    config = directory / "buildkitd.toml"
    config.write_text(f'[registry."{registry}"]\n  http = true\n  insecure = true\n')
    log = (directory / "buildkitd.log").open("w")
    daemon = subprocess.Popen(
        [str(binary), "--addr", f"unix://{socket}", "--root", str(directory / "root"),
         "--config", str(config), "--oci-worker=true", "--containerd-worker=false"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            if socket.exists() or daemon.poll() is not None:
                break
            time.sleep(0.1)
        yield f"unix://{socket}" if socket.exists() else None
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)
