"""The container workflow: build on pull requests; on a release, build without write access,
then push that very image and attest it.

Triggers: pull requests to the default branch (build only) and ``release: published``.
A pushed tag alone publishes nothing: a release made in the UI or API creates its tag too,
and ``push: tags`` beside ``release`` ran the publish twice.

Jobs on a release:

- ``package`` (contents: read, no package access): reads the version from the release tag
  (the release tag pattern's prefix and suffix stripped, :data:`TAG_VERSION`), works out
  which moving tags the release takes (see below), builds the image with BuildKit into an
  OCI archive (``outputs: type=oci``, no push) and uploads it as the release artifact
  with its digest (``_release.upload_release``).
- ``publish`` (the `release` environment; ``packages: write`` only; checks out nothing and
  runs no code of the project): downloads the archive, checks its digest, and pushes it with
  skopeo (on the ubuntu-24.04 runner image) keeping the image's digest. The write token is
  in that one step's environment only. A re-run pushes nothing twice: a tag already at the
  image's digest is left alone; the version's tag at another digest fails the job.
- ``attest`` (where GitHub offers attestations): logs in and attests the pushed digest.

Moving tags: ``MAJOR.MINOR`` only for the highest release of that minor version, ``MAJOR``
(never ``0``) only for the highest of that major, ``latest`` only for the highest stable
version overall, among the repository's release tags of the pattern; a prerelease version,
or any release GitHub marks as a prerelease, takes none of them. metadata-action would
move them back on a backport (its ``type=semver`` patterns apply to every stable version),
so the package job's release step computes them and metadata-action's ``enable=`` follows.
"""

from __future__ import annotations

__all__ = [
    "DOCKER_PUBLISH_PATH",
    "IMAGE_ARCHIVE",
    "RELEASE_STEP",
    "SOURCE_LABEL",
    "attestations_available",
    "docker_publish",
    "needs_qemu",
    "release_tag_pattern",
]

from ..._core._catalog import pin
from ..._core._gates import allows
from ..._core._release import (
    RELEASE_DIR,
    TAG_VERSION,
    download_release,
    release_tag_env,
    upload_release,
)
from ..._core._spec import RELEASE_ENVIRONMENT, RepositorySpec
from ..._core._steps import READ_CODE, header, per_ref_concurrency
from ..._core._workflow import Job, Permission, Step, Workflow, pull_requests_to
from ._spec import GHCR, ContainerSpec

DOCKER_PUBLISH_PATH = ".github/workflows/docker-publish.yml"
# Links the package to its repository, whose access it then inherits.
SOURCE_LABEL = "org.opencontainers.image.source"
# The id of the package job's step that reads the release: its version and moving tags.
RELEASE_STEP = "release"
# The image BuildKit writes (an OCI image layout in a tar), in the release artifact.
IMAGE_ARCHIVE = f"{RELEASE_DIR}/image.tar"
_VERSION = "${{ steps.release.outputs.version }}"
# metadata-action's tag rules on release: the version, the moving tags the release step
# enables, and the short commit. Pull requests: the pull request and the commit.
RELEASE_TAG_RULES = (
    f"type=semver,pattern={{{{version}}}},value={_VERSION}",
    f"type=semver,pattern={{{{major}}}}.{{{{minor}}}},value={_VERSION}"
    ",enable=${{ steps.release.outputs.minor }}",
    f"type=semver,pattern={{{{major}}}},value={_VERSION}"
    ",enable=${{ steps.release.outputs.major }}",
    "type=sha",
    "type=raw,value=latest,enable=${{ steps.release.outputs.latest }}",
)
PULL_REQUEST_TAG_RULES = ("type=ref,event=pr", "type=sha")

_SEMVER = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
# The release step: the version the tag names (TAG_VERSION), then the moving tags it takes,
# from the repository's release tags (the checkout fetched them all). Every value it writes
# was checked against the semver pattern.
_RELEASE_SCRIPT = "\n".join(
    [
        f"semver='^{_SEMVER}$'",
        *TAG_VERSION,
        'if ! [[ "$tag_version" =~ $semver ]]; then',
        "  echo \"::error title=Release tag::the release tag '$TAG' names version '$tag_version',"
        " which is not a semantic version (MAJOR.MINOR.PATCH, such as"
        " '${TAG_PREFIX}1.2.3${TAG_SUFFIX}'); nothing is published\"",
        "  exit 1",
        "fi",
        'major="${BASH_REMATCH[1]}"',
        'minor="${BASH_REMATCH[2]}"',
        "# Image tags hold no '+': build metadata is dropped (metadata-action's {{version}} too).",
        'version="${tag_version%%+*}"',
        "stable=true",
        'if [ -n "${BASH_REMATCH[4]}" ] || [ "$PRERELEASE" = true ]; then stable=false; fi',
        "# The stable versions among the repository's release tags of the pattern, this one too.",
        'tags="$(git tag --list "$TAG_PREFIX*$TAG_SUFFIX")"',
        'versions="$(printf \'%s\\n\' "$tags" | while IFS= read -r tag; do',
        '  v="${tag#"$TAG_PREFIX"}"',
        '  v="${v%"$TAG_SUFFIX"}"',
        '  v="${v#v}"',
        '  if [[ "$v" =~ $semver ]] && [ -z "${BASH_REMATCH[4]}" ]; then',
        "    printf '%s\\n' \"${v%%+*}\"",
        "  fi",
        'done)"',
        'versions="$(printf \'%s\\n\' "$versions" "$version" | grep . | sort -u -V)"',
        "# The highest version of those starting with $1.",
        'highest() { printf \'%s\\n\' "$versions" | grep -E "^$1" | tail -n 1; }',
        "latest=false",
        "major_tag=false",
        "minor_tag=false",
        'if [ "$stable" = true ]; then',
        '  [ "$(highest "")" != "$version" ] || latest=true',
        '  [ "$major" = 0 ] || [ "$(highest "$major\\.")" != "$version" ] || major_tag=true',
        '  [ "$(highest "$major\\.$minor\\.")" != "$version" ] || minor_tag=true',
        '  echo "::notice title=Moving tags::$version: latest $latest, $major $major_tag,'
        ' $major.$minor $minor_tag (each only for the highest release it covers)"',
        "else",
        '  echo "::notice title=Moving tags::$version is a prerelease (or released as one):'
        ' it moves neither latest, $major nor $major.$minor"',
        "fi",
        "{",
        '  echo "version=$version"',
        '  echo "latest=$latest"',
        '  echo "major=$major_tag"',
        '  echo "minor=$minor_tag"',
        '} >> "$GITHUB_OUTPUT"',
        "# BuildKit writes the image archive there.",
        'mkdir -p "$RELEASE_DIR"',
        "",
    ]
)

# The publish job's push: the image in the archive, under every tag the package job named,
# keeping its digest; a tag already at that digest is left alone (a re-run), the version's
# tag at another digest fails before anything is pushed. The registry token is in this step's
# environment only: skopeo reads it from an auth file in RUNNER_TEMP, removed on exit.
_PUSH_SCRIPT = "\n".join(
    [
        'archive="$RELEASE_DIR/image.tar"',
        'skopeo inspect --raw "oci-archive:$archive" > "$RUNNER_TEMP/image-manifest.json"',
        'digest="sha256:$(sha256sum < "$RUNNER_TEMP/image-manifest.json" | cut -d\' \' -f1)"',
        "umask 077",
        'auth="$(mktemp "$RUNNER_TEMP/registry-auth.XXXXXX")"',
        "trap 'rm -f \"$auth\"' EXIT",
        'credential="$(printf \'%s:%s\' "$REGISTRY_USER" "$REGISTRY_TOKEN" | base64 -w0)"',
        'printf \'{"auths":{"%s":{"auth":"%s"}}}\\n\' "$REGISTRY" "$credential" > "$auth"',
        "# The digest the registry serves for a tag; nothing when it has none.",
        "served() {",
        '  local raw="$RUNNER_TEMP/served.json"',
        '  if skopeo inspect --raw --authfile "$auth" "docker://$IMAGE:$1" \\',
        '    > "$raw" 2> "$raw.err"; then',
        "    printf 'sha256:%s\\n' \"$(sha256sum < \"$raw\" | cut -d' ' -f1)\"",
        "  elif ! grep -qiE 'manifest unknown|name unknown' \"$raw.err\"; then",
        '    cat "$raw.err" >&2',
        '    echo "::error::cannot read $IMAGE:$1 from the registry; nothing more is pushed" >&2',
        "    return 1",
        "  fi",
        "}",
        'published="$(served "$VERSION")"',
        'if [ -n "$published" ] && [ "$published" != "$digest" ]; then',
        '  echo "::error::$IMAGE:$VERSION is already published as another image ($published;'
        " this release built $digest); nothing is pushed: a published version is never"
        ' replaced, release a new version"',
        "  exit 1",
        "fi",
        "while IFS= read -r tag; do",
        '  [ -n "$tag" ] || continue',
        '  if ! [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then',
        "    echo \"::error::'$tag' is not an image tag; nothing more is pushed\"",
        "    exit 1",
        "  fi",
        '  current="$(served "$tag")"',
        '  if [ "$current" = "$digest" ]; then',
        '    echo "::notice::$IMAGE:$tag is already $digest (already published): not pushed again"',
        "    continue",
        "  fi",
        '  if ! skopeo copy --all --preserve-digests --dest-authfile "$auth"'
        ' "oci-archive:$archive" "docker://$IMAGE:$tag"; then',
        "    echo \"::error::cannot push $IMAGE:$tag (the registry's answer is above); a re-run"
        ' of this job pushes what is missing"',
        "    exit 1",
        "  fi",
        '  echo "pushed $IMAGE:$tag ($digest)"',
        'done <<< "$TAGS"',
        'published="$(served "$VERSION")"',
        'if [ "$published" != "$digest" ]; then',
        '  echo "::error::the registry serves $IMAGE:$VERSION as ${published:-nothing}, not'
        ' $digest"',
        "  exit 1",
        "fi",
        'echo "digest=$digest" >> "$GITHUB_OUTPUT"',
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
        name="Read the release (version, moving tags)",
        id=RELEASE_STEP,
        env={**release_tag_env(release_tag_pattern(repo)), "RELEASE_DIR": RELEASE_DIR},
        run=_RELEASE_SCRIPT,
    )


def _credentials(container: ContainerSpec) -> tuple[str, str]:
    """ghcr.io with the workflow's `GITHUB_TOKEN`; any other registry with its own user
    name and secret (the manifest refuses one without them): the token never leaves GitHub."""
    if container.registry == GHCR:
        return "${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"
    if container.registry_username is None or container.registry_password_secret is None:
        raise ValueError(
            f"{container.registry} needs registry_username and registry_password_secret:"
            " GITHUB_TOKEN is never sent to another host"
        )
    return container.registry_username, "${{ secrets." + container.registry_password_secret + " }}"


def _login(container: ContainerSpec) -> Step:
    """The attest job's login: actions/attest reads ~/.docker/config.json only."""
    username, password = _credentials(container)
    return Step(
        name=f"Log in to {container.registry} (for the attestation)",
        uses=pin("docker/login-action"),
        with_={"registry": container.registry, "username": username, "password": password},
    )


def _attest(container: ContainerSpec, *, storage_record: bool) -> Step:
    with_: dict[str, str | bool] = {
        "subject-name": container.ref,
        "subject-digest": "${{ needs.publish.outputs.digest }}",
        "push-to-registry": True,
    }
    if storage_record:
        with_["subject-version"] = "${{ needs.package.outputs.version }}"
    else:
        with_["create-storage-record"] = False
    return Step(
        name="Attest the provenance of the pushed image",
        uses=pin("actions/attest"),
        with_=with_,
    )


def _checkout(*, tags: bool) -> Step:
    """Check out without leaving the token in .git/config; on a release, with every tag
    (`fetch-depth: 0`): the release step compares the version with the other releases."""
    with_: dict[str, str | bool | int] = {"persist-credentials": False}
    if tags:
        with_["fetch-depth"] = 0
    return Step(name="Check out", uses=pin("actions/checkout"), with_=with_)


def _build_steps(
    repo: RepositorySpec, container: ContainerSpec, *, release: bool
) -> tuple[Step, ...]:
    """Check out, set up BuildKit, compute tags and labels, build. On a release the image
    goes into the OCI archive of the release artifact: nothing is pushed from this job."""
    platforms = ",".join(container.platforms)
    steps: list[Step] = [_checkout(tags=release)]
    if release:
        steps.append(_release_step(repo))
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
    steps.append(
        Step(
            name="Compute tags and labels",
            id="meta",
            uses=pin("docker/metadata-action"),
            with_={
                "images": container.ref,
                "tags": _lines(RELEASE_TAG_RULES if release else PULL_REQUEST_TAG_RULES),
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
        "push": False,
    }
    if not release:
        build["tags"] = "${{ steps.meta.outputs.tags }}"
    build["labels"] = "${{ steps.meta.outputs.labels }}"
    if release:
        # Untagged: the publish job names the tags when it pushes.
        build["outputs"] = f"type=oci,dest={IMAGE_ARCHIVE}"
    if container.build_args:
        build["build-args"] = _lines([f"{k}={v}" for k, v in container.build_args])
    if container.target is not None:
        build["target"] = container.target
    steps.append(
        Step(
            name="Build the image into the release artifact" if release else "Build (no push)",
            uses=pin("docker/build-push-action"),
            with_=build,
        )
    )
    return tuple(steps)


def _push(container: ContainerSpec) -> Step:
    username, password = _credentials(container)
    return Step(
        name=f"Push the image to {container.registry}",
        id="push",
        env={
            "RELEASE_DIR": RELEASE_DIR,
            "REGISTRY": container.registry,
            "IMAGE": container.ref,
            "VERSION": "${{ needs.package.outputs.version }}",
            "TAGS": "${{ needs.package.outputs.tags }}",
            "REGISTRY_USER": username,
            "REGISTRY_TOKEN": password,
        },
        run=_PUSH_SCRIPT,
    )


def _write_packages(container: ContainerSpec) -> list[Permission]:
    # Another registry takes its own credential: the token needs no package access.
    if container.registry != GHCR:
        return []
    return [Permission("packages", "write", "push the image to the container registry")]


def _attest_permissions(container: ContainerSpec, plan: str) -> list[Permission]:
    perms = [
        Permission("id-token", "write", "sign the provenance attestation (Sigstore OIDC)"),
        Permission("attestations", "write", "store the provenance attestation"),
    ]
    if container.registry == GHCR:
        perms.append(
            Permission("packages", "write", "push the attestation to the container registry")
        )
    if _storage_record(plan):
        perms.append(
            Permission("artifact-metadata", "write", "record where the attested image is stored")
        )
    return perms


def _release_jobs(repo: RepositorySpec, container: ContainerSpec) -> list[Job]:
    package = Job(
        id="package",
        name="Build the image (no push)",
        if_="github.event_name == 'release'",
        timeout_minutes=30 if needs_qemu(container) else 15,
        permissions=(READ_CODE,),
        outputs={
            "version": "${{ steps.release.outputs.version }}",
            "tags": "${{ steps.meta.outputs.tag-names }}",
            "digest": "${{ steps.artifact.outputs.digest }}",
        },
        steps=(*_build_steps(repo, container, release=True), *upload_release()),
    )
    publish = Job(
        id="publish",
        name=f"Push the image to {container.registry}",
        needs=("package",),
        # Pushing runs in the protected environment, which deploys release tags only.
        environment=RELEASE_ENVIRONMENT,
        permissions=tuple(_write_packages(container)),
        outputs={"digest": "${{ steps.push.outputs.digest }}"},
        steps=(*download_release(), _push(container)),
    )
    jobs = [package, publish]
    if attestations_available(repo):
        jobs.append(
            Job(
                id="attest",
                name="Attest the pushed image",
                needs=("package", "publish"),
                environment=RELEASE_ENVIRONMENT,
                permissions=tuple(_attest_permissions(container, repo.plan)),
                steps=(
                    _login(container),
                    _attest(container, storage_record=_storage_record(repo.plan)),
                ),
            )
        )
    return jobs


def docker_publish(repo: RepositorySpec, source: str) -> Workflow:
    """Pull requests: build without pushing. Published releases: build without write access,
    push that image from a job that runs none of the project's code, attest it (where
    GitHub offers attestations: see :func:`attestations_available`)."""
    container = repo.container
    if container is None:
        raise ValueError(f"{repo.name} publishes no container image")
    build = Job(
        id="build",
        name="Build (no push)",
        if_="github.event_name == 'pull_request'",
        timeout_minutes=30 if needs_qemu(container) else 15,
        permissions=(READ_CODE,),
        steps=_build_steps(repo, container, release=False),
    )
    return Workflow(
        name="Publish container image",
        on={
            "pull_request": pull_requests_to(repo.default_branch),
            "release": {"types": ["published"]},
        },
        concurrency=per_ref_concurrency("docker-publish"),
        jobs=(build, *_release_jobs(repo, container)),
        header=header(repo, source),
    )
