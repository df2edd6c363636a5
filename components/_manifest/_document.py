"""The whole manifest: its top-level model, its JSON Schema, and resolving it into the
:class:`OrgSpec` (defaults merged key by key, built-in defaults applied, cross-checks)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .._core._fields import _BUILTIN, Loc, Login, _Block, _pick
from .._core._spec import OrgSpec, RepositorySpec
from .._registry import ECOSYSTEMS
from ._pipeline import (
    ManifestRepository,
    _resolve_pipeline,
    with_app_permissions,
    with_images,
    with_shards,
)
from ._plan import PLAN_FIELD, PlanName, org_plan_problems, plan_problems
from ._properties import (
    CustomProperties,
    resolve_custom_properties,
    resolve_default_properties,
    resolve_properties,
)
from ._repository import (
    Actions,
    OrgStandards,
    Repository,
    RepositoryDefaults,
    _resolve_features,
    _resolve_org_standards,
    _resolve_standards,
)
from ._shards import ShardName, ShardPattern, _resolve_shards


class Manifest(_Block):
    """publishing.yaml: how every repository of one GitHub owner tests and publishes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, title="ghpublish manifest")

    owner: Login = Field(description="Organization or user login that owns the repositories.")
    plan: PlanName = PLAN_FIELD
    defaults: RepositoryDefaults = Field(
        default_factory=RepositoryDefaults,
        description="Values every repository inherits; nested blocks merge key by key.",
    )
    repositories: list[Repository] = Field(description="The managed repositories.")
    org_standards: OrgStandards | None = Field(
        None,
        description="Organization-wide Actions settings (an organization owner only; default"
        " unmanaged).",
    )
    custom_properties: CustomProperties | None = Field(
        None,
        description="The organization's custom property schema, by property name (an"
        " organization owner only): each repository's `properties` are checked against it."
        " Properties it does not declare are left as they are; with shards, the first shard"
        " manages it.",
    )
    manifest_repository: ManifestRepository | None = Field(
        None,
        description="The repository holding this manifest: ghpublish manages its pipeline too.",
    )
    shards: dict[ShardName, Annotated[list[ShardPattern], Field(min_length=1)]] | None = Field(
        None,
        description="Split the repositories into shards, one stack each (`ghpublish:shard`):"
        " shard name to repository name globs; every repository matches exactly one shard. The"
        " first shard also manages org_standards.",
    )


class _EditorSchema(GenerateJsonSchema):
    """The JSON Schema of what a manifest may hold. A before-validator rewrites its input
    (``npm: false``, ``node_version: 22``): it declares what it accepts with
    ``json_schema_input_type``; one that does not accepts anything here, so that the editor
    schema never refuses a manifest ghpublish accepts."""

    def function_before_schema(
        self, schema: core_schema.BeforeValidatorFunctionSchema
    ) -> JsonSchemaValue:
        if self.mode == "validation" and not schema.get("json_schema_input_schema"):
            return {}
        return super().function_before_schema(schema)


def manifest_json_schema() -> dict[str, Any]:
    """The manifest's JSON Schema, for editors (committed as schema/publishing.schema.json)."""
    return Manifest.model_json_schema(mode="validation", schema_generator=_EditorSchema)


def _resolve(manifest: Manifest, source: str) -> tuple[OrgSpec, list[tuple[Loc, str]]]:
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    # Per ecosystem: what each repository publishes (a package, an image), by repository.
    published: dict[str, dict[str, int]] = {eco.key: {} for eco in ECOSYSTEMS}
    repos: list[RepositorySpec] = []
    defaults = manifest.defaults
    org_standards = _resolve_org_standards(manifest)
    custom = resolve_custom_properties(manifest, problems)
    inherited = resolve_default_properties(defaults, custom, problems)
    for index, repo in enumerate(manifest.repositories):
        first = seen.setdefault(repo.name.lower(), index)
        if first != index:
            problems.append(
                (
                    ("repositories", index, "name"),
                    f"{repo.name!r} is already declared at repositories[{first}] (names are"
                    " case-insensitive on GitHub); remove one of them",
                )
            )
        blocks: dict[str, Any] = {}
        for eco in ECOSYSTEMS:
            spec, more = eco.resolve(manifest.owner, repo, defaults, index)
            problems.extend(more)
            name = eco.published(spec) if spec is not None else None
            if name is not None:
                other = published[eco.key].setdefault(name, index)
                if other != index:
                    problems.append(
                        (
                            ("repositories", index, eco.key, eco.identity),
                            f"{name!r} is already published by repositories[{other}];"
                            f" give each repository its own {eco.key}.{eco.identity}",
                        )
                    )
            blocks[eco.key] = spec
        values = {k: _pick(k, repo, defaults) for k in _BUILTIN}
        adopt = bool(values["adopt"])
        kept = _kept(repo, defaults) if adopt else frozenset()
        standards, standards_problems = _resolve_standards(repo, defaults, index, org_standards)
        problems.extend(standards_problems)
        repos.append(
            RepositorySpec(
                owner=manifest.owner,
                name=repo.name,
                description=values["description"] or _BUILTIN["description"],
                visibility=values["visibility"] or _BUILTIN["visibility"],
                # An adopted repository's own branch, else GitHub's ("": unknown offline).
                default_branch=(
                    ""
                    if "default_branch" in kept
                    else (values["default_branch"] or _BUILTIN["default_branch"])
                ),
                adopt=adopt,
                path=f"repositories[{index}]",
                plan=manifest.plan,
                features=_resolve_features(repo, defaults, adopt),
                kept=kept,
                blocks=blocks,
                manifest_repository=(
                    manifest.manifest_repository.name
                    if manifest.manifest_repository is not None
                    else None
                ),
                properties=resolve_properties(repo, index, defaults, inherited, custom, problems),
                **standards,
            )
        )
        problems.extend(plan_problems(repos[-1], index))
    problems.extend(org_plan_problems(manifest.plan, org_standards is not None))
    pipeline = _resolve_pipeline(manifest, problems)
    if pipeline is not None:
        problems.extend(_pipeline_branch_problems(pipeline.repository, repos))
    if pipeline is not None and pipeline.app_client_id is not None:
        pipeline = with_app_permissions(
            pipeline, org_standards is not None, repos, custom_properties=bool(custom)
        )
    org = OrgSpec(
        owner=manifest.owner,
        repositories=tuple(repos),
        source=source,
        pipeline=pipeline,
        plan=manifest.plan,
        custom_properties=custom,
    )
    shards = _resolve_shards(manifest, problems)
    own = manifest.manifest_repository
    if pipeline is not None and own is not None:
        pipeline = with_shards(pipeline, own, shards, problems)
        pipeline = with_images(pipeline, repos, shards, problems)
    org = dataclasses.replace(org, pipeline=pipeline, standards=org_standards, shards=shards)
    return org, problems


def _kept(repo: Repository, defaults: RepositoryDefaults) -> frozenset[str]:
    """What an adopted repository keeps as GitHub has it: the repository attributes and the
    default branch its own entry does not set (defaults not included), and the Actions and
    token settings neither its entry nor `defaults` sets (ghpublish's built-in defaults are
    for the repositories it creates)."""
    own = [
        k for k in ("description", "visibility", "default_branch") if _pick(k, repo, None) is None
    ]
    actions = [k for k in Actions.model_fields if _pick(k, repo.actions, defaults.actions) is None]
    return frozenset(own + actions)


def _pipeline_branch_problems(name: str, repos: list[RepositorySpec]) -> list[tuple[Loc, str]]:
    """The manifest repository's workflows name its default branch (`pulumi up` runs there):
    adopted, its entry names it, since GitHub's is unknown offline."""
    for index, repo in enumerate(repos):
        if repo.name == name and "default_branch" in repo.kept:
            return [
                (
                    ("repositories", index, "default_branch"),
                    "is required for the manifest repository when it is adopted: its pipeline"
                    " runs `pulumi up` on the default branch, which the workflows name, and"
                    " ghpublish does not read GitHub's offline; add default_branch: <the"
                    " branch GitHub shows> (an adopted repository's branch is never switched)",
                )
            ]
    return []
