"""Container images as an ecosystem: the `container` block (``_block.py``), its spec
(``_spec.py``) and the docker-publish workflow (``_workflow.py``),
registered like every package ecosystem. Its components, ContainerPublishing and
ContainerImage (a Pulumi-time build), stay its own."""

from __future__ import annotations

__all__ = ["CONTAINER", "container_settings"]

from typing import Any

from ..._core._ecosystem import Ecosystem
from ._block import Container, ContainerDefaults, _resolve_container
from ._spec import ContainerSpec
from ._workflow import DOCKER_PUBLISH_PATH, docker_publish


def container_settings(image: ContainerSpec) -> dict[str, Any]:
    """The ContainerPublishing settings of a resolved image."""
    settings: dict[str, Any] = {
        "image": image.image,
        "context": image.context,
        "dockerfile": image.dockerfile,
        "platforms": list(image.platforms),
        "build_args": dict(image.build_args),
        "registry": image.registry,
    }
    if image.target is not None:
        settings["target"] = image.target
    if image.registry_username is not None:
        settings["registry_username"] = image.registry_username
    if image.registry_password_secret is not None:
        settings["registry_password_secret"] = image.registry_password_secret
    build = image.build_from_pulumi
    if build is not None:
        from_pulumi: dict[str, Any] = {"tags": list(build.tags), "cache": build.cache}
        if build.path is not None:
            from_pulumi["path"] = build.path
        if build.ref is not None:
            from_pulumi["ref"] = build.ref
        settings["build_from_pulumi"] = from_pulumi
    return settings


CONTAINER = Ecosystem(
    key="container",
    defaults=ContainerDefaults,
    block=Container,
    resolve=_resolve_container,
    identity="image",
    published=lambda spec: spec.ref,
    workflow_path=DOCKER_PUBLISH_PATH,
    workflow=docker_publish,
    settings=container_settings,
)
