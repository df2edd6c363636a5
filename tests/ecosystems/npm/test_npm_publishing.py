"""NpmPublishing: the release workflow that tests, then publishes to GitHub Packages."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import RunManifest, one
from workflow_runner import WorkflowRunner, pull_request_event, release_event

from components._core._catalog import CATALOG
from components._core._release import tag_parts
from components._core._workflow import expressions, render
from components._ecosystems.npm import npm_release
from components._manifest import parse_manifest

FILE = "github:index/repositoryFile:RepositoryFile"

MANIFEST = """\
owner: Acme-Corp
repositories:
  - name: widgets
    default_branch: trunk
    npm:
      node_version: 22
      install_command: npm ci --ignore-scripts
      test_command: "npm run test -- --grep 'a: b # c'"
      release_types: [created, published]
"""


def _workflow(run_manifest: RunManifest, text: str = MANIFEST) -> tuple[dict, str, dict]:
    run = run_manifest(text)
    file = one(run, FILE, "org-widgets-npm-workflow")
    content = file.plain_inputs["content"]
    return yaml.safe_load(content), content, file.plain_inputs


def test_workflow_file_is_committed_to_the_default_branch(run_manifest: RunManifest) -> None:
    _, _, inputs = _workflow(run_manifest)
    assert inputs["file"] == ".github/workflows/release-package.yml"
    assert inputs["repository"] == "widgets"
    assert inputs["branch"] == "trunk"
    assert inputs["overwriteOnCreate"] is True
    assert inputs["commitMessage"] == "ghpublish: manage .github/workflows/release-package.yml"
    # Left to GitHub, which signs an app's commit only without a custom author or committer.
    assert "commitAuthor" not in inputs and "commitEmail" not in inputs


def test_release_triggers_test_then_package_then_publish(run_manifest: RunManifest) -> None:
    workflow, _, _ = _workflow(run_manifest)
    assert workflow[True] == {  # PyYAML: on=True
        "pull_request": {"branches": ["trunk"]},
        "release": {"types": ["created", "published"]},
    }
    jobs = workflow["jobs"]
    assert list(jobs) == ["test", "package", "publish"]
    assert jobs["package"]["needs"] == ["test"] and jobs["publish"]["needs"] == ["package"]
    # Pull requests run the tests only; releases publish from the `release` environment.
    assert jobs["package"]["if"] == "github.event_name == 'release'"
    assert jobs["publish"]["environment"] == "release"
    assert "if" not in jobs["test"] and jobs["test"]["name"] == "npm test"
    runs = [s.get("run") for s in jobs["test"]["steps"]]
    assert runs[-2:] == ["npm ci --ignore-scripts", "npm run test -- --grep 'a: b # c'"]
    # Both checks come before anything is installed or packed.
    assert [s["name"] for s in jobs["package"]["steps"]] == [
        "Check out",
        "Set up Node.js",
        "Check the package name and repository",
        "Check the release tag against the package version",
        "Install dependencies",
        "Pack",
        "Record the release artifact's digest",
        "Upload the release artifact",
    ]
    publish = {s["name"]: s for s in jobs["publish"]["steps"]}
    assert list(publish) == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Set up Node.js",
        "Look the version up in the registry",
        "Publish",
        "Check the registry serves the release",
    ]
    assert publish["Publish"]["run"] == 'npm publish "$TARBALL" --tag "$DIST_TAG" --ignore-scripts'
    assert publish["Publish"]["if"] == "steps.served.outputs.published == 'false'"
    assert publish["Publish"]["env"] == {
        "NODE_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
        "TARBALL": "${{ steps.served.outputs.tarball }}",
        "DIST_TAG": "${{ needs.package.outputs.dist_tag }}",
    }


def test_the_publish_job_checks_out_nothing_and_runs_no_project_code(
    run_manifest: RunManifest,
) -> None:
    workflow, _, _ = _workflow(run_manifest)
    steps = workflow["jobs"]["publish"]["steps"]
    assert not [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    runs = "\n".join(s.get("run", "") for s in steps)
    for project_code in ("npm ci", "npm test", "npm run", "npm install", "npm pack"):
        assert project_code not in runs


def test_the_building_jobs_install_the_owners_packages_from_github_packages(
    run_manifest: RunManifest,
) -> None:
    workflow, _, _ = _workflow(run_manifest)
    for job in workflow["jobs"].values():
        steps = {s["name"]: s for s in job["steps"]}
        setup = steps["Set up Node.js"]
        assert setup["with"]["registry-url"] == "https://npm.pkg.github.com"
        assert setup["with"]["scope"] == "@acme-corp"
        assert setup["with"]["node-version"] == "22"
        assert "env" not in setup
    for job in ("test", "package"):
        steps = {s["name"]: s for s in workflow["jobs"][job]["steps"]}
        # setup-node v7 exports no token: the install step has its own.
        assert steps["Install dependencies"]["env"] == {
            "NODE_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"
        }
    assert "env" not in next(s for s in workflow["jobs"]["test"]["steps"] if s["name"] == "Test")


def test_least_privilege_per_job(run_manifest: RunManifest) -> None:
    workflow, _, _ = _workflow(run_manifest)
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["test"]["permissions"] == {"contents": "read", "packages": "read"}
    assert workflow["jobs"]["package"]["permissions"] == {"contents": "read", "packages": "read"}
    assert workflow["jobs"]["publish"]["permissions"] == {"packages": "write"}


def test_hardening(run_manifest: RunManifest) -> None:
    workflow, content, _ = _workflow(run_manifest)
    for job in workflow["jobs"].values():
        assert 0 < job["timeout-minutes"] <= 30
        assert job["runs-on"] == "ubuntu-24.04"
        for step in job["steps"]:
            uses = step.get("uses")
            if uses is None:
                continue
            action, sha = uses.split("@")
            assert CATALOG[action].sha == sha
            assert set(step.get("with", {})) <= CATALOG[action].inputs
            if action == "actions/checkout":
                assert step["with"]["persist-credentials"] is False
            if action == "actions/setup-node":
                assert step["with"]["package-manager-cache"] is False
                assert "cache" not in step["with"]
    # No manifest text inside an expression: only these fixed ones appear.
    assert sorted(set(expressions(content))) == [
        "${{ github.event.release.prerelease }}",
        "${{ github.event.release.tag_name }}",
        "${{ github.event_name == 'pull_request' }}",
        "${{ github.ref }}",
        "${{ needs.package.outputs.digest }}",
        "${{ needs.package.outputs.dist_tag }}",
        "${{ needs.package.outputs.version }}",
        "${{ runner.temp }}",
        "${{ secrets.GITHUB_TOKEN }}",
        "${{ steps.artifact.outputs.digest }}",
        "${{ steps.release.outputs.dist_tag }}",
        "${{ steps.release.outputs.prerelease }}",
        "${{ steps.release.outputs.version }}",
        "${{ steps.served.outputs.tarball }}",
    ]


def test_package_name_check_gets_manifest_values_through_env(run_manifest: RunManifest) -> None:
    workflow, _, _ = _workflow(run_manifest)
    check = next(
        s
        for s in workflow["jobs"]["package"]["steps"]
        if s["name"] == "Check the package name and repository"
    )
    assert check["env"]["PACKAGE"] == "@acme-corp/widgets"
    assert check["env"]["REPOSITORY"] == "Acme-Corp/widgets"
    assert "@acme-corp" not in check["run"] and "Acme-Corp" not in check["run"]


def test_component_outputs(run_manifest: RunManifest) -> None:
    run = run_manifest(MANIFEST)
    assert run.outputs["repositories"]["widgets"]["packages"] == ["@acme-corp/widgets"]
    assert (
        ".github/workflows/release-package.yml" in run.outputs["repositories"]["widgets"]["files"]
    )
    component = one(run, "ghpublish:index:NpmPublishing", "org-widgets-npm")
    assert component.parent.endswith("::org-widgets")


def test_component_release_tag_pattern_is_validated_as_in_the_manifest() -> None:
    from components.npm_publishing import NpmPublishing

    _spec = NpmPublishing.repository_spec
    spec = _spec({"owner": "acme", "repository": "lib", "release_tag_pattern": "lib@*"})
    assert spec.release_tag_pattern == "lib@*"
    assert _spec({"owner": "acme", "repository": "lib"}).release_tag_pattern == "v*"
    with pytest.raises(ValueError, match=r"^'v1' is not a release tag pattern; expected"):
        _spec({"owner": "acme", "repository": "lib", "release_tag_pattern": "v1"})


def test_component_settings_are_the_manifest_npm_block() -> None:
    from components.npm_publishing import NpmPublishing

    args = {"owner": "Acme", "repository": "lib", "test_command": "npm run ci"}
    spec = NpmPublishing.repository_spec(args).npm  # type: ignore[arg-type]
    assert (
        spec
        == parse_manifest(
            "owner: Acme\nrepositories: [{name: lib, npm: {test_command: npm run ci}}]", "m"
        )
        .repositories[0]
        .npm
    )


def _check_script(step: str = "Check the package name and repository", extra: str = "") -> str:
    spec = parse_manifest(
        f"owner: Acme-Widgets\nrepositories:\n  - {{name: widgets, npm: {{}}{extra}}}\n", "m"
    )
    workflow = yaml.safe_load(render(npm_release(spec.repositories[0], "publishing.yaml")))
    steps = workflow["jobs"]["package"]["steps"]
    return next(s for s in steps if s["name"] == step)["run"]


def _run_check(tmp_path: Path, repository: object) -> subprocess.CompletedProcess[str]:
    package: dict[str, object] = {"name": "@acme-widgets/widgets", "version": "1.0.0"}
    if repository is not None:
        package["repository"] = repository
    (tmp_path / "package.json").write_text(json.dumps(package))
    (tmp_path / "check.sh").write_text(_check_script())
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PACKAGE": "@acme-widgets/widgets",
        "REPOSITORY": "Acme-Widgets/widgets",
        "MANIFEST_KEY": "npm.package of the repository 'widgets' in publishing.yaml",
    }
    return subprocess.run(
        ["bash", "-e", "check.sh"], cwd=tmp_path, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "repository",
    [
        "github:Acme-Widgets/widgets",
        "Acme-Widgets/widgets",
        "acme-widgets/WIDGETS",
        "https://github.com/Acme-Widgets/widgets",
        "https://github.com/Acme-Widgets/widgets/",
        "https://github.com/Acme-Widgets/widgets.git",
        "git+https://github.com/Acme-Widgets/widgets.git",
        "git+ssh://git@github.com/Acme-Widgets/widgets.git",
        "git@github.com:Acme-Widgets/widgets.git",
        "git://github.com/Acme-Widgets/widgets.git",
        "https://github.com/Acme-Widgets/widgets.git#main",
        {"type": "git", "url": "git+https://github.com/Acme-Widgets/widgets.git"},
        {"type": "git", "url": "https://github.com/acme-widgets/widgets", "directory": "pkg"},
    ],
)
def test_the_repository_check_accepts_every_form_npm_accepts(
    tmp_path: Path, repository: object
) -> None:
    proc = _run_check(tmp_path, repository)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "repository",
    [
        "github:Acme-Widgets/widgets-themes",
        "github:Acme-Widgets/widgetsXYZ",
        "https://github.com/Acme-Widgets/widgetsXYZ",
        "https://gitlab.com/Acme-Widgets/widgets",
        "gitlab:Acme-Widgets/widgets",
        "github:Other-Org/Acme-Widgets/widgets",
        "https://github.com/Other-Org/Acme-Widgets/widgets",
        "https://github.com.evil.example/Acme-Widgets/widgets",
        "https://evil.example/github.com/Acme-Widgets/widgets",
        "https://github.com/Acme-Widgets/widgets/tree/main",
        "Acme-Widgets/widgets extra",
        {"type": "git"},
        {"type": "git", "url": "https://gitlab.com/Acme-Widgets/widgets.git"},
        "",
        None,
    ],
)
def test_the_repository_check_refuses_any_other_repository(
    tmp_path: Path, repository: object
) -> None:
    proc = _run_check(tmp_path, repository)
    assert proc.returncode == 1
    assert proc.stdout == (
        "::error file=package.json::package.json's repository field does not name"
        " Acme-Widgets/widgets; set it to 'github:Acme-Widgets/widgets' so that the package"
        " is linked to the repository and inherits its access\n"
    )


def test_the_name_check_names_both_and_the_manifest_key(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "@acme-widgets/other"}')
    (tmp_path / "check.sh").write_text(_check_script())
    env = {"PATH": os.environ["PATH"], "PACKAGE": "@acme-widgets/widgets", "MANIFEST_KEY": "k"}
    proc = subprocess.run(
        ["bash", "-e", "check.sh"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout) == (
        1,
        "::error file=package.json::package.json names '@acme-widgets/other' but the manifest"
        " publishes '@acme-widgets/widgets'; change one of them (k)\n",
    )


def _run_release_check(
    tmp_path: Path,
    tag: str,
    version: str,
    *,
    prerelease: bool = False,
    pattern: str = "v*",
    latest: str = "",
) -> tuple[int, str, str]:
    """The release check step's script on a package.json `version` for a release `tag`, the
    registry's `latest` being `latest` (a stand-in `npm` answering `npm view`): (exit code,
    what it printed, the outputs it wrote)."""
    script = _check_script(
        "Check the release tag against the package version", f", release_tag_pattern: '{pattern}'"
    )
    (tmp_path / "package.json").write_text(json.dumps({"name": "@a/b", "version": version}))
    (tmp_path / "check.sh").write_text(script)
    output = tmp_path / "output"
    output.write_text("")
    stand_in = tmp_path / "bin"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "npm").write_text('#!/bin/sh\n[ -n "$LATEST" ] || exit 1\necho "$LATEST"\n')
    (stand_in / "npm").chmod(0o755)
    prefix, suffix = tag_parts(pattern)
    env = {
        "PATH": f"{stand_in}:{os.environ['PATH']}",
        "TAG": tag,
        "GITHUB_OUTPUT": str(output),
        "TAG_PREFIX": prefix,
        "TAG_SUFFIX": suffix,
        "PRERELEASE": "true" if prerelease else "false",
        "PRERELEASE_TAG": "next",
        "PACKAGE": "@a/b",
        "LATEST": latest,
    }
    proc = subprocess.run(
        ["bash", "-e", "check.sh"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout, output.read_text()


@pytest.mark.parametrize(
    ("tag", "version", "prerelease", "pattern", "dist_tag"),
    [
        ("v1.2.3", "1.2.3", False, "v*", "latest"),
        ("1.2.3", "1.2.3", False, "*", "latest"),  # without a `v`
        ("v1.2.3", "1.2.3", False, "*", "latest"),  # with one, under `*`
        ("widgets@1.2.3", "1.2.3", False, "widgets@*", "latest"),
        ("widgets@v1.2.3", "1.2.3", False, "widgets@*", "latest"),
        ("release-1.2.3", "1.2.3", False, "release-*", "latest"),
        ("v1.2.3-stable", "1.2.3", False, "v*-stable", "latest"),
        ("v1.2.3-rc.1-stable", "1.2.3-rc.1", False, "v*-stable", "next"),
        ("release/1.2.3", "1.2.3", False, "release/*", "latest"),
        ("v2.0.0-rc.1", "2.0.0-rc.1", True, "v*", "next"),
        ("v2.0.0-rc.1", "2.0.0-rc.1", False, "v*", "next"),  # a prerelease version: never latest
        ("v2.0.0", "2.0.0", True, "v*", "next"),  # a release marked prerelease
        ("v1.0.0+build-7", "1.0.0+build-7", False, "v*", "latest"),  # `-` in build metadata only
    ],
)
def test_the_release_check_reads_the_version_from_the_tag_and_chooses_the_dist_tag(
    tmp_path: Path, tag: str, version: str, prerelease: bool, pattern: str, dist_tag: str
) -> None:
    code, printed, output = _run_release_check(
        tmp_path, tag, version, prerelease=prerelease, pattern=pattern
    )
    assert code == 0, printed
    pre = "true" if prerelease or dist_tag == "next" else "false"
    assert output == f"version={version}\nprerelease={pre}\ndist_tag={dist_tag}\n"
    assert printed == f"::notice::publishing {version} under the dist-tag {dist_tag}\n"


@pytest.mark.parametrize(
    ("version", "latest", "dist_tag"),
    [
        ("1.4.3", "1.5.0", "latest-1.4"),  # a backport
        ("1.4.10", "1.4.9", "latest"),  # compared as versions, not as text
        ("1.5.0", "1.5.0", "latest"),  # a re-run of the same release
        ("2.0.0", "", "latest"),  # the first release
    ],
)
def test_a_backport_gets_its_own_dist_tag_and_latest_stays_on_the_highest(
    tmp_path: Path, version: str, latest: str, dist_tag: str
) -> None:
    code, printed, output = _run_release_check(tmp_path, f"v{version}", version, latest=latest)
    assert code == 0, printed
    assert output.endswith(f"dist_tag={dist_tag}\n")


@pytest.mark.parametrize(
    ("tag", "version", "pattern", "tag_version", "suggested"),
    [
        ("v1.2.4", "1.2.3", "v*", "1.2.4", "v1.2.3"),
        ("v1.2.3", "1.2.30", "v*", "1.2.3", "v1.2.30"),
        ("widgets@1.3.0", "1.2.3", "widgets@*", "1.3.0", "widgets@1.2.3"),
        ("v1.2.4-stable", "1.2.3", "v*-stable", "1.2.4", "v1.2.3-stable"),
    ],
)
def test_a_release_tag_that_is_not_the_package_version_fails_naming_both(
    tmp_path: Path, tag: str, version: str, pattern: str, tag_version: str, suggested: str
) -> None:
    code, printed, output = _run_release_check(tmp_path, tag, version, pattern=pattern)
    assert (code, output) == (1, "")
    assert printed == (
        f"::error file=package.json::the release tag '{tag}' is version '{tag_version}' but"
        f" package.json's version is '{version}'; nothing is published: release the tag"
        f" '{suggested}' or set the version in package.json\n"
    )


@pytest.mark.parametrize(
    ("tag", "pattern"),
    [("release-1.2.3", "v*"), ("v1.2.3", "v*-stable"), ("release-1.2.3", "release/*")],
)
def test_a_release_tag_the_pattern_does_not_match_names_no_version(
    tmp_path: Path, tag: str, pattern: str
) -> None:
    code, printed, output = _run_release_check(tmp_path, tag, "1.2.3", pattern=pattern)
    assert (code, output) == (1, "")
    assert printed == (
        f"::error::the release tag '{tag}' does not match the release tag pattern '{pattern}';"
        " nothing is published\n"
    )


def test_a_newer_push_cancels_a_pull_requests_run_and_release_runs_never_are(
    tmp_path: Path,
) -> None:
    spec = parse_manifest("owner: acme\nrepositories:\n  - {name: lib, npm: {}}\n", "m")
    runner = WorkflowRunner(
        render(npm_release(spec.repositories[0], "publishing.yaml")),
        repository="acme/lib",
        checkout=tmp_path,
        registry="http://127.0.0.1:1/",
        tokens={},
        workdir=tmp_path,
    )
    assert runner.concurrency(pull_request_event(12)) == (
        "release-package-refs/pull/12/merge",
        True,
    )
    assert runner.concurrency(pull_request_event(13)) == (
        "release-package-refs/pull/13/merge",
        True,
    )
    assert runner.concurrency(release_event("v1.0.0")) == (
        "release-package-refs/tags/v1.0.0",
        False,
    )
    assert runner.concurrency(release_event("v1.0.0", prerelease=True))[1] is False  # type: ignore[index]
