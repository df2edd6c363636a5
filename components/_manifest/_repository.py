"""Repository keys: Actions, the `release` environment, org standards, and the
repository model that holds every block; resolving the standards around the workflows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    create_model,
    model_validator,
)

from .._core._fields import (
    Branch,
    Description,
    Loc,
    RepoName,
    TagPattern,
    _Block,
    _enabled_shorthand,
    _full_match,
    _pick,
    also_invalid,
    excerpt,
    yaml_text,
)
from .._core._spec import (
    GITHUB_FEATURES,
    RELEASE_TAGS,
    ActionsSpec,
    EnvironmentSpec,
    OrgStandardsSpec,
)
from .._registry import ECOSYSTEMS
from ._properties import Properties

if TYPE_CHECKING:
    from ._document import Manifest


# Permissions, environment and rollout: the settings around the workflow files.

_ACTION_PATTERN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/"
    r"(?:\*|[A-Za-z0-9._-]+(?:/[A-Za-z0-9._/-]+)?@(?:\*|[A-Za-z0-9._/-]+))"
)


_action_pattern = _full_match(
    _ACTION_PATTERN,
    "an allowed-actions pattern; expected 'owner/*', 'owner/repo@*' or"
    " 'owner/repo@<full commit SHA>', such as 'acme-widgets/*'",
    max_length=255,
)


# The largest ID the Pulumi engine carries exactly (its numbers are doubles); a GitHub ID
# is a positive 64-bit integer, far below this today.
MAX_ID = 2**53 - 1


def _reviewer_id(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"{yaml_text(value)} is not a GitHub ID; expected the numeric ID of a team or user,"
            " such as 1234567 (`gh api orgs/<owner>/teams/<slug> --jq .id`,"
            " `gh api users/<login> --jq .id`)"
        )
    if value > MAX_ID:
        raise ValueError(
            f"{excerpt(value)} is not a GitHub ID; GitHub IDs are positive 64-bit integers and"
            f" ghpublish passes them to the provider exactly up to {MAX_ID:,} (2^53 - 1);"
            " copy the ID from `gh api`"
        )
    return value


def _sha_pinning(value: bool | None) -> bool | None:
    # terraform-provider-github v6.13.0 sends `sha_pinning_required` only when `GetOk`
    # finds it, which a false value never is: false would be silently not applied.
    if value is False:
        raise ValueError(
            "false cannot be applied: the GitHub provider never sends a false"
            " sha_pinning_required, so GitHub would keep requiring SHA pins; remove the key"
            " (ghpublish pins every action it generates by SHA) and turn the requirement off"
            " by hand in the Actions settings if you must"
        )
    return value


ActionPattern = Annotated[str, AfterValidator(_action_pattern)]
ReviewerId = Annotated[int, BeforeValidator(_reviewer_id, json_schema_input_type=int)]
# GitHub's limit: at most six required reviewers per environment, teams and users together.
MAX_REVIEWERS = 6


class Actions(_Block):
    """The GITHUB_TOKEN and GitHub Actions settings of a repository."""

    default_token: Literal["read", "write"] | None = Field(
        None, description="Default GITHUB_TOKEN permissions (default read)."
    )
    approve_pull_requests: bool | None = Field(
        None, description="Workflows may create and approve pull requests (default false)."
    )
    allow: list[ActionPattern] | None = Field(
        None,
        description="Actions allowed beside GitHub's own and the standard's pinned ones,"
        " such as 'acme-widgets/*' (default none).",
    )
    sha_pinning: Annotated[bool | None, AfterValidator(_sha_pinning)] = Field(
        None,
        description="Every action must be pinned to a full commit SHA (default true; false"
        " cannot be applied by the provider and is refused).",
    )


class Reviewers(_Block):
    """Who may approve a publishing job: numeric team and user IDs, six at most."""

    teams: list[ReviewerId] = Field(default_factory=list, description="Team IDs.")
    users: list[ReviewerId] = Field(default_factory=list, description="User IDs.")

    @model_validator(mode="wrap")
    @classmethod
    def _at_most_six(cls, data: object, handler: ModelWrapValidatorHandler[Reviewers]) -> Reviewers:
        # Counted on the input, so that it is reported beside a bad ID too.
        lists = [data.get(k) for k in ("teams", "users")] if isinstance(data, dict) else []
        count = sum(len({repr(v) for v in ids}) for ids in lists if isinstance(ids, list))
        if count <= MAX_REVIEWERS:
            return handler(data)
        return also_invalid(
            handler,
            data,
            f"names {count} reviewers; GitHub allows at most {MAX_REVIEWERS} per environment"
            " (teams and users together): keep a team instead of its members",
        )


class Environment(_Block):
    """The `release` environment every publishing job runs in (release tags only)."""

    reviewers: Reviewers | None = Field(
        None, description="Required reviewers of each publishing job (default none)."
    )
    prevent_self_review: bool | None = Field(
        None,
        description="Whoever started the job cannot approve it (default true).",
    )
    admins_bypass: bool | None = Field(
        None,
        description="Repository administrators may publish without the reviewers and the"
        " tag rule (GitHub's default true; default false).",
    )


class OrgStandards(Actions):
    """Organization-wide Actions policy: applies to every repository of the organization."""

    require_checks: bool | None = Field(
        None,
        description="Org rulesets require the managed workflows' pull-request checks on the"
        " default branch of the repositories with rollout: pull_request (default false).",
    )


class Features(_Block):
    """Repository features; GitHub's defaults for a new repository, kept on an adopted one."""

    issues: bool | None = Field(None, description="Issues (default on, as GitHub's).")
    projects: bool | None = Field(None, description="Projects (default on, as GitHub's).")
    wiki: bool | None = Field(None, description="The wiki (default on, as GitHub's).")
    discussions: bool | None = Field(None, description="Discussions (default off, as GitHub's).")


def _resolve_features(
    repo: RepositoryDefaults, defaults: RepositoryDefaults, adopt: bool
) -> tuple[tuple[str, bool], ...]:
    """The features ghpublish sets: an adopted repository's own only, else every one."""
    if adopt:
        own = repo.features
        return tuple((k, v) for k in GITHUB_FEATURES if (v := _pick(k, own, None)) is not None)
    return tuple(
        (k, v if (v := _pick(k, repo.features, defaults.features)) is not None else default)
        for k, default in GITHUB_FEATURES.items()
    )


def _blocks(name: str, base: type[_Block], *, defaults: bool) -> type[_Block]:
    """``base`` with one optional block per registered ecosystem, keyed by its manifest key:
    its defaults' model under `defaults`, its full model under a repository. ``<key>:
    false`` turns off a block that ``defaults`` turns on."""
    fields: dict[str, Any] = {
        eco.key: (
            Annotated[
                (block := eco.defaults if defaults else eco.block) | None,
                BeforeValidator(
                    _enabled_shorthand, json_schema_input_type=block | Literal[False] | None
                ),
            ],
            None,
        )
        for eco in ECOSYSTEMS
    }
    return create_model(name, __base__=base, **fields)


class RepositoryDefaults(_blocks("_DefaultsBlocks", _Block, defaults=True)):  # type: ignore[misc]
    """Values every repository inherits unless it sets its own."""

    description: Description | None = Field(None, description="One-line description.")
    visibility: Literal["public", "private", "internal"] | None = Field(
        None, description="Repository visibility (default private)."
    )
    default_branch: Branch | None = Field(
        None,
        description="Branch the managed files are committed to (default main). An adopted"
        " repository's is its own entry's, else the one GitHub has (never switched).",
    )
    features: Features | None = Field(
        None,
        description="Issues, projects, wiki, discussions (default GitHub's: on, on, on, off)."
        " An adopted repository keeps the ones its own entry does not set.",
    )
    adopt: bool | None = Field(
        None,
        description="The repository exists already: import it, never create it, and change"
        " only what the manifest writes for it: the repository attributes and default branch"
        " its own entry sets, the Actions and token settings its entry or defaults set"
        " (default false).",
    )
    actions: Actions | None = Field(
        None,
        description="GITHUB_TOKEN and allowed actions (default: the standard's). An adopted"
        " repository keeps GitHub's unless its entry or defaults set them.",
    )
    environment: Environment | None = Field(
        None, description="Protection of the `release` environment publishing jobs run in."
    )
    rollout: Literal["direct", "pull_request"] | None = Field(
        None,
        description="direct: commit managed files to the default branch (default);"
        " pull_request: to the branch ghpublish/standardize, with one pull request.",
    )
    release_tag_pattern: TagPattern | None = Field(
        None,
        description=f"The tags releases are made from (default {RELEASE_TAGS!r}): only they"
        " deploy to the `release` environment, the tag ruleset protects them, and the"
        " version is the tag without the pattern's start and a 'v' ('v1.2.3', 'widgets@1.2.3'"
        " for 'widgets@*').",
    )
    properties: Properties | None = Field(
        None,
        description="Custom property values, by property name (declared in"
        " custom_properties): text, true or false, or a list (multi_select). A repository"
        " inherits defaults.properties key by key, its own values winning.",
    )


class Repository(_blocks("_RepositoryBlocks", RepositoryDefaults, defaults=False)):  # type: ignore[misc]
    """One repository of the owner, managed by ghpublish."""

    name: RepoName = Field(description="Repository name on GitHub.")


def _yaml_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _resolve_actions(own: Actions | None, inherited: Actions | None) -> ActionsSpec:
    allow = _pick("allow", own, inherited) or ()
    return ActionsSpec(
        default_token=_pick("default_token", own, inherited) or "read",
        approve_pull_requests=_pick("approve_pull_requests", own, inherited) is True,
        allow=tuple(sorted(set(allow))),
        sha_pinning=_pick("sha_pinning", own, inherited) is not False,
    )


def _resolve_standards(
    repo: Repository,
    defaults: RepositoryDefaults,
    index: int,
    org: OrgStandardsSpec | None,
) -> tuple[dict[str, Any], list[tuple[Loc, str]]]:
    """A repository's Actions settings, `release` environment and rollout, checked against
    the organization's policy."""
    problems: list[tuple[Loc, str]] = []
    here: Loc = ("repositories", index)
    actions = _resolve_actions(repo.actions, defaults.actions)
    if org is not None:
        where = (*here, "actions")
        weaker = {
            "default_token": actions.default_token == "write"
            and org.actions.default_token == "read",
            "approve_pull_requests": actions.approve_pull_requests
            and not org.actions.approve_pull_requests,
        }
        for key, is_weaker in weaker.items():
            if is_weaker:
                problems.append(
                    (
                        (*where, key),
                        f"{_yaml_value(getattr(actions, key))} is weaker than"
                        f" org_standards.{key} ({_yaml_value(getattr(org.actions, key))}),"
                        " which GitHub applies to every"
                        f" repository of the organization; remove {key} here or change"
                        f" org_standards.{key}",
                    )
                )
        for pattern in actions.allow:
            if pattern not in org.actions.allow:
                problems.append(
                    (
                        (*where, "allow"),
                        f"{pattern!r} is not in org_standards.allow, and the organization's"
                        " policy limits every repository; add it to org_standards.allow too",
                    )
                )
    own_env, inherited_env = repo.environment, defaults.environment
    reviewers = _pick("reviewers", own_env, inherited_env)
    environment = EnvironmentSpec(
        reviewer_teams=tuple(sorted(set(reviewers.teams))) if reviewers else (),
        reviewer_users=tuple(sorted(set(reviewers.users))) if reviewers else (),
        prevent_self_review=_pick("prevent_self_review", own_env, inherited_env) is not False,
        admins_bypass=_pick("admins_bypass", own_env, inherited_env) is True,
    )
    rollout = _pick("rollout", repo, defaults) or "direct"
    settings = {
        "actions": actions,
        "environment": environment,
        "rollout": rollout,
        "release_tag_pattern": _pick("release_tag_pattern", repo, defaults) or RELEASE_TAGS,
    }
    return settings, problems


def _resolve_org_standards(manifest: Manifest) -> OrgStandardsSpec | None:
    own = manifest.org_standards
    if own is None:
        return None
    return OrgStandardsSpec(
        actions=_resolve_actions(own, None), require_checks=own.require_checks is True
    )
