"""The manifest's `container` block: defaults, merging, and every bad value named exactly."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, errors, parse

from components._ecosystems.container._block import PULUMI_TAG_PREFIX
from components._ecosystems.container._spec import ContainerSpec, PulumiBuildSpec
from components._ecosystems.container._workflow import RELEASE_TAG_RULES


def test_defaults_and_lowercase_references() -> None:
    spec = parse(
        """\
        owner: Acme-Widgets
        repositories:
          - name: API-Server
            container: {}
        """
    )
    (repo,) = spec.repositories
    assert repo.container == ContainerSpec(
        registry="ghcr.io",
        namespace="acme-widgets",
        image="api-server",
        context=".",
        dockerfile="Dockerfile",
        platforms=("linux/amd64",),
        build_args=(),
        target=None,
        build_from_pulumi=None,
    )
    assert repo.container.ref == "ghcr.io/acme-widgets/api-server"


def test_org_defaults_merge_key_by_key_and_false_turns_off() -> None:
    spec = parse(
        """\
        owner: acme
        defaults:
          container:
            platforms: [linux/amd64, linux/arm64, linux/amd64]
            registry: containers.example.com:5000
            registry_username: ci-bot
            registry_password_secret: REGISTRY_TOKEN
            build_args: {B: "2", A: "1"}
        repositories:
          - name: a
            container:
              image: tools/a
              context: app
              dockerfile: build/Dockerfile
              target: runtime
          - name: b
          - name: c
            container: false
        """
    )
    a, b, c = spec.repositories
    assert a.container is not None and b.container is not None
    assert a.container.ref == "containers.example.com:5000/acme/tools/a"
    assert a.container.platforms == ("linux/amd64", "linux/arm64")  # duplicates dropped
    assert a.container.build_args == (("A", "1"), ("B", "2"))  # sorted
    assert (a.container.context, a.container.dockerfile_path) == ("app", "app/build/Dockerfile")
    assert a.container.target == "runtime"
    assert b.container.ref == "containers.example.com:5000/acme/b"
    assert c.container is None


@pytest.mark.parametrize(
    ("block", "branch", "expected"),
    [
        ("true", "main", PulumiBuildSpec(None, "main", ("pulumi-main",))),
        ("{ref: v1.2.3}", "main", PulumiBuildSpec(None, "v1.2.3", ("pulumi-1.2.3",))),
        ("{ref: release/2}", "trunk", PulumiBuildSpec(None, "release/2", ("pulumi-release-2",))),
        ("{}", "trunk", PulumiBuildSpec(None, "trunk", ("pulumi-trunk",))),
        (
            "{path: ../src, cache: false}",
            "main",
            PulumiBuildSpec("../src", None, ("pulumi-edge",), False),
        ),
        ("{tags: [a, b, a]}", "main", PulumiBuildSpec(None, "main", ("pulumi-a", "pulumi-b"))),
        # A tag given with the prefix is pushed as it is; twice is once.
        (
            "{tags: [pulumi-a, a, latest]}",
            "main",
            PulumiBuildSpec(None, "main", ("pulumi-a", "pulumi-latest")),
        ),
        ("false", "main", None),
    ],
)
def test_build_from_pulumi(block: str, branch: str, expected: PulumiBuildSpec | None) -> None:
    spec = parse(
        f"""\
        owner: acme
        repositories:
          - name: a
            default_branch: {branch}
            container:
              build_from_pulumi: {block}
        """
    )
    assert spec.repositories[0].container is not None
    assert spec.repositories[0].container.build_from_pulumi == expected


def test_a_pulumi_time_build_never_takes_a_tag_the_release_workflow_pushes() -> None:
    """Issue 20, finding 5: `pulumi up` building `ref: v1.0.0` while the release v1.0.0
    runs: the release pushes `1.0.0`, `1.0`, `sha-<commit>` and maybe `latest`; the Pulumi
    build only tags under `pulumi-`, whatever the manifest writes."""
    spec = parse(
        """\
        owner: acme
        repositories:
          - name: a
            container:
              build_from_pulumi: {ref: v1.0.0}
          - name: b
            container:
              build_from_pulumi: {ref: v1.0.0, tags: ["1.0.0", "1.0", latest, sha-0123abc]}
        """
    )
    a, b = (repo.container.build_from_pulumi for repo in spec.repositories if repo.container)
    assert a is not None and b is not None
    assert a.tags == ("pulumi-1.0.0",)
    assert b.tags == ("pulumi-1.0.0", "pulumi-1.0", "pulumi-latest", "pulumi-sha-0123abc")
    # The release workflow's tag rules: versions (digits first), the commit, `latest`.
    kinds = {rule.split(",")[0] for rule in RELEASE_TAG_RULES}
    assert kinds == {"type=semver", "type=sha", "type=raw"}
    assert [r for r in RELEASE_TAG_RULES if r.startswith("type=raw")] == [
        "type=raw,value=latest,enable=${{ steps.release.outputs.latest }}"
    ]
    assert PULUMI_TAG_PREFIX == "pulumi-"


def test_arm_variants_stay_for_the_workflow() -> None:
    # BuildKit in the workflow (buildx + QEMU) builds them; the Docker build provider cannot.
    spec = parse(
        """\
        owner: acme
        repositories:
          - name: a
            container:
              platforms: [linux/arm/v6, linux/arm/v7]
              build_from_pulumi: false
        """
    )
    assert spec.repositories[0].container is not None
    assert spec.repositories[0].container.platforms == ("linux/arm/v6", "linux/arm/v7")


def test_pulumi_platforms_are_the_providers() -> None:
    from components._ecosystems.container._block import PLATFORMS, PULUMI_PLATFORMS

    contract = json.loads((ROOT / "schema" / "provider-contract.json").read_text("utf-8"))
    assert set(contract["types"]["docker-build:index:Platform"]["enum"]) == PULUMI_PLATFORMS
    assert set(PLATFORMS) - PULUMI_PLATFORMS == {"linux/arm/v6", "linux/arm/v7"}


BAD: list[tuple[str, str, list[str]]] = [
    (
        "registry-without-credentials",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      registry: registry.example.com\n      registry_username: ci\n",
        [
            "publishing.yaml:5: repositories[0].container.registry: 'registry.example.com' is not"
            " ghcr.io, and GITHUB_TOKEN is never sent to another host: set"
            " container.registry_password_secret (the user name, and the name of the Actions"
            " secret holding its password or token)"
        ],
    ),
    (
        "registry-credentials-for-ghcr",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      registry_username: ci\n      registry_password_secret: TOKEN\n",
        [
            "publishing.yaml:5: repositories[0].container.registry_username: is for registries"
            " other than ghcr.io, which is pushed to with the workflow's GITHUB_TOKEN; remove it",
            "publishing.yaml:6: repositories[0].container.registry_password_secret: is for"
            " registries other than ghcr.io, which is pushed to with the workflow's GITHUB_TOKEN;"
            " remove it",
        ],
    ),
    (
        "bad-secret-name",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      registry: r.example.com\n      registry_username: ci\n"
        "      registry_password_secret: GITHUB_TOKEN\n",
        [
            "publishing.yaml:7: repositories[0].container.registry_password_secret:"
            " 'GITHUB_TOKEN' is not an Actions secret name; expected letters, digits and '_',"
            " not starting with a digit or 'GITHUB_', such as 'REGISTRY_TOKEN'"
        ],
    ),
    (
        "bad-registry-user",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      registry: r.example.com\n      registry_username: 'ci bot'\n"
        "      registry_password_secret: R\n",
        [
            "publishing.yaml:6: repositories[0].container.registry_username: 'ci bot' is not a"
            " registry user name; expected letters, digits, '.', '_', '@', '+' or '-', such as"
            " 'ci-bot'"
        ],
    ),
    (
        "pulumi-build-tag-too-long",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        f"      build_from_pulumi: {{tags: [main, {'t' * 122}]}}\n",
        [
            "publishing.yaml:5: repositories[0].container.build_from_pulumi.tags[1]:"
            f" '{'t' * 80}'… is too long for a Pulumi-time tag: it is pushed as"
            " 'pulumi-<tag>', at most 128 characters; expected at most 121 characters"
        ],
    ),
    (
        "capital-image",
        "owner: acme\nrepositories:\n  - name: a\n    container: {image: Widgets}\n",
        [
            "publishing.yaml:4: repositories[0].container.image: 'Widgets' is not an image name;"
            " expected lowercase letters and digits separated by '.', '_', '__' or '-', with '/'"
            " between path parts, such as 'widgets'; use 'widgets' (registries refuse capitals)"
        ],
    ),
    (
        "bad-image",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n      image: my--/app\n",
        [
            "publishing.yaml:5: repositories[0].container.image: 'my--/app' is not an image"
            " name; expected lowercase letters and digits separated by '.', '_', '__' or '-',"
            " with '/' between path parts, such as 'widgets'"
        ],
    ),
    (
        "default-image-invalid",
        "owner: acme\nrepositories:\n  - name: _Tools.\n    container: {}\n",
        [
            "publishing.yaml:4: repositories[0].container: the default image name '_tools.' is"
            " not a valid image name; set container.image to a name such as 'tools'"
        ],
    ),
    (
        "bad-platform",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      platforms: [linux/amd64, linux/arm64/v8]\n",
        [
            "publishing.yaml:5: repositories[0].container.platforms[1]: 'linux/arm64/v8' is not"
            " a platform the image can be built for; did you mean 'linux/arm64'? expected one"
            " of: linux/386, linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64,"
            " linux/mips64le, linux/ppc64le, linux/riscv64, linux/s390x"
        ],
    ),
    (
        "pulumi-arm-variant",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      platforms: [linux/amd64, linux/arm/v7]\n      build_from_pulumi: true\n",
        [
            "publishing.yaml:5: repositories[0].container.platforms[1]: 'linux/arm/v7' cannot be"
            " built by `pulumi up` (build_from_pulumi): the Docker build provider has 'linux/arm'"
            " but no 'linux/arm/v6' or 'linux/arm/v7' platform, only the workflow builds it;"
            " leave it out of container.platforms, or turn build_from_pulumi off"
        ],
    ),
    (
        "pulumi-arm-variant-from-defaults",
        "owner: acme\ndefaults:\n  container:\n    platforms: [linux/arm/v6, linux/arm64]\n"
        "repositories:\n  - name: a\n    container:\n      build_from_pulumi: {ref: v1}\n"
        "  - name: b\n    container: {}\n",
        [
            "publishing.yaml:8: repositories[0].container.build_from_pulumi: 'linux/arm/v6' (from"
            " defaults.container.platforms) cannot be built by `pulumi up` (build_from_pulumi):"
            " the Docker build provider has 'linux/arm' but no 'linux/arm/v6' or 'linux/arm/v7'"
            " platform, only the workflow builds it; give this repository container.platforms"
            " without it, or turn build_from_pulumi off"
        ],
    ),
    (
        "empty-platforms",
        "owner: acme\ndefaults:\n  container:\n    platforms: []\nrepositories: []\n",
        ["publishing.yaml:4: defaults.container.platforms: is empty; expected at least one item"],
    ),
    (
        "registry-with-scheme",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      registry: https://ghcr.io\n",
        [
            "publishing.yaml:5: repositories[0].container.registry: 'https://ghcr.io' is not a"
            " registry host; expected a lowercase host name with an optional port and no scheme"
            " or path, such as 'ghcr.io' or 'containers.example.com:5000'"
        ],
    ),
    (
        "registry-bad-port",
        "owner: acme\nrepositories:\n  - name: a\n    container: {registry: 'localhost:70000'}\n",
        [
            "publishing.yaml:4: repositories[0].container.registry: 'localhost:70000' is not a"
            " registry host; expected a lowercase host name with an optional port and no scheme"
            " or path, such as 'ghcr.io' or 'containers.example.com:5000'"
        ],
    ),
    (
        "context-escapes",
        "owner: acme\nrepositories:\n  - name: a\n    container: {context: ../other}\n",
        [
            "publishing.yaml:4: repositories[0].container.context: '../other' is not a path"
            " inside the repository; expected a relative path with '/' separators and no '..',"
            " such as '.' or 'docker/app'"
        ],
    ),
    (
        "build-arg-name",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      build_args: {1VERSION: x}\n",
        [
            "publishing.yaml:5: repositories[0].container.build_args.1VERSION: '1VERSION' is not"
            " a build argument name; expected letters, digits and '_', not starting with a digit,"
            " such as 'APP_VERSION'"
        ],
    ),
    (
        "build-arg-number",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n      build_args: {V: 1}\n",
        [
            "publishing.yaml:5: repositories[0].container.build_args.V: expected a string, got 1 (a"
            " whole number)"
        ],
    ),
    (
        "bad-target",
        "owner: acme\nrepositories:\n  - name: a\n    container: {target: 'my stage'}\n",
        [
            "publishing.yaml:4: repositories[0].container.target: 'my stage' is not a build stage"
            " name; expected the name after 'AS' in a 'FROM' line of the Dockerfile, such as"
            " 'runtime'"
        ],
    ),
    (
        "typo-in-container-key",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n      platform: [linux/amd64]\n",
        [
            "publishing.yaml:5: repositories[0].container.platform: unknown key 'platform'; did"
            " you mean 'platforms'? expected one of: build_args, build_from_pulumi, context,"
            " dockerfile, enabled, image, platforms, registry, registry_password_secret,"
            " registry_username, target"
        ],
    ),
    (
        "image-in-defaults",
        "owner: acme\ndefaults:\n  container: {image: x}\nrepositories: []\n",
        [
            "publishing.yaml:3: defaults.container.image: unknown key 'image'; expected one of:"
            " build_args, build_from_pulumi, context, dockerfile, enabled, platforms, registry,"
            " registry_password_secret, registry_username, target"
        ],
    ),
    (
        "pulumi-path-and-ref",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n      build_from_pulumi:\n"
        "        path: ../a\n        ref: main\n",
        [
            "publishing.yaml:5: repositories[0].container.build_from_pulumi: sets both path"
            " '../a' and ref 'main'; a local path is built as it is, a ref is read from the"
            " repository's git URL: keep one"
        ],
    ),
    (
        "pulumi-bad-tag",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n      build_from_pulumi:\n"
        "        tags: [.hidden]\n",
        [
            "publishing.yaml:6: repositories[0].container.build_from_pulumi.tags[0]: '.hidden'"
            " is not an image tag; expected up to 128 letters, digits, '_', '.' or '-', not"
            " starting with '.' or '-', such as '1.2.3' or 'latest'"
        ],
    ),
    (
        "duplicate-image",
        "owner: Acme\nrepositories:\n  - name: a\n    container: {image: shared}\n"
        "  - name: b\n    container:\n      image: shared\n",
        [
            "publishing.yaml:7: repositories[1].container.image: 'ghcr.io/acme/shared' is"
            " already published by repositories[0]; give each repository its own"
            " container.image"
        ],
    ),
    (
        "expression-in-build-arg",
        "owner: acme\nrepositories:\n  - name: a\n    container:\n"
        "      build_args: {T: '${{ secrets.X }}'}\n",
        [
            "publishing.yaml:5: repositories[0].container.build_args.T: '${{ secrets.X }}' holds"
            " '${{', which GitHub Actions would evaluate as an expression; remove it (manifest"
            " values are never expressions)"
        ],
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_container_blocks_are_named_exactly(case: str, text: str, expected: list[str]) -> None:
    assert errors(text) == expected
