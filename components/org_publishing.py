"""`OrgPublishing`: the top component, turning the manifest into the others."""

__all__ = ["OrgPublishing", "OrgPublishingArgs", "RegistryCredentialArgs"]

import asyncio
import gc
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._core._component import Component
from ._core._errors import ConfigError
from ._core._spec import (
    CustomPropertySpec,
    OrgSpec,
    PipelineImage,
    PipelineSpec,
    RepositorySpec,
    patterns_apply,
)
from ._manifest import load_manifest, manifest_name, select_shard
from ._registry import ECOSYSTEMS
from ._registry_credentials import RegistryLogin, registry_logins
from .container_publishing import ContainerSettingsArgs
from .manifest_pipeline import PipelineImageArgs, PipelineSettingsArgs
from .org_standards import (
    OrgStandards,
    OrgStandardsArgs,
    check_existing_rulesets,
    managed_workflows,
    planned_rulesets,
    pull_request_checks,
)
from .publishing_repository import PublishingRepository, PublishingRepositoryArgs
from .repository_standards import OrgActionsArgs, workflow_actions

# Evaluating an org keeps tens of thousands of objects alive until the end (resources, their
# inputs, the SDK's futures); at Python's default threshold (700 allocations) the cyclic
# collector rescans them over and over: a third of the time at 1,000 repositories (`make
# bench`). Collecting young objects less often keeps that work proportional. Never lowered.
GC_THRESHOLD = 50_000
# Repositories registered at a time (`OrgPublishing.create`). At 2,000 repositories `make
# bench` measured a peak RSS of 664, 672 and 682 MB with batches of 10, 25 and 50, and 1,341
# MB with none; the time barely moves.
REGISTRATION_BATCH = 25


def _collect_less_often() -> None:
    first, *older = gc.get_threshold()
    if first < GC_THRESHOLD:
        gc.set_threshold(GC_THRESHOLD, *older)


# The GitHub provider's client (terraform-provider-github v6.13.0, README "GitHub API
# budget"): the non-legacy client waits out GitHub's secondary limits, keeps at most 100
# requests in flight and answers unchanged reads from its ETag cache (a 304 is not counted
# against the hourly limit); the legacy default serializes requests, sleeps a second after
# each write and fails once the hour's budget is spent.
GITHUB_CLIENT: dict[str, Any] = {
    "legacy_client": False,
    # Retries of a failed request (connection errors, 429, 5xx but 501), 2 s apart: a 502
    # under load usually clears in seconds; the provider's default is 3 retries 1 s apart.
    "max_retries": 3,
    "retry_delay_ms": 2000,
}
# Where the ETag cache persists between runs, relative to the project (git-ignored).
GITHUB_CACHE_PATH = ".ghpublish/github-api-cache"


class RegistryCredentialArgs(TypedDict):
    """The credential of one registry host."""

    password: pulumi.Input[str]
    """The registry's password or token, a secret (ghcr.io: a personal access token (classic)
    with `write:packages`)."""
    username: NotRequired[pulumi.Input[str]]
    """User name (default: the repository's `container.registry_username`, else the owner
    login)."""


class OrgPublishingArgs(TypedDict):
    """Every repository of one GitHub owner, as its manifest declares them."""

    manifest: pulumi.Input[str]
    """Path of the manifest (`publishing.yaml`), relative to the program."""
    github_token: NotRequired[pulumi.Input[str]]
    """Token for the GitHub provider, a secret (default: the provider's own settings)."""
    registry_credentials: NotRequired[pulumi.Input[dict[str, RegistryCredentialArgs]]]
    """Per registry host (`host[:port]`, as `container.registry`): the credential images built
    from Pulumi push to it with (stack config `ghpublish:registryCredentials`). Every host a
    `build_from_pulumi` image pushes to needs one; `github_token` is never sent to a registry."""
    registry_token: NotRequired[pulumi.Input[str]]
    """The ghcr.io password only, a secret (stack config `ghpublish:registryToken`, the same
    as `registry_credentials["ghcr.io"]`; never sent to another host)."""
    registry_username: NotRequired[pulumi.Input[str]]
    """The ghcr.io user name that goes with `registry_token` (default the owner login)."""
    shard: NotRequired[pulumi.Input[str]]
    """The shard of the manifest this stack manages (required when it declares `shards`)."""
    github_cache_path: NotRequired[pulumi.Input[str]]
    """Directory of the GitHub provider's persistent ETag cache (default
    `.ghpublish/github-api-cache`)."""
    rulesets: NotRequired[pulumi.Input[dict[str, int]]]
    """Rulesets that exist already on GitHub, imported instead of created (stack config
    `ghpublish:rulesets`): a repository's name for its tag ruleset, an org ruleset's name
    for the organization's, each to its ruleset ID."""
    revisions: NotRequired[pulumi.Input[dict[str, str]]]
    """Per repository building its image from a git ref: the commit SHA the ref points at
    now (stack config `ghpublish:revisions`); a new one rebuilds the image."""
    rehearsal: NotRequired[pulumi.Input[bool]]
    """A rehearsal against a simulated GitHub (`make rehearse`, stack config
    `ghpublish:rehearsal`): images built by `pulumi up` are left out, so no build context
    is fetched and no registry is reached; the generated files are the same."""


# The inputs of the provider's OrganizationCustomProperties besides the name: an adopted
# property keeps every one as GitHub has it (the provider's PUT replaces the definition
# whole, from these; ignored, they keep the values the import read).
PROPERTY_DEFINITION = (
    "allowed_values",
    "default_value",
    "description",
    "required",
    "value_type",
    "values_editable_by",
)


def property_definition(
    resource_name: str, prop: CustomPropertySpec, opts: pulumi.ResourceOptions
) -> github.OrganizationCustomProperties:
    """One property of the organization's schema, created or (adopted) imported and kept.

    One resource per property: the provider reads, writes and deletes the definition by its
    name alone (`/orgs/{org}/properties/schema/{name}`), so the organization's other
    properties are never touched.
    """
    definition: dict[str, Any] = {"value_type": prop.type, "required": prop.required}
    if prop.allowed_values:
        definition["allowed_values"] = list(prop.allowed_values)
    if prop.default is not None:
        definition["default_value"] = prop.default
    if prop.description is not None:
        definition["description"] = prop.description
    return github.OrganizationCustomProperties(
        resource_name,
        property_name=prop.name,
        **definition,
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                # Never deleted: a property taken out of the manifest stays on GitHub, with
                # every repository's value.
                retain_on_delete=True,
                import_=prop.name if prop.adopt else None,
                ignore_changes=list(PROPERTY_DEFINITION) if prop.adopt else None,
            ),
        ),
    )


def without_pulumi_images(spec: OrgSpec) -> OrgSpec:
    """``spec`` without the images `pulumi up` would build (a rehearsal's): the release
    workflows do not depend on them."""
    repositories = tuple(
        replace(
            repo,
            blocks={**repo.blocks, "container": replace(repo.container, build_from_pulumi=None)},
        )
        if repo.container is not None and repo.container.build_from_pulumi is not None
        else repo
        for repo in spec.repositories
    )
    return replace(spec, repositories=repositories)


def release_tag_pattern(repo: RepositorySpec) -> str:
    """The tags a repository releases from, which the tag rulesets protect."""
    return repo.release_tag_pattern


def release_tag_groups(repositories: tuple[RepositorySpec, ...]) -> dict[str, list[str]]:
    """Repository names per distinct release tag pattern: one org ruleset each."""
    groups: dict[str, list[str]] = {}
    for repo in repositories:
        groups.setdefault(release_tag_pattern(repo), []).append(repo.name)
    return {pattern: sorted(names) for pattern, names in sorted(groups.items())}


def repository_args(repo: RepositorySpec, source: str) -> PublishingRepositoryArgs:
    """The component arguments a resolved repository spec stands for."""
    args: PublishingRepositoryArgs = {
        "owner": repo.owner,
        "name": repo.name,
        "adopt": repo.adopt,
        "manifest_path": repo.path,
        "manifest_source": source,
        **(
            {"manifest_repository": repo.manifest_repository}
            if repo.manifest_repository is not None
            else {}
        ),
        # An adopted repository's Actions settings the manifest does not set are left out:
        # kept as GitHub has them.
        "actions": {  # type: ignore[typeddict-item]
            key: value
            for key, value in (
                ("default_token", repo.actions.default_token),
                ("approve_pull_requests", repo.actions.approve_pull_requests),
                ("allow", list(repo.actions.allow)),
                ("sha_pinning", repo.actions.sha_pinning),
            )
            if key not in repo.kept
        },
        "environment": {
            "reviewer_teams": list(repo.environment.reviewer_teams),
            "reviewer_users": list(repo.environment.reviewer_users),
            "prevent_self_review": repo.environment.prevent_self_review,
            "admins_bypass": repo.environment.admins_bypass,
        },
        "rollout": repo.rollout,
        "plan": repo.plan,
        "release_tag_pattern": repo.release_tag_pattern,
    }
    # An adopted repository's attributes its entry does not set are left out: kept.
    if "default_branch" not in repo.kept:
        args["default_branch"] = repo.default_branch
    if "description" not in repo.kept:
        args["description"] = repo.description
    if "visibility" not in repo.kept:
        args["visibility"] = repo.visibility
    if repo.features:
        args["features"] = dict(repo.features)  # type: ignore[typeddict-item]
    if repo.properties:
        args["custom_properties"] = [
            {"name": value.name, "type": value.type, "values": list(value.values)}
            for value in repo.properties
        ]
    for eco in ECOSYSTEMS:
        spec = repo.block(eco.key)
        if spec is not None:
            args[eco.key] = eco.settings(spec)  # type: ignore[literal-required]
    return args


def _revisions(spec: OrgSpec, given: dict[str, str]) -> dict[str, str]:
    """The commits of the git refs images are built from, for repositories that build one."""
    building = sorted(
        r.name
        for r in spec.repositories
        if r.container is not None
        and r.container.build_from_pulumi is not None
        and r.container.build_from_pulumi.path is None
    )
    unknown = sorted(set(given) - set(building))
    if unknown:
        raise ConfigError(
            f"ghpublish:revisions names {', '.join(map(repr, unknown))}, which build no image"
            " from a git ref in this stack; expected some of: "
            f"{', '.join(building) or '(none)'}"
        )
    return dict(given)


def _rulesets(spec: OrgSpec, org_tags: bool, given: dict[str, int]) -> dict[str, int]:
    """Existing ruleset IDs: a repository's (by its name, when it has its own tag ruleset)
    and the organization's (by ruleset name, checked by `OrgStandards`)."""
    for key, value in sorted(given.items()):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(
                f"ghpublish:rulesets.{key}: {value!r} is not a ruleset ID; expected the number"
                " GitHub gives it (`gh api repos/<owner>/<repo>/rulesets`, `gh api"
                " orgs/<owner>/rulesets`)"
            )
    own = set() if org_tags else {r.name for r in spec.repositories}
    for key in sorted(given):
        if ":" not in key and key not in own:
            raise ConfigError(
                f"ghpublish:rulesets names {key!r}, which has no tag ruleset of its own in this"
                " stack (under org_standards the organization's ruleset protects release tags)"
            )
    return dict(given)


def _image_login(repo: RepositorySpec, login: RegistryLogin) -> ContainerSettingsArgs:
    """The user name and password a repository's Pulumi-time build pushes with: its host's
    own credential, nothing else."""
    assert repo.container is not None
    manifest_user = repo.container.registry_username
    if manifest_user is not None and login.username is not None and manifest_user != login.username:
        raise ConfigError(
            f"{login.key.rsplit('.', 1)[0]}.username {login.username!r} is not"
            f" {repo.path}.container.registry_username {manifest_user!r}, which the release"
            f" workflow logs in to {login.host} with; set one user for the host"
        )
    return {
        "registry_username": manifest_user or login.username or repo.owner,
        "registry_password": pulumi.Output.secret(login.password),
    }


def _member_args(
    whole: OrgSpec,
    spec: OrgSpec,
    args: OrgPublishingArgs,
    revisions: dict[str, str],
    rulesets: dict[str, int],
    logins: dict[str, RegistryLogin],
) -> list[tuple[str, PublishingRepositoryArgs]]:
    """Each repository's component arguments, in manifest order. Takes the repositories'
    own entries out of ``revisions`` and ``rulesets``."""
    # Generated files name the manifest the same wherever it lies (never a local path).
    stable = manifest_name(args["manifest"])  # type: ignore[arg-type]
    token = args.get("github_token")
    # BuildKit reads a private repository's git URL from github.com with the GitHub token.
    git: ContainerSettingsArgs = {}
    if token is not None:
        git["git_token"] = pulumi.Output.secret(token)
    # Every shard's repositories defer to the org standard, whichever stack manages it.
    org_actions: OrgActionsArgs | None = None
    if whole.standards is not None:
        org_actions = {
            "default_token": whole.standards.actions.default_token,
            "approve_pull_requests": whole.standards.actions.approve_pull_requests,
            "sha_pinning": whole.standards.actions.sha_pinning,
        }
    planned: list[tuple[str, PublishingRepositoryArgs]] = []
    for repo in spec.repositories:
        member_args = repository_args(repo, stable)
        if org_actions is not None:
            member_args["org_actions"] = org_actions
        if repo.name in rulesets:
            member_args["tag_ruleset_id"] = rulesets.pop(repo.name)
        if spec.pipeline is not None and spec.pipeline.repository == repo.name:
            member_args["pipeline"] = _pipeline_args(spec.pipeline)
        if "container" in member_args:
            container = repo.container
            assert container is not None
            if container.build_from_pulumi is not None:
                # Only its host's credential: never another host's, never the GitHub token.
                login = _image_login(repo, logins[container.registry])
                member_args["container"] = {**member_args["container"], **git, **login}  # type: ignore[typeddict-item]
            revision = revisions.pop(repo.name, None)
            if revision is not None:
                build = member_args["container"]["build_from_pulumi"]  # type: ignore[typeddict-item]
                member_args["container"]["build_from_pulumi"] = {**build, "revision": revision}  # type: ignore[typeddict-item]
        planned.append((repo.name, member_args))
    return planned


def _pipeline_args(pipeline: PipelineSpec) -> PipelineSettingsArgs:
    """The manifest repository's pipeline settings."""
    settings: PipelineSettingsArgs = {
        "stack": pipeline.stack,
        "drift_schedule": pipeline.drift_schedule,
        "python_version": pipeline.python_version,
        "pulumi_version": pipeline.pulumi_version,
        "token_secret": pipeline.token_secret,
        "github_app_private_key_secret": pipeline.app_private_key_secret,
    }
    if pipeline.app_client_id is not None:
        settings["github_app_client_id"] = pipeline.app_client_id
        settings["github_app_permissions"] = dict(pipeline.app_permissions)
        del settings["token_secret"]
    if pipeline.drift_token_secret is not None:
        settings["drift_token_secret"] = pipeline.drift_token_secret
    if pipeline.shards:
        settings["shards"] = [
            {"name": shard.name, "stack": shard.stack, "drift_schedule": shard.drift_schedule}
            for shard in pipeline.shards
        ]
    if pipeline.images:
        settings["images"] = [_image_args(image) for image in pipeline.images]
    return settings


def _image_args(image: PipelineImage) -> PipelineImageArgs:
    """What the `up` job prepares for one image built by `pulumi up`."""
    args: PipelineImageArgs = {
        "repository": image.repository,
        "platforms": list(image.platforms),
        "branch": image.branch,
    }
    if image.path is not None:
        args["path"] = image.path
    if image.shard:
        args["shard"] = image.shard
    return args


def _standards_args(
    whole: OrgSpec, spec: OrgSpec, rulesets: dict[str, int]
) -> OrgStandardsArgs | None:
    """The org standards this stack registers (the first shard's), checked; ``rulesets``
    holds the org rulesets' existing IDs once the repositories took theirs."""
    standards = spec.standards
    if standards is None:
        if rulesets:
            raise ConfigError(
                f"ghpublish:rulesets names {', '.join(map(repr, sorted(rulesets)))}, but this"
                " stack manages no org ruleset (org_standards, first shard)"
            )
        return None
    org_args: OrgStandardsArgs = {
        "organization": spec.owner,
        "default_token": standards.actions.default_token,
        "approve_pull_requests": standards.actions.approve_pull_requests,
        "allowed_actions": list(standards.actions.allow),
        "sha_pinning": standards.actions.sha_pinning,
        # Every managed repository's release tags, across shards.
        "release_tags": release_tag_groups(whole.repositories),
    }
    if rulesets:
        org_args["existing_rulesets"] = dict(rulesets)
    # Patterns reach public repositories only, outside Enterprise Cloud: a private one that
    # runs actions GitHub does not own needs verified creators allowed.
    org_args["verified_allowed"] = any(
        not patterns_apply(repo.plan, repo.known_visibility)
        and workflow_actions(managed_workflows(repo))
        for repo in whole.repositories
    )
    if standards.require_checks:
        # Only where files arrive by pull request: a required check on the default branch
        # would refuse ghpublish's own direct commits.
        org_args["required_checks"] = {
            repo.name: list(pull_request_checks(repo))
            for repo in whole.repositories
            if repo.rollout == "pull_request"
        }
    check_existing_rulesets(planned_rulesets(org_args), rulesets)
    return org_args


class OrgPublishing(Component):
    """One GitHub provider for the owner, a `PublishingRepository` per repository and the
    org standards. The ghpublish program builds it with `await OrgPublishing.create(...)`
    (repositories registered a batch at a time); the constructor builds it whole at once."""

    owner: pulumi.Output[str]
    """The organization or user login."""
    repositories: pulumi.Output[dict[str, dict[str, Any]]]
    """Per repository name: its `url`, the `files` it manages, the `packages` and the container
    `images` it publishes."""
    registry_credentials: pulumi.Output[dict[str, str]]
    """Per registry host an image built from Pulumi pushes to: the config key its password
    comes from (never the value)."""

    def __init__(
        self, name: str, args: OrgPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._start(name, args, opts)
        for _batch in self._register_batches():
            pass
        self._complete()

    @classmethod
    async def create(
        cls, name: str, args: OrgPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> "OrgPublishing":
        """The component, its repositories registered `REGISTRATION_BATCH` at a time.

        The SDK runs no registration until the program yields to its event loop, so a
        program that declares every repository at once holds every one's pending work at
        once: 1.3 GB at 2,000 repositories (`make bench`). Waiting for each batch's
        repository components to be registered (which needs no GitHub call, in a preview or
        an update) keeps a few batches in flight whatever the size of the org.
        """
        org = cls.__new__(cls)
        org._start(name, args, opts)
        for batch in org._register_batches():
            await asyncio.gather(*(member.urn.future() for member in batch))
        org._complete()
        return org

    def _start(
        self, name: str, args: OrgPublishingArgs, opts: pulumi.ResourceOptions | None
    ) -> None:
        """Checks everything, then registers the component and its provider."""
        _collect_less_often()
        whole = load_manifest(args["manifest"])  # type: ignore[arg-type]
        self.spec: OrgSpec = select_shard(whole, args.get("shard"))  # type: ignore[arg-type]
        if args.get("rehearsal"):
            self.spec = without_pulumi_images(self.spec)
        token = args.get("github_token")
        revisions = _revisions(self.spec, args.get("revisions") or {})  # type: ignore[arg-type]
        given_rulesets = args.get("rulesets") or {}
        rulesets = _rulesets(self.spec, whole.standards is not None, given_rulesets)  # type: ignore[arg-type]
        # Every argument is computed and checked before anything registers, this component
        # included: an error leaves GitHub, and the stack's state, as they were.
        logins = registry_logins(
            self.spec,
            args.get("registry_credentials"),
            args.get("registry_token"),
            args.get("registry_username"),  # type: ignore[arg-type]
        )
        self._planned = _member_args(whole, self.spec, args, revisions, rulesets, logins)
        # Which config key each registry host gets (never a value): the plan shows it.
        self.registry_logins = {host: login.key for host, login in logins.items()}
        self._standards_args = _standards_args(whole, self.spec, rulesets)
        super().__init__(name, opts)
        self._name = name
        self.provider = github.Provider(
            f"{name}-github",
            owner=self.spec.owner,
            token=pulumi.Output.secret(token) if token is not None else None,
            cache_path=args.get("github_cache_path") or GITHUB_CACHE_PATH,
            **GITHUB_CLIENT,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._children = pulumi.ResourceOptions(parent=self, providers={"github": self.provider})
        # The custom property schema (the first shard's), before the values that need it.
        self.property_definitions: dict[str, github.OrganizationCustomProperties] = {
            prop.name: property_definition(f"{name}-property-{prop.name}", prop, self._children)
            for prop in self.spec.custom_properties
        }
        self.members: dict[str, PublishingRepository] = {}

    def _register_batches(self) -> Iterator[list[PublishingRepository]]:
        """Registers the repositories in manifest order, yielding each batch's components."""
        for start in range(0, len(self._planned), REGISTRATION_BATCH):
            batch = {
                repo_name: PublishingRepository(
                    f"{self._name}-{repo_name}", member_args, opts=self._member_options(member_args)
                )
                for repo_name, member_args in self._planned[start : start + REGISTRATION_BATCH]
            }
            self.members.update(batch)
            yield list(batch.values())

    def _member_options(self, member_args: PublishingRepositoryArgs) -> pulumi.ResourceOptions:
        """A repository's options: after the definitions of the properties it sets, where
        this stack declares them (GitHub refuses a value of an unknown property)."""
        needed = [
            self.property_definitions[value["name"]]  # type: ignore[index]
            for value in member_args.get("custom_properties") or []  # type: ignore[union-attr]
            if value["name"] in self.property_definitions
        ]
        if not needed:
            return self._children
        return pulumi.ResourceOptions.merge(
            self._children, pulumi.ResourceOptions(depends_on=needed)
        )

    def _complete(self) -> None:
        """Registers the org standards, then the component's outputs."""
        if self._standards_args is not None:
            self.standards = OrgStandards(
                f"{self._name}-org-standards", self._standards_args, opts=self._children
            )
        self._finish(
            owner=self.spec.owner,
            repositories={
                repo_name: member.summary for repo_name, member in sorted(self.members.items())
            },
            registry_credentials=self.registry_logins,
        )
