#!/usr/bin/env python3
"""A STAND-IN for a project's Gradle wrapper (`./gradlew`): no current Gradle runs on this
machine (Debian's is too old for the maven-publish of today's builds). It is not Gradle.

It records its arguments and part of its environment (one JSON line per run, in the file
the configuration names), then does what the build would for the tasks the workflow runs:
- a dependency of the owner's GitHub registry is read as the build's repository would read
  it, with the user and password of `USERNAME` and `TOKEN` (GitHub's Gradle page);
- `properties` prints the project's `version:` line;
- `--init-script <file> publishAllPublicationsToStagingRepository` checks that the init script
  adds a repository `staging` at `$RELEASE_DIR`, then writes each publication there as
  maven-publish writes to a file repository: the jar, the pom and the Gradle module file,
  each with its .md5, .sha1, .sha256 and .sha512, and the package's maven-metadata.xml;
  a build without a publication writes nothing, as Gradle's task does;
- any other task succeeds (`build`, `check`).
Its configuration (version, publications, record file, dependency) is the JSON the test
writes beside it, `gradle-stand-in.json`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

RECORDED = ("GITHUB_JOB", "USERNAME", "TOKEN", "GITHUB_TOKEN", "RELEASE_DIR")


def _checksummed(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    for algorithm in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(algorithm, data).hexdigest()
        path.with_name(f"{path.name}.{algorithm}").write_text(digest)


def _jar(group: str, artifact: str, version: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as jar:
        info = zipfile.ZipInfo("META-INF/MANIFEST.MF", date_time=(1980, 2, 1, 0, 0, 0))
        jar.writestr(info, f"Manifest-Version: 1.0\nImplementation-Version: {version}\n")
        info = zipfile.ZipInfo(f"{group.replace('.', '/')}/{artifact}.txt", (1980, 2, 1, 0, 0, 0))
        jar.writestr(info, f"{group}:{artifact}:{version}\n")
    return out.getvalue()


def _stage(root: Path, version: str, publications: list[list[str]]) -> None:
    for group, artifact in publications:
        package = root / group.replace(".", "/") / artifact
        base = package / version / f"{artifact}-{version}"
        _checksummed(base.with_name(base.name + ".jar"), _jar(group, artifact, version))
        pom = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<project'
            ' xmlns="http://maven.apache.org/POM/4.0.0">\n'
            "  <!-- This module was also published with a richer metadata format -->\n"
            "  <!-- do_not_remove: published-with-gradle-metadata -->\n"
            f"  <modelVersion>4.0.0</modelVersion>\n  <groupId>{group}</groupId>\n"
            f"  <artifactId>{artifact}</artifactId>\n  <version>{version}</version>\n"
            "</project>\n"
        )
        _checksummed(base.with_name(base.name + ".pom"), pom.encode())
        module = {
            "formatVersion": "1.1",
            "component": {"group": group, "module": artifact, "version": version},
        }
        _checksummed(base.with_name(base.name + ".module"), json.dumps(module).encode())
        metadata = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n  <groupId>{group}</groupId>\n'
            f"  <artifactId>{artifact}</artifactId>\n  <versioning>\n"
            f"    <latest>{version}</latest>\n    <release>{version}</release>\n"
            f"    <versions>\n      <version>{version}</version>\n    </versions>\n"
            "    <lastUpdated>20260101000000</lastUpdated>\n  </versioning>\n</metadata>\n"
        )
        _checksummed(package / "maven-metadata.xml", metadata.encode())


def _dependency(url: str) -> int:
    request = urllib.request.Request(url)
    basic = f"{os.environ.get('USERNAME', '')}:{os.environ.get('TOKEN', '')}"
    request.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30):
            return 0
    except urllib.error.HTTPError as error:
        print(f"Could not GET '{url}'. Received status code {error.code} from server")
        return 1


def main(argv: list[str]) -> int:
    config = json.loads(Path(__file__).with_name("gradle-stand-in.json").read_text())
    with open(config["record"], "a", encoding="utf-8") as record:
        env = {name: os.environ.get(name) for name in RECORDED}
        record.write(json.dumps({"argv": argv, "env": env}) + "\n")
    if config.get("dependency") and _dependency(config["dependency"]):
        return 1
    if "properties" in argv:
        print(f"group: {config['group']}\nversion: {config['version']}")
        return 0
    if "--init-script" in argv:
        init = Path(argv[argv.index("--init-script") + 1]).read_text()
        if "name = 'staging'" not in init or "uri(System.getenv('RELEASE_DIR'))" not in init:
            print("stand-in: the init script adds no repository 'staging' at $RELEASE_DIR")
            return 1
        tasks = [a for a in argv[argv.index("--init-script") + 2 :] if not a.startswith("-")]
        if tasks != ["publishAllPublicationsToStagingRepository"]:
            print(f"stand-in: task(s) {tasks} not emulated")
            return 1
        _stage(Path(os.environ["RELEASE_DIR"]), config["version"], config["publications"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
