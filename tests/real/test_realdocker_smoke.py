"""Smoke tests of the real Docker Engine + OCI registry test infrastructure (tests/real/realdocker.py).

Needs `scripts/docker-env.sh start DIR` and `. DIR/env`; skipped otherwise (failed under CI=true).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from realdocker import (
    MANIFEST_MEDIA_TYPES,
    Engine,
    Registry,
    RegistryAuthError,
    engine_or_skip,
)

pytestmark = pytest.mark.docker

DOCKERFILE = """\
FROM scratch AS base
ARG GHP_VERSION=unset
LABEL org.opencontainers.image.version=$GHP_VERSION
COPY hello.txt /hello.txt

FROM base AS final
LABEL ghpublish.test.stage=final
"""

SOURCE_LABEL = "org.opencontainers.image.source"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return engine_or_skip(tmp_path / "docker-config")


@pytest.fixture
def context_dir(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "hello.txt").write_text("hello from ghpublish\n")
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    return ctx


@pytest.fixture
def repo(engine: Engine) -> Iterator[str]:
    """A fresh repository name; local images tagged with it are removed afterwards."""
    name = f"ghpublish-smoke/{uuid.uuid4().hex[:12]}"
    yield name
    out = engine.run("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", check=False).stdout
    engine.remove_image(
        *[ref for ref in out.split() if ref.startswith(f"{engine.registry}/{name}:")]
    )


def test_build_push_and_read_back(engine: Engine, context_dir: Path, repo: str) -> None:
    ref = f"{engine.registry}/{repo}"
    image_id = engine.build(
        context_dir,
        "Dockerfile",
        tags=[f"{ref}:1.2.3", f"{ref}:latest"],
        labels={SOURCE_LABEL: "https://github.com/example/ghpublish"},
        build_args={"GHP_VERSION": "1.2.3"},
    )
    assert image_id.startswith("sha256:")
    assert engine.image_labels(image_id)["ghpublish.test.stage"] == "final"

    engine.login()
    pushed = {tag: engine.push(f"{ref}:{tag}") for tag in ("1.2.3", "latest")}

    reg = engine.registry_client()
    assert reg.tags(repo) == ["1.2.3", "latest"]
    assert repo in reg.catalog()

    manifest = reg.manifest(repo, "1.2.3")
    assert manifest["mediaType"] in MANIFEST_MEDIA_TYPES
    # The classic builder's image id is the digest of the image config that was pushed.
    assert manifest["config"]["digest"] == image_id

    digest = reg.digest(repo, "1.2.3")
    assert digest.startswith("sha256:")
    assert reg.digest(repo, "latest") == digest == pushed["1.2.3"] == pushed["latest"]

    config = reg.blob_json(repo, manifest["config"]["digest"])
    labels = config["config"]["Labels"]
    assert labels[SOURCE_LABEL] == "https://github.com/example/ghpublish"
    assert labels["org.opencontainers.image.version"] == "1.2.3"  # from the ARG
    assert labels["ghpublish.test.stage"] == "final"
    assert reg.labels(repo, digest) == labels


def test_build_target_stage(engine: Engine, context_dir: Path, repo: str) -> None:
    image_id = engine.build(context_dir, tags=[f"{engine.registry}/{repo}:base"], target="base")
    labels = engine.image_labels(image_id)
    assert labels["org.opencontainers.image.version"] == "unset"
    assert "ghpublish.test.stage" not in labels


def test_wrong_password_login_raises(engine: Engine) -> None:
    with pytest.raises(RegistryAuthError) as excinfo:
        engine.login(password="not-the-password")
    message = str(excinfo.value)
    assert "login" in message and engine.registry in message
    assert "401" in message or "unauthorized" in message.lower()
    assert "not-the-password" not in message  # the password never is on argv
    assert (
        not (engine.config_dir / "config.json").exists()
        or engine.registry not in (engine.config_dir / "config.json").read_text()
    )


def test_push_with_wrong_or_missing_credentials_raises(
    engine: Engine, context_dir: Path, repo: str
) -> None:
    tag = f"{engine.registry}/{repo}:1.0.0"
    engine.build(context_dir, tags=[tag])

    with pytest.raises(RegistryAuthError, match=r"no basic auth credentials|unauthorized"):
        engine.push(tag)  # no credentials at all

    engine.set_credentials(engine.registry, engine.username, "not-the-password")
    with pytest.raises(RegistryAuthError, match=r"unauthorized|authentication required") as excinfo:
        engine.push(tag)
    assert "push" in str(excinfo.value)

    assert engine.registry_client().tags(repo) == []


def test_registry_client_wrong_password_raises(engine: Engine) -> None:
    bad = Registry(engine.registry, engine.username, "not-the-password")
    with pytest.raises(RegistryAuthError, match="refused the credentials"):
        bad.catalog()
    assert bad.ping() == 401
    assert engine.registry_client().ping() == 200
