"""The resolved, validated spec: what the manifest means, defaults applied.

Everything downstream (workflows, components) reads these frozen values only.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_PLAN",
    "DRIFT_SCHEDULE",
    "GITHUB_FEATURES",
    "PIPELINE_PYTHON",
    "PULUMI_CLI",
    "RELEASE_ENVIRONMENT",
    "RELEASE_TAGS",
    "ROLLOUT_BRANCH",
    "STANDARD_VERSION",
    "ActionsSpec",
    "CustomPropertySpec",
    "EnvironmentSpec",
    "OrgSpec",
    "OrgStandardsSpec",
    "PipelineImage",
    "PipelineSpec",
    "Plan",
    "PropertyValueSpec",
    "RepositorySpec",
    "ShardSpec",
    "patterns_apply",
]

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._gates import allows

# The version of the publishing standard the generated files follow.
STANDARD_VERSION = "2"

Visibility = Literal["public", "private", "internal"]
# The owner's GitHub plan: what GitHub allows depends on it (internal visibility, artifact
# attestations of private repositories, allowed-actions patterns of private repositories).
# `enterprise` is GitHub Enterprise Cloud.
Plan = Literal["free", "pro", "team", "enterprise"]
DEFAULT_PLAN: Plan = "team"


# Every publishing job runs in this environment; it deploys release tags only (those of a
# repository's `release_tag_pattern`, default RELEASE_TAGS), which the tag ruleset protects
# from deletion and force-push.
RELEASE_ENVIRONMENT = "release"
RELEASE_TAGS = "v*"
# The branch the `rollout: pull_request` files are committed to, and the pull request's head.
ROLLOUT_BRANCH = "ghpublish/standardize"
Rollout = Literal["direct", "pull_request"]


@dataclass(frozen=True)
class ActionsSpec:
    """The `GITHUB_TOKEN` and GitHub Actions policy of a repository (or of the organization)."""

    # Default permissions of `GITHUB_TOKEN`: `read` is the standard.
    default_token: Literal["read", "write"] = "read"
    # Whether workflows may approve (and create) pull requests.
    approve_pull_requests: bool = False
    # Action patterns allowed beside GitHub's own and the catalog's pins.
    allow: tuple[str, ...] = ()
    # Every action must be pinned to a full commit SHA.
    sha_pinning: bool = True


@dataclass(frozen=True)
class EnvironmentSpec:
    """The `release` environment's protection: who approves a publishing job."""

    reviewer_teams: tuple[int, ...] = ()
    reviewer_users: tuple[int, ...] = ()
    prevent_self_review: bool = True
    # Repository administrators may deploy without the protection rules (GitHub's default
    # is true; ghpublish's is false).
    admins_bypass: bool = False


@dataclass(frozen=True)
class OrgStandardsSpec:
    """Organization-wide Actions policy and, optionally, a ruleset requiring managed checks."""

    actions: ActionsSpec = ActionsSpec()
    require_checks: bool = False


@dataclass(frozen=True)
class CustomPropertySpec:
    """One custom property of the organization's schema (`custom_properties`)."""

    name: str
    # `string`, `single_select`, `multi_select` or `true_false`.
    type: str
    # The values a select property allows, in order (empty for the other types).
    allowed_values: tuple[str, ...] = ()
    required: bool = False
    # GitHub's value for a repository without one (`true`/`false` for true_false).
    default: str | None = None
    description: str | None = None
    # Exists on GitHub already: imported, its definition kept as GitHub has it.
    adopt: bool = False


@dataclass(frozen=True)
class PropertyValueSpec:
    """A repository's value of one custom property: one text (a list for multi_select)."""

    name: str
    type: str
    values: tuple[str, ...]


# The features GitHub turns on for a repository it creates; the provider sends an unset one
# as false, so ghpublish sets each one a new repository's manifest entry does not.
GITHUB_FEATURES = {"issues": True, "projects": True, "wiki": True, "discussions": False}


def patterns_apply(plan: str | None, visibility: str | None) -> bool:
    """Whether GitHub applies allowed-actions patterns to the repository: to public ones on
    every plan, to private and internal ones on Enterprise Cloud only (an unknown
    visibility, kept by an adopted repository, counts as private)."""
    return allows("action_patterns", plan, visibility)


@dataclass(frozen=True)
class RepositorySpec:
    owner: str
    name: str
    description: str
    visibility: Visibility
    # "": the branch GitHub has as the default (an adopted repository whose entry names none).
    default_branch: str
    adopt: bool
    # Where this repository stands in the manifest, for messages and file headers.
    path: str
    actions: ActionsSpec = ActionsSpec()
    environment: EnvironmentSpec = EnvironmentSpec()
    rollout: Rollout = "direct"
    # The owner's GitHub plan (the manifest's top-level `plan`).
    plan: Plan = DEFAULT_PLAN
    # Repository features ghpublish sets (`issues`, `projects`, `wiki`, `discussions`):
    # all four on a new repository, only those its own entry names on an adopted one.
    features: tuple[tuple[str, bool], ...] = ()
    # What an adopted repository keeps as GitHub has it: the attributes its own entry does
    # not set (`description`, `visibility`, `default_branch`) and the Actions and token
    # settings (`default_token`, `approve_pull_requests`, `allow`, `sha_pinning`) neither its
    # entry nor `defaults` sets. `visibility` and `actions` above are then only assumed;
    # `default_branch` is then "" (the branch GitHub has, unknown offline).
    kept: frozenset[str] = frozenset()
    # The tags releases are made from (fnmatch syntax): the `release` environment deploys
    # them only, the tag ruleset protects them, the workflows read versions from them.
    release_tag_pattern: str = RELEASE_TAGS
    # Every registered ecosystem's resolved block by its key (`npm`, `container`, `maven`,
    # any other registered), None or absent where the repository does not publish with it.
    # Each is its ecosystem's own spec type (`components/_ecosystems/<key>/`), which this
    # floor does not import.
    blocks: Mapping[str, Any] = field(default_factory=dict)
    # The repository (of the same owner) that holds the manifest, where changes are made by
    # pull request; None where the manifest declares no `manifest_repository`.
    manifest_repository: str | None = None
    # Its custom property values (`properties`, `defaults.properties` merged), in the
    # order of the organization's schema.
    properties: tuple[PropertyValueSpec, ...] = ()

    def block(self, key: str) -> Any:
        """The resolved block of the ecosystem ``key``, None where the repository has none."""
        return self.blocks.get(key)

    # The two blocks components read by name (the npm component's own spec, the image's).
    @property
    def npm(self) -> Any:
        return self.blocks.get("npm")

    @property
    def container(self) -> Any:
        return self.blocks.get("container")

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def known_visibility(self) -> Visibility | None:
        """The visibility, unless an adopted repository keeps GitHub's (then unknown)."""
        return None if "visibility" in self.kept else self.visibility

    @property
    def url(self) -> str:
        return f"https://github.com/{self.full_name}"


# The manifest repository's pipeline defaults: the Pulumi CLI the engine tests build and run
# (tools/engine.py; the drift check relies on its exit codes), at or above the SDK pinned in
# requirements.txt (a newer CLI than the SDK is the supported direction), the Python the
# program runs on, a weekday-morning drift check.
PULUMI_CLI = "3.276.0"
PIPELINE_PYTHON = "3.11"
DRIFT_SCHEDULE = "17 6 * * 1-5"


# A GitHub App token's repository permissions: create, adopt and configure repositories
# (environments, rulesets and Actions settings included), commit files, workflow files
# among them, and open the rollout's pull requests.
APP_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("administration", "write"),
    ("contents", "write"),
    ("pull-requests", "write"),
    ("workflows", "write"),
)
# Added where the manifest needs them: owner-wide Actions settings and rulesets
# (`org_standards`), teams named as reviewers, custom properties.
APP_ORG_ADMINISTRATION = ("organization-administration", "write")
APP_MEMBERS = ("members", "read")
# Custom properties: the organization's definitions (`custom_properties`), and the
# repositories' values (`properties`).
APP_ORG_CUSTOM_PROPERTIES = ("organization-custom-properties", "admin")
APP_REPOSITORY_CUSTOM_PROPERTIES = ("repository-custom-properties", "write")


@dataclass(frozen=True)
class PipelineShard:
    """One shard's stack in the manifest pipeline: `up` and the drift check run it."""

    name: str
    stack: str
    # Cron (UTC) of this shard's drift check: staggered from its name unless the manifest
    # sets `drift_schedule`.
    drift_schedule: str


@dataclass(frozen=True)
class PipelineImage:
    """An image `pulumi up` builds (`build_from_pulumi`): what the pipeline's `up` job
    prepares for it."""

    # The repository the image is built from, under the same owner.
    repository: str
    # The platforms built: QEMU emulates those the runner does not run natively.
    platforms: tuple[str, ...] = ("linux/amd64",)
    # The local checkout the build reads, relative to the program (inside the manifest
    # repository's checkout); None: BuildKit reads the repository's git URL itself.
    path: str | None = None
    # The branch checked out into `path` (the repository's default branch).
    branch: str = "main"
    # The shard whose stack builds it ("" unsharded): that shard's `up` job prepares it.
    shard: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    """The manifest repository's own workflows: review, `pulumi up`, drift check."""

    # The repository (one of `repositories`) that holds the manifest and this program.
    repository: str
    # The Pulumi stack the workflows preview and update.
    stack: str = "org"
    # Cron (UTC) of the scheduled `pulumi preview --refresh --expect-no-changes`.
    drift_schedule: str = DRIFT_SCHEDULE
    python_version: str = PIPELINE_PYTHON
    pulumi_version: str = PULUMI_CLI
    # Where it stands in the manifest, for file headers.
    path: str = "manifest_repository"
    # The GitHub credential of `up` and the drift check. Preferred: a GitHub App (its client
    # ID, and the secret holding its private key), minted into an installation token per
    # run; else the secret holding a fine-grained personal access token.
    app_client_id: str | None = None
    app_private_key_secret: str = "GHPUBLISH_APP_PRIVATE_KEY"
    token_secret: str = "GHPUBLISH_GITHUB_TOKEN"
    # A read-only token the drift check uses instead, when configured.
    drift_token_secret: str | None = None
    # The permissions the App's token is minted with (create-github-app-token's
    # `permission-<name>` inputs): what `pulumi up` does, and no more.
    app_permissions: tuple[tuple[str, str], ...] = APP_PERMISSIONS
    # A sharded manifest's stacks, one per shard in manifest order: the pipeline runs each
    # (then `stack` and `drift_schedule` are its own shard's). Empty: one stack, `stack`.
    shards: tuple[PipelineShard, ...] = ()
    # The images `pulumi up` builds, in manifest order: the `up` job checks out their local
    # paths and sets up QEMU and Buildx for them (none: the job stays as it is).
    images: tuple[PipelineImage, ...] = ()


@dataclass(frozen=True)
class ShardSpec:
    """One shard: the repositories one stack manages (each repository is in exactly one)."""

    name: str
    patterns: tuple[str, ...]
    repositories: tuple[str, ...]


@dataclass(frozen=True)
class OrgSpec:
    owner: str
    repositories: tuple[RepositorySpec, ...]
    # The manifest as named in the stack config, quoted in generated headers.
    source: str
    # The manifest repository's pipeline, when `manifest_repository` names one.
    pipeline: PipelineSpec | None = None
    # Organization-wide standards, when the manifest has an `org_standards` block.
    standards: OrgStandardsSpec | None = None
    # The shards one manifest is split into, one stack each (empty: one stack for all).
    shards: tuple[ShardSpec, ...] = ()
    # The owner's GitHub plan.
    plan: Plan = DEFAULT_PLAN
    # The organization's custom property schema (`custom_properties`), in manifest order;
    # a sharded manifest's first shard registers it.
    custom_properties: tuple[CustomPropertySpec, ...] = ()
