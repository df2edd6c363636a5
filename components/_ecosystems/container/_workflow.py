"""The container workflow: build on pull requests; build, push and attest once per release.

Triggers: pull requests to the default branch (build only) and ``release: published``
(build, push, attest). A pushed tag alone publishes nothing: a release made in the UI
or API creates its tag too, and ``push: tags`` beside ``release`` ran the publish twice.

``latest`` names the highest non-prerelease semantic version among the repository's
published releases whose tags match the release tag pattern. The publish job works that
out itself (metadata-action's ``latest=auto`` gives ``latest`` to every non-prerelease
version it sees, so a backport release would move ``latest`` back), and
metadata-action's own ``latest`` flavor is off.
"""

from __future__ import annotations

__all__ = [
    "DOCKER_PUBLISH_PATH",
    "RELEASE_STEP",
    "SOURCE_LABEL",
    "attestations_available",
    "docker_publish",
    "needs_qemu",
    "release_tag_pattern",
]

from ..._core._catalog import pin
from ..._core._gates import allows
from ..._core._spec import RELEASE_ENVIRONMENT, RepositorySpec
from ..._core._steps import READ_CODE, checkout, header, per_ref_concurrency
from ..._core._workflow import Job, Permission, Step, Workflow, pull_requests_to
from ._spec import GHCR, ContainerSpec

DOCKER_PUBLISH_PATH = ".github/workflows/docker-publish.yml"
# Links the package to its repository, whose access it then inherits.
SOURCE_LABEL = "org.opencontainers.image.source"
# The id of the step that reads the release: its version and whether it is `latest`.
RELEASE_STEP = "release"
_VERSION = "${{ steps.release.outputs.version }}"
# metadata-action's tag rules on release: the version, major.minor, the short commit, and
# `latest` when the release step says so. Pull requests: the pull request and the commit.
RELEASE_TAG_RULES = (
    f"type=semver,pattern={{{{version}}}},value={_VERSION}",
    f"type=semver,pattern={{{{major}}}}.{{{{minor}}}},value={_VERSION}",
    "type=sha",
    "type=raw,value=latest,enable=${{ steps.release.outputs.latest }}",
)
PULL_REQUEST_TAG_RULES = ("type=ref,event=pr", "type=sha")

# The release step: the version from the tag (`v1.2.3`, `1.2.3`, `pkg@1.2.3`), and
# `latest=true` only for the highest stable version among the published releases whose
# tags match the pattern. Every value it writes was checked against the semver pattern.
_SEMVER = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
_RELEASE_SCRIPT = "\n".join(
    [
        f"semver='^{_SEMVER}$'",
        'version_of() { local v="${1##*@}"; printf \'%s\\n\' "${v#v}"; }',
        'version="$(version_of "$GITHUB_REF_NAME")"',
        'if ! [[ "$version" =~ $semver ]]; then',
        "  echo \"::error title=Release tag::the release tag '$GITHUB_REF_NAME' does not end in"
        ' a semantic version (such as v1.2.3, 1.2.3 or name@1.2.3); nothing is published"',
        "  exit 1",
        "fi",
        'prerelease="${BASH_REMATCH[4]}"',
        "# The published, non-prerelease releases (a failed listing fails the step: else",
        "# this release would see only itself and take `latest`), and this one.",
        'releases="$(gh api --paginate "repos/$GITHUB_REPOSITORY/releases" \\',
        "  --jq '.[] | select((.draft or .prerelease) | not) | .tag_name')\"",
        'if [ "$PRERELEASE" != true ]; then releases="$releases"$\'\\n\'"$GITHUB_REF_NAME"; fi',
        "# The highest stable version among the tags of the pattern.",
        'highest="$(printf \'%s\\n\' "$releases" | while IFS= read -r tag; do',
        '  case "$tag" in $TAG_PATTERN) ;; *) continue ;; esac',
        '  v="$(version_of "$tag")"',
        '  if [[ "$v" =~ $semver ]] && [ -z "${BASH_REMATCH[4]}" ]; then',
        "    printf '%s\\n' \"${v%%+*}\"",
        "  fi",
        'done | sort -V | tail -n 1)"',
        "latest=false",
        'if [ "$PRERELEASE" != true ] && [ -z "$prerelease" ] \\',
        '  && [ "${version%%+*}" = "$highest" ]; then',
        "  latest=true",
        "fi",
        'if [ "$latest" = true ]; then',
        '  echo "::notice title=latest::$version is the highest release: tagged latest too"',
        "else",
        '  echo "::notice title=latest::latest stays on ${highest:-no release}'
        ' ($version is a pre-release or not the highest release)"',
        "fi",
        "{",
        '  echo "version=$version"',
        '  echo "latest=$latest"',
        '} >> "$GITHUB_OUTPUT"',
        "",
    ]
)


def release_tag_pattern(repo: RepositorySpec) -> str:
    """The tags releases are made from (the repository's `release_tag_pattern`)."""
    return repo.release_tag_pattern


def attestations_available(repo: RepositorySpec) -> bool:
    """GitHub offers artifact attestations in public repositories on every plan, and in
    private and internal ones on GitHub Enterprise Cloud only (the manifest's `plan`). An
    adopted repository that keeps its visibility counts as private: ghpublish does not know
    it."""
    return allows("attestations", repo.plan, repo.known_visibility)


def _storage_record(plan: str) -> bool:
    """actions/attest records where an attested image is stored (`artifact-metadata: write`)
    for organization-owned repositories only; `pro` is a personal account's plan."""
    return plan != "pro"


def needs_qemu(container: ContainerSpec) -> bool:
    """QEMU emulates what the amd64 runner cannot run natively."""
    return len(container.platforms) > 1 or container.platforms != ("linux/amd64",)


def _lines(items: list[str] | tuple[str, ...]) -> str:
    return "".join(f"{item}\n" for item in items)


def _release_step(repo: RepositorySpec) -> Step:
    return Step(
        name="Read the release (version, latest)",
        id=RELEASE_STEP,
        env={
            "GH_TOKEN": "${{ github.token }}",
            "PRERELEASE": "${{ github.event.release.prerelease }}",
            "TAG_PATTERN": release_tag_pattern(repo),
        },
        run=_RELEASE_SCRIPT,
    )


def _login(container: ContainerSpec) -> Step:
    """ghcr.io with the workflow's `GITHUB_TOKEN`; any other registry with its own user
    name and secret (the manifest refuses one without them): the token never leaves GitHub."""
    if container.registry == GHCR:
        username, password = "${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"
    else:
        if container.registry_username is None or container.registry_password_secret is None:
            raise ValueError(
                f"{container.registry} needs registry_username and registry_password_secret:"
                " GITHUB_TOKEN is never sent to another host"
            )
        username = container.registry_username
        password = "${{ secrets." + container.registry_password_secret + " }}"
    return Step(
        name=f"Log in to {container.registry}",
        uses=pin("docker/login-action"),
        with_={"registry": container.registry, "username": username, "password": password},
    )


def _attest(container: ContainerSpec, *, storage_record: bool) -> Step:
    with_: dict[str, str | bool] = {
        "subject-name": container.ref,
        "subject-digest": "${{ steps.push.outputs.digest }}",
        "push-to-registry": True,
    }
    if storage_record:
        with_["subject-version"] = _VERSION
    else:
        with_["create-storage-record"] = False
    return Step(
        name="Attest the provenance of the pushed image",
        uses=pin("actions/attest"),
        with_=with_,
    )


def _steps(
    repo: RepositorySpec, container: ContainerSpec, *, push: bool, attest: bool, plan: str
) -> tuple[Step, ...]:
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
        steps.extend((_release_step(repo), _login(container)))
    steps.append(
        Step(
            name="Compute tags and labels",
            id="meta",
            uses=pin("docker/metadata-action"),
            with_={
                "images": container.ref,
                "tags": _lines(RELEASE_TAG_RULES if push else PULL_REQUEST_TAG_RULES),
                # `latest` comes from the release step only, never from metadata-action.
                "flavor": "latest=false\n",
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
    if push and attest:
        steps.append(_attest(container, storage_record=_storage_record(plan)))
    return tuple(steps)


def _publish_permissions(container: ContainerSpec, *, attest: bool, plan: str) -> list[Permission]:
    perms = [READ_CODE]
    if container.registry == GHCR:
        # Another registry takes its own credential: the token needs no package access.
        perms.append(Permission("packages", "write", "push the image to the container registry"))
    if attest:
        perms.append(
            Permission("id-token", "write", "sign the provenance attestation (Sigstore OIDC)")
        )
        perms.append(Permission("attestations", "write", "store the provenance attestation"))
        if _storage_record(plan):
            perms.append(
                Permission(
                    "artifact-metadata", "write", "record where the attested image is stored"
                )
            )
    return perms


def docker_publish(repo: RepositorySpec, source: str) -> Workflow:
    """Pull requests: build without pushing. Published releases: build, push, attest
    (where GitHub offers attestations: see :func:`attestations_available`)."""
    container = repo.container
    if container is None:
        raise ValueError(f"{repo.name} publishes no container image")
    attest = attestations_available(repo)
    plan = repo.plan
    build = Job(
        id="build",
        name="Build (no push)",
        if_="github.event_name == 'pull_request'",
        permissions=(READ_CODE,),
        steps=_steps(repo, container, push=False, attest=False, plan=plan),
    )
    publish = Job(
        id="publish",
        name=f"Build and push to {container.registry}",
        # Pushing runs in the protected environment, which deploys release tags only.
        environment=RELEASE_ENVIRONMENT,
        if_="github.event_name == 'release'",
        timeout_minutes=30 if needs_qemu(container) else 15,
        permissions=tuple(_publish_permissions(container, attest=attest, plan=plan)),
        steps=_steps(repo, container, push=True, attest=attest, plan=plan),
    )
    return Workflow(
        name="Publish container image",
        on={
            "pull_request": pull_requests_to(repo.default_branch),
            "release": {"types": ["published"]},
        },
        concurrency=per_ref_concurrency("docker-publish"),
        jobs=(build, publish),
        header=header(repo, source),
    )
