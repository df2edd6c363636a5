"""`ContainerImage`: build and push the repository's image from `pulumi up` (BuildKit)."""

__all__ = ["GIT_AUTH_SECRET", "ContainerImage", "ContainerImageArgs"]

import posixpath
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_docker_build as docker_build

from ._core._component import Component
from ._core._errors import GhpublishError
from ._ecosystems.container._spec import ContainerSpec
from ._ecosystems.container._workflow import SOURCE_LABEL
from .container_publishing import ContainerSettingsArgs, container_spec

# The BuildKit secret its git source reads a private repository's URL with.
GIT_AUTH_SECRET = "GIT_AUTH_TOKEN.github.com"


class ContainerImageArgs(TypedDict):
    """Build the repository's image with BuildKit and push it with a token from stack config."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository (and the image)."""
    repository: pulumi.Input[str]
    """Name of the repository the image is built from."""
    branch: NotRequired[pulumi.Input[str]]
    """The repository's default branch, built when no ref is given (default `main`)."""
    push: NotRequired[pulumi.Input[bool]]
    """Push the image to the registry (default true)."""
    container: NotRequired[pulumi.Input[ContainerSettingsArgs]]
    """The image: name, context, platforms, registry, credentials (every key has a default)."""


def git_context(owner: str, repository: str, ref: str, context: str) -> str:
    """The repository's git URL at ``ref``, with the context's directory, as BuildKit reads it."""
    subdir = "" if posixpath.normpath(context) == "." else f":{posixpath.normpath(context)}"
    return f"https://github.com/{owner}/{repository}.git#{ref}{subdir}"


def build_inputs(owner: str, repository: str, spec: ContainerSpec) -> dict[str, Any]:
    """The plain (non-secret) inputs of the BuildKit image the spec stands for."""
    build = spec.build_from_pulumi
    if build is None:
        raise ValueError(f"{repository} does not build its image from Pulumi")
    if build.path is not None:
        location = posixpath.normpath(posixpath.join(build.path, spec.context))
        dockerfile: dict[str, str] | None = {"location": posixpath.join(location, spec.dockerfile)}
    else:
        # A known commit of the ref is built: a moved ref is a new context, so it rebuilds
        # (the provider compares the context as a string, never the ref's commit).
        location = git_context(
            owner, repository, build.revision or build.ref or "main", spec.context
        )
        # With a git context BuildKit reads the context's own `Dockerfile`; the provider
        # opens any other one given by path on the local disk (refused by the manifest).
        if spec.dockerfile != "Dockerfile":
            raise GhpublishError(
                f"{spec.dockerfile!r}: a git context builds the context's own Dockerfile only;"
                " build a local checkout (build_from_pulumi.path) instead"
            )
        dockerfile = None
    cache_ref = f"{spec.ref}:buildcache"
    return {
        "context": {"location": location},
        "dockerfile": dockerfile,
        "tags": [f"{spec.ref}:{tag}" for tag in build.tags],
        "labels": {SOURCE_LABEL: f"https://github.com/{owner}/{repository}"},
        "platforms": list(spec.platforms),
        "build_args": dict(spec.build_args) or None,
        "target": spec.target,
        "cache_from": [{"registry": {"ref": cache_ref}}] if build.cache else None,
        "cache_to": (
            [
                {
                    "registry": {
                        "ref": cache_ref,
                        "mode": "max",
                        "image_manifest": True,
                        "oci_media_types": True,
                        # A builder without registry cache export still builds and pushes.
                        "ignore_error": True,
                    }
                }
            ]
            if build.cache
            else None
        ),
    }


class ContainerImage(Component):
    """A `pulumi_docker_build.Image`: several tags, labels, platforms, registry cache, pushed
    with the registry token from stack config (a Pulumi secret)."""

    image: pulumi.Output[str]
    """The image reference without a tag, lowercase (`ghcr.io/<owner>/<image>`)."""
    refs: pulumi.Output[list[str]]
    """Every pushed reference, `<image>:<tag>`."""
    digest: pulumi.Output[str]
    """The digest of the pushed image (manifest or index)."""
    ref: pulumi.Output[str]
    """One pushed reference pinned by digest, `<image>:<tag>@<digest>`."""

    def __init__(
        self, name: str, args: ContainerImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        owner: str = args["owner"]  # type: ignore[assignment]
        repository: str = args["repository"]  # type: ignore[assignment]
        branch: str = args.get("branch") or "main"  # type: ignore[assignment]
        given: ContainerSettingsArgs = args.get("container") or {}  # type: ignore[assignment]
        settings: ContainerSettingsArgs = {
            **given,
            "build_from_pulumi": given.get("build_from_pulumi") or {},
        }
        spec = container_spec(owner, repository, settings, branch)
        inputs = build_inputs(owner, repository, spec)
        password = given.get("registry_password")
        registries = (
            [
                {
                    "address": spec.registry,
                    "username": given.get("registry_username") or owner,
                    "password": pulumi.Output.secret(password),
                }
            ]
            if password is not None
            else None
        )
        git_token = given.get("git_token")
        assert spec.build_from_pulumi is not None
        secrets = (
            {GIT_AUTH_SECRET: pulumi.Output.secret(git_token)}
            if git_token is not None and spec.build_from_pulumi.path is None
            else None
        )
        self.built = docker_build.Image(
            f"{name}-image",
            push=args.get("push", True),  # type: ignore[arg-type]
            registries=registries,  # type: ignore[arg-type]
            secrets=secrets,
            # Previews neither build nor read the git URL: `pulumi up` does.
            build_on_preview=False,
            **inputs,
            opts=self._child(),
        )
        self.image_ref = spec.ref
        self.ref_list = list(inputs["tags"])
        self._finish(
            image=spec.ref, refs=self.ref_list, digest=self.built.digest, ref=self.built.ref
        )
