"""The container workflow: build on pull requests; build, push and attest on release."""

from __future__ import annotations

__all__ = ["DOCKER_PUBLISH_PATH", "SOURCE_LABEL", "docker_publish", "needs_qemu"]

from .._catalog import pin
from .._spec import RELEASE_ENVIRONMENT, ContainerSpec, RepositorySpec
from .._workflow import Concurrency, Job, Permission, Step, Workflow
from .common import READ_CODE, checkout, header

DOCKER_PUBLISH_PATH = ".github/workflows/docker-publish.yml"
# Links the package to its repository, whose access it then inherits.
SOURCE_LABEL = "org.opencontainers.image.source"
# metadata-action's tag rules: the version, major.minor, the short commit, and `latest`.
TAG_RULES = (
    "type=semver,pattern={{version}}",
    "type=semver,pattern={{major}}.{{minor}}",
    "type=sha",
    "type=raw,value=latest,enable={{is_default_branch}}",
)
PUSH_TAGS = "v*.*.*"


def needs_qemu(container: ContainerSpec) -> bool:
    """QEMU emulates what the amd64 runner cannot run natively."""
    return len(container.platforms) > 1 or container.platforms != ("linux/amd64",)


def _lines(items: list[str] | tuple[str, ...]) -> str:
    return "".join(f"{item}\n" for item in items)


def _steps(repo: RepositorySpec, container: ContainerSpec, *, push: bool) -> tuple[Step, ...]:
    platforms = ",".join(container.platforms)
    steps: list[Step] = [checkout()]
    if needs_qemu(container):
        steps.append(
            Step(
                name="Set up QEMU",
                uses=pin("docker/setup-qemu-action"),
                with_={"platforms": platforms, "cache-image": False},
            )
        )
    steps.append(
        Step(
            name="Set up Docker Buildx",
            uses=pin("docker/setup-buildx-action"),
            # No cached buildx binary: a poisoned cache would reach the pushed image.
            with_={"platforms": platforms, "cache-binary": False},
        )
    )
    if push:
        steps.append(
            Step(
                name=f"Log in to {container.registry}",
                uses=pin("docker/login-action"),
                with_={
                    "registry": container.registry,
                    "username": "${{ github.actor }}",
                    "password": "${{ secrets.GITHUB_TOKEN }}",
                },
            )
        )
    steps.append(
        Step(
            name="Compute tags and labels",
            id="meta",
            uses=pin("docker/metadata-action"),
            with_={
                "images": container.ref,
                "tags": _lines(TAG_RULES),
                "labels": f"{SOURCE_LABEL}={repo.url}\n",
            },
        )
    )
    build: dict[str, str | bool] = {
        "context": container.context,
        "file": container.dockerfile_path,
        "platforms": platforms,
        "push": push,
        "tags": "${{ steps.meta.outputs.tags }}",
        "labels": "${{ steps.meta.outputs.labels }}",
    }
    if container.build_args:
        build["build-args"] = _lines([f"{k}={v}" for k, v in container.build_args])
    if container.target is not None:
        build["target"] = container.target
    steps.append(
        Step(
            name="Build and push" if push else "Build (no push)",
            id="push" if push else None,
            uses=pin("docker/build-push-action"),
            with_=build,
        )
    )
    if push:
        steps.append(
            Step(
                name="Attest the provenance of the pushed image",
                uses=pin("actions/attest-build-provenance"),
                with_={
                    "subject-name": container.ref,
                    "subject-digest": "${{ steps.push.outputs.digest }}",
                    "push-to-registry": True,
                },
            )
        )
    return tuple(steps)


def docker_publish(repo: RepositorySpec, source: str) -> Workflow:
    """Pull requests: build without pushing. Version tags and releases: build, push, attest."""
    container = repo.container
    if container is None:
        raise ValueError(f"{repo.name} publishes no container image")
    build = Job(
        id="build",
        name="Build (no push)",
        if_="github.event_name == 'pull_request'",
        permissions=(READ_CODE,),
        steps=_steps(repo, container, push=False),
    )
    publish = Job(
        id="publish",
        name=f"Build and push to {container.registry}",
        # Pushing runs in the protected environment, which deploys release tags only.
        environment=RELEASE_ENVIRONMENT,
        if_="github.event_name != 'pull_request'",
        timeout_minutes=30 if needs_qemu(container) else 15,
        permissions=(
            READ_CODE,
            Permission("packages", "write", "push the image to the container registry"),
            Permission("id-token", "write", "sign the provenance attestation (Sigstore OIDC)"),
            Permission("attestations", "write", "store the provenance attestation"),
        ),
        steps=_steps(repo, container, push=True),
    )
    return Workflow(
        name="Publish container image",
        on={
            "pull_request": {"branches": [repo.default_branch]},
            "push": {"tags": [PUSH_TAGS]},
            "release": {"types": ["published"]},
        },
        concurrency=Concurrency("docker-publish-${{ github.ref }}", cancel_in_progress=False),
        jobs=(build, publish),
        header=header(repo, source),
    )
