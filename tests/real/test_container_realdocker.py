"""`ContainerImage` against a real Docker Engine and a real OCI registry on loopback.

The build inputs are the ones the component declares (read back from its recorded
registration): context, Dockerfile, tags, labels, build args, target and registry
credentials. The Engine's classic builder builds a `FROM scratch` fixture with them, pushes
every tag with the declared credentials, and the registry's distribution API is read back.
Needs `scripts/docker-env.sh start DIR` and `. DIR/env`; skipped otherwise (failed under CI=true).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PROGRAM, one
from realdocker import Engine, RegistryAuthError, engine_or_skip

from tools.mock_engine import run_program

pytestmark = pytest.mark.docker

IMAGE = "docker-build:index:Image"
SOURCE_LABEL = "org.opencontainers.image.source"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
WRONG_PASSWORD = "not-the-registry-password"

DOCKERFILE = """\
FROM scratch AS base
ARG VERSION=unset
LABEL org.opencontainers.image.version=$VERSION
COPY hello.txt /hello.txt

FROM base AS runtime
LABEL ghpublish.test.stage=runtime

FROM base AS debug
LABEL ghpublish.test.stage=debug
"""

MANIFEST = """\
owner: Acme-Widgets
repositories:
  - name: Widgets-CLI
    container:
      image: {image}
      context: app
      dockerfile: build/Dockerfile
      build_args: {{VERSION: "1.2.3"}}
      target: runtime
      registry: "{registry}"
      registry_username: {username}
      registry_password_secret: TEST_REGISTRY_PASSWORD
      build_from_pulumi:
        path: {path}
        tags: ["1.2.3", "1.2", edge]
"""


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return engine_or_skip(tmp_path / "docker-config")


@pytest.fixture
def image_name(engine: Engine) -> Iterator[str]:
    """A fresh image name; local images tagged with it are removed afterwards."""
    name = f"widgets/cli-{uuid.uuid4().hex[:10]}"
    yield name
    out = engine.run("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", check=False).stdout
    engine.remove_image(*[ref for ref in out.split() if f"/{name}:" in ref])


def declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine, image: str, password: str
) -> dict[str, Any]:
    """The inputs ContainerImage declares for a checkout of the repository in tmp_path/src."""
    src = tmp_path / "src"
    (src / "app/build").mkdir(parents=True)
    (src / "app/hello.txt").write_text("hello from ghpublish\n")
    (src / "app/build/Dockerfile").write_text(DOCKERFILE)
    manifest = MANIFEST.format(
        image=image, registry=engine.registry, path=src, username=engine.username
    )
    (tmp_path / "publishing.yaml").write_text(manifest, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # The test registry's own credential, for its host only (ghpublish:registryToken is
    # ghcr.io's); the user is the manifest's registry_username.
    credentials = {engine.registry: {"password": password}}
    run = run_program(
        PROGRAM,
        {
            "ghpublish:manifest": "publishing.yaml",
            "ghpublish:registryCredentials": json.dumps(credentials),
        },
        ["ghpublish:registryCredentials"],
    )
    return one(run, IMAGE, "org-Widgets-CLI-image-image").inputs


def build_declared(engine: Engine, inputs: dict[str, Any]) -> str:
    return engine.build(
        inputs["context"]["location"],
        inputs["dockerfile"]["location"],
        tags=inputs["tags"],
        labels=inputs["labels"],
        build_args=inputs["buildArgs"],
        target=inputs["target"],
    )


def login_declared(engine: Engine, inputs: dict[str, Any]) -> None:
    (registry,) = inputs["registries"]
    password = registry["password"]
    assert password[SECRET_SIG], "the registry password is declared as a Pulumi secret"
    engine.login(registry["address"], registry["username"], password["value"])


def test_declared_build_pushes_every_tag_and_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine, image_name: str
) -> None:
    inputs = declared(tmp_path, monkeypatch, engine, image_name, engine.password)
    repo = f"acme-widgets/{image_name}"
    # Pushed under `pulumi-`: never a tag the release workflow pushes.
    pushed = ("pulumi-1.2.3", "pulumi-1.2", "pulumi-edge")
    expected_tags = [f"{engine.registry}/{repo}:{t}" for t in pushed]
    assert inputs["tags"] == expected_tags
    assert inputs["labels"] == {SOURCE_LABEL: "https://github.com/Acme-Widgets/Widgets-CLI"}
    assert (inputs["buildArgs"], inputs["target"]) == ({"VERSION": "1.2.3"}, "runtime")

    image_id = build_declared(engine, inputs)
    login_declared(engine, inputs)
    digests = {engine.push(tag) for tag in inputs["tags"]}

    registry = engine.registry_client()
    assert registry.tags(repo) == sorted(pushed)
    (digest,) = digests
    for tag in pushed:
        assert registry.digest(repo, tag) == digest
        manifest = registry.manifest(repo, tag)
        assert manifest["config"]["digest"] == image_id
        labels = registry.labels(repo, tag)
        assert labels[SOURCE_LABEL] == "https://github.com/Acme-Widgets/Widgets-CLI"
        assert labels["org.opencontainers.image.version"] == "1.2.3"  # the build arg
        assert labels["ghpublish.test.stage"] == "runtime"  # the target stage
    config = registry.image_config(repo, digest)
    assert config["os"] == "linux" and config["architecture"] == "amd64"


def test_wrong_registry_password_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine, image_name: str
) -> None:
    inputs = declared(tmp_path, monkeypatch, engine, image_name, WRONG_PASSWORD)
    build_declared(engine, inputs)

    with pytest.raises(RegistryAuthError) as login:
        login_declared(engine, inputs)
    message = str(login.value)
    assert "login" in message and engine.registry in message
    assert "401" in message or "unauthorized" in message.lower()
    assert WRONG_PASSWORD not in message

    # Pushing with the wrong credentials stored (as a stale login would leave them).
    engine.set_credentials(engine.registry, engine.username, WRONG_PASSWORD)
    with pytest.raises(RegistryAuthError, match=r"unauthorized|authentication required") as push:
        engine.push(inputs["tags"][0])
    assert "push" in str(push.value) and WRONG_PASSWORD not in str(push.value)
    assert engine.registry_client().tags(f"acme-widgets/{image_name}") == []
