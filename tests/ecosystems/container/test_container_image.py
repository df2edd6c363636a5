"""`ContainerImage`: the BuildKit image `pulumi up` builds and pushes, and its credentials."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import PROGRAM, ROOT, SENTINEL, errors, load_plan, one, synth

from components import ContainerImage, GhpublishError
from tools.mock_engine import REGISTRY_STAND_IN, SECRET, Run, mask, run_program

IMAGE = "docker-build:index:Image"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
REGISTRY_SENTINEL = "ghp_REGISTRY0SENTINEL0do0not0leak000000000"

MANIFEST = """\
owner: Acme-Widgets
repositories:
  - name: Widgets-CLI
    default_branch: trunk
    container:
      image: widgets/cli
      context: app
      DOCKERFILE
      platforms: [linux/amd64, linux/arm64]
      build_args: {VERSION: "1.2.3"}
      target: runtime
      build_from_pulumi: BUILD
  - name: api
    container: {}
"""


def run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    build: str = "{ref: v1.2.3}",
    config: dict[str, str] | None = None,
) -> Run:
    # A git context builds the context's own Dockerfile; a local checkout may name another.
    dockerfile = "dockerfile: build/Dockerfile" if "path:" in build else ""
    text = MANIFEST.replace("BUILD", build).replace("DOCKERFILE", dockerfile)
    (tmp_path / "publishing.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = {"ghpublish:manifest": "publishing.yaml", **(config or {})}
    secret_keys = [
        k
        for k in config
        if k in ("github:token", "ghpublish:registryToken", "ghpublish:registryCredentials")
    ]
    return run_program(PROGRAM, config, secret_keys)


def image(result: Run) -> dict[str, Any]:
    return one(result, IMAGE, "org-Widgets-CLI-image-image").inputs


def secret_value(node: Any) -> Any:
    assert isinstance(node, dict) and SECRET_SIG in node, f"not a Pulumi secret: {node!r}"
    return node["value"]


def test_git_context_build_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = image(run(tmp_path, monkeypatch))
    ref = "ghcr.io/acme-widgets/widgets/cli"
    # Offline, ghcr.io's credential is a stand-in (tests/components/test_registry_credentials.py).
    (registry,) = inputs.pop("registries")
    assert (registry["address"], registry["username"]) == ("ghcr.io", "Acme-Widgets")
    assert secret_value(registry["password"]) == REGISTRY_STAND_IN
    assert inputs == {
        "push": True,
        "buildOnPreview": False,
        "network": "default",
        # BuildKit reads the repository's git URL at the ref, in the context directory.
        "context": {"location": "https://github.com/Acme-Widgets/Widgets-CLI.git#v1.2.3:app"},
        # Not `1.2.3`, which the release workflow pushes for the release v1.2.3.
        "tags": [f"{ref}:pulumi-1.2.3"],
        "labels": {
            "org.opencontainers.image.source": "https://github.com/Acme-Widgets/Widgets-CLI"
        },
        "platforms": ["linux/amd64", "linux/arm64"],
        "buildArgs": {"VERSION": "1.2.3"},
        "target": "runtime",
        "cacheFrom": [{"registry": {"ref": f"{ref}:buildcache"}}],
        "cacheTo": [
            {
                "registry": {
                    "ref": f"{ref}:buildcache",
                    "mode": "max",
                    "imageManifest": True,
                    "ociMediaTypes": True,
                    "ignoreError": True,
                }
            }
        ],
    }


def test_local_path_context_without_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = image(run(tmp_path, monkeypatch, "{path: ../src, tags: [dev, '2'], cache: false}"))
    assert inputs["context"] == {"location": "../src/app"}
    assert inputs["dockerfile"] == {"location": "../src/app/build/Dockerfile"}
    assert inputs["tags"] == [
        "ghcr.io/acme-widgets/widgets/cli:pulumi-dev",
        "ghcr.io/acme-widgets/widgets/cli:pulumi-2",
    ]
    assert "cacheFrom" not in inputs and "cacheTo" not in inputs


def test_only_repositories_that_ask_build_from_pulumi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch)
    assert [r.name for r in result.of_type(IMAGE)] == ["org-Widgets-CLI-image-image"]
    assert result.outputs["repositories"]["api"]["images"] == ["ghcr.io/acme-widgets/api"]
    assert result.outputs["repositories"]["Widgets-CLI"]["images"] == [
        "ghcr.io/acme-widgets/widgets/cli"
    ]
    off = run(tmp_path, monkeypatch, "false")
    assert off.of_type(IMAGE) == []


def test_registry_token_from_config_is_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(
        tmp_path,
        monkeypatch,
        config={
            "github:token": SENTINEL,
            "ghpublish:registryToken": REGISTRY_SENTINEL,
            "ghpublish:registryUsername": "release-bot",
        },
    )
    inputs = image(result)
    (registry,) = inputs["registries"]
    assert (registry["address"], registry["username"]) == ("ghcr.io", "release-bot")
    assert secret_value(registry["password"]) == REGISTRY_SENTINEL
    # BuildKit reads a private repository's git URL with the GitHub token, also secret.
    assert secret_value(inputs["secrets"]) == {"GIT_AUTH_TOKEN.github.com": SENTINEL}
    plain = one(result, IMAGE, "org-Widgets-CLI-image-image").plain_inputs
    assert plain["registries"][0]["password"] == SECRET
    assert plain["secrets"] == SECRET
    assert SENTINEL not in json.dumps(plain) and REGISTRY_SENTINEL not in json.dumps(plain)


def test_the_registry_never_falls_back_to_the_github_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 21: without a credential for ghcr.io the run stops; the GitHub token (a
    # fine-grained or App token, which GitHub Packages refuses anyway) is never sent.
    config = {"github:token": SENTINEL, "ghpublish:registryCredentials": "{}"}
    with pytest.raises(pulumi.RunError, match=re.escape("has no credential for ghcr.io")):
        run(tmp_path, monkeypatch, config=config)


def test_without_a_token_no_git_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = image(run(tmp_path, monkeypatch))
    assert "secrets" not in inputs


def test_a_local_path_gets_no_git_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = image(run(tmp_path, monkeypatch, "{path: .}", config={"github:token": SENTINEL}))
    assert "secrets" not in inputs
    assert secret_value(inputs["registries"][0]["password"]) == REGISTRY_STAND_IN


def test_component_outputs_and_defaults() -> None:
    def program() -> None:
        c = ContainerImage("i", {"owner": "Acme", "repository": "Svc"})
        pulumi.export("image", c.image)
        pulumi.export("refs", c.refs)

    result = run_program(program, {})
    (built,) = result.of_type(IMAGE)
    assert built.parent.endswith("ContainerImage::i")
    assert built.inputs["context"] == {"location": "https://github.com/Acme/Svc.git#main"}
    assert "dockerfile" not in built.inputs
    assert result.outputs == {
        "image": "ghcr.io/acme/svc",
        # Under `pulumi-`: never a tag the release workflow pushes.
        "refs": ["ghcr.io/acme/svc:pulumi-main"],
    }


def test_example_repository_stays_small(example_run: Run) -> None:
    """A repository with npm, a container workflow and an image: the image is the only extra."""
    urns = {r.urn: r for r in example_run.registrations}

    def under(r: Any, name: str) -> bool:
        parent = r.parent
        while parent:
            if parent.endswith(f"::{name}"):
                return True
            parent = urns[parent].parent if parent in urns else ""
        return False

    cli = [r for r in example_run.registrations if r.custom and under(r, "org-widgets-cli")]
    npm_only = [r for r in example_run.registrations if r.custom and under(r, "org-widgets")]
    # The container block adds its workflow file and, with build_from_pulumi, the image.
    extra = sorted(r.type for r in cli)
    for r in npm_only:
        extra.remove(r.type)
    assert extra == [IMAGE, "github:index/repositoryFile:RepositoryFile"]
    # A fully featured repository stays within 8 custom resources, the image aside.
    assert len(cli) - 1 <= 8


def test_synth_masks_the_registry_token_and_lists_images(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = synth("--out", str(out), "--no-lint", env={"GHPUBLISH_SYNTH_TOKEN": SENTINEL})
    assert result.returncode == 0, result.stderr
    assert SENTINEL not in result.stdout + result.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert SENTINEL not in path.read_text(encoding="utf-8"), path
    lines = {line.split(":", 1)[0]: line for line in result.stdout.splitlines()}
    cli = re.fullmatch(
        r"Acme-Widgets/widgets-cli: create, (\d+) resources, 2 files,"
        r" packages: @acme-widgets/widgets-cli, images: ghcr\.io/acme-widgets/widgets/cli;"
        r" files committed directly to main",
        lines["Acme-Widgets/widgets-cli"],
    )
    widgets = re.fullmatch(
        r"Acme-Widgets/widgets: create, (\d+) resources, 1 file,"
        r" packages: @acme-widgets/widgets, images: none; files committed directly to main",
        lines["Acme-Widgets/widgets"],
    )
    assert cli and widgets, result.stdout
    # Counted per component, not by name prefix (`org-widgets-cli-…` is not under widgets):
    # the same npm repository plus a workflow file and an image.
    assert int(cli[1]) - int(widgets[1]) == 2
    images = [r for r in load_plan(out)["resources"] if r["type"] == IMAGE]  # type: ignore[index]
    assert images and all(i["inputs"]["registries"][0]["password"] == SECRET for i in images)
    assert ROOT.exists()


def test_stack_reads_the_registry_credentials_through_the_checked_reader() -> None:
    # Read plain to be checked before anything registers, sent only as Pulumi secrets
    # (tests/components/test_registry_credentials.py: a plain-text password is refused).
    main = (ROOT / "__main__.py").read_text(encoding="utf-8")
    assert "**stack_registry_config(config)" in main
    assert 'get_secret("registryToken")' not in main


def test_the_github_token_is_read_as_the_provider_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pipeline's workflows pass the credential as GITHUB_TOKEN, the provider's own
    # fallback for github:token: the Pulumi-time build reads the git URL with it, as a
    # secret, and never sends it to the registry.
    (tmp_path / "publishing.yaml").write_text(
        MANIFEST.replace("BUILD", "{ref: v1}").replace("DOCKERFILE", "")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", SENTINEL)
    result = run_program(PROGRAM, {"ghpublish:manifest": "publishing.yaml"}, [])
    inputs = image(result)
    assert secret_value(inputs["registries"][0]["password"]) == REGISTRY_STAND_IN
    assert SENTINEL not in json.dumps(inputs["registries"])
    assert secret_value(inputs["secrets"]) == {"GIT_AUTH_TOKEN.github.com": SENTINEL}
    provider = next(r for r in result.registrations if r.type == "pulumi:providers:github")
    assert secret_value(provider.inputs["token"]) == SENTINEL
    assert SENTINEL not in json.dumps([mask(r.inputs) for r in result.registrations])


def test_a_git_context_builds_only_the_contexts_own_dockerfile() -> None:
    # pulumi-docker-build 0.0.22 opens a `dockerfile.location` that is not a URL on the local
    # disk in its check: with a git context that file is not there, so the build would fail.
    text = MANIFEST.replace("BUILD", "{ref: v1}").replace(
        "DOCKERFILE", "dockerfile: build/Dockerfile"
    )
    assert errors(text) == [
        "publishing.yaml:8: repositories[0].container.dockerfile: 'build/Dockerfile' cannot be"
        " built from the repository's git URL: the Docker build provider opens a Dockerfile"
        " given by path on the local disk and fails; name it 'Dockerfile' in the context"
        " directory (set context to its directory), or build a local checkout with"
        " build_from_pulumi.path"
    ]
    with pytest.raises(GhpublishError, match="a git context builds the context's own"):
        run_program(
            lambda: ContainerImage(
                "i", {"owner": "a", "repository": "b", "container": {"dockerfile": "x/Df"}}
            ),
            {},
        )


COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_a_known_commit_of_the_ref_is_built_so_a_moved_ref_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The provider diffs the context as a string: the ref's name alone never changes when
    # the branch moves; the commit from `ghpublish:revisions` does.
    moved = {"ghpublish:revisions": json.dumps({"Widgets-CLI": COMMIT})}
    inputs = image(run(tmp_path, monkeypatch, "{ref: trunk}", config=moved))
    assert inputs["context"] == {
        "location": f"https://github.com/Acme-Widgets/Widgets-CLI.git#{COMMIT}:app"
    }
    # The tags still name the ref.
    assert inputs["tags"] == ["ghcr.io/acme-widgets/widgets/cli:pulumi-trunk"]
    before = image(run(tmp_path, monkeypatch, "{ref: trunk}"))["context"]
    assert before == {"location": "https://github.com/Acme-Widgets/Widgets-CLI.git#trunk:app"}


@pytest.mark.parametrize(
    ("revisions", "message"),
    [
        ({"api": COMMIT}, "ghpublish:revisions names 'api', which build no image from a git ref"),
        ({"Widgets-CLI": "main"}, "build_from_pulumi.revision 'main' is not the full commit SHA"),
    ],
)
def test_revisions_name_only_git_builds_and_full_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, revisions: dict[str, str], message: str
) -> None:
    config = {"ghpublish:revisions": json.dumps(revisions)}
    with pytest.raises(pulumi.RunError, match=re.escape(message)):
        run(tmp_path, monkeypatch, "{ref: trunk}", config=config)
