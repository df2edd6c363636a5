"""RepositoryStandards: token and Actions permissions, the `release` environment, the tag
ruleset, managed-file headers, and the resource budget of a fully featured repository."""

from __future__ import annotations

import pytest
import yaml
from conftest import one

from components._core._catalog import CATALOG
from components._core._component import managed_file
from components._core._errors import GhpublishError
from components._core._spec import STANDARD_VERSION
from components.repository_standards import GITHUB_OWNED, standard_allowed_actions
from tools.mock_engine import Run
from tools.synth import files

WORKFLOW_PERMS = "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions"
ACTIONS_PERMS = "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ORG_ACTIONS = "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions"
BRANCH_DEFAULT = "github:index/branchDefault:BranchDefault"

FULL = """
owner: acme
plan: enterprise
repositories:
  - name: full
    npm: {}
    container: {}
    environment: {reviewers: {teams: [11], users: [22, 33]}, prevent_self_review: false}
    actions: {allow: ["acme/*"]}
"""


def test_allowed_actions_are_the_catalog_pins_beside_github_owned() -> None:
    expected = [
        f"{name}@{pin.sha}"
        for name, pin in sorted(CATALOG.items())
        if name.split("/")[0] not in {"actions", "github"}
    ]
    assert standard_allowed_actions() == expected
    assert expected, "the catalog pins third-party actions"
    assert standard_allowed_actions(["acme/*", "acme/*"]) == [*expected, "acme/*"]


def _uses(run: Run, repository: str | None = None) -> set[str]:
    """Every `uses:` of the generated workflows (of one repository, or all)."""
    used = set()
    for rel, text in files(run).items():
        if "/.github/workflows/" not in rel or (repository and f"/{repository}/" not in rel):
            continue
        for job in yaml.safe_load(text)["jobs"].values():
            used |= {step["uses"] for step in job["steps"] if "uses" in step}
    return used


def test_every_generated_uses_is_allowed_by_the_org_policy(example_run: Run) -> None:
    policy = one(example_run, ORG_ACTIONS, "org-org-standards-actions-permissions")
    allowed = set(policy.plain_inputs["allowedActionsConfig"]["patternsAlloweds"])
    used = _uses(example_run)
    assert used
    for uses in used:
        assert uses.split("/")[0] in GITHUB_OWNED or uses in allowed, uses


def test_a_repository_list_holds_exactly_the_actions_its_workflows_use(run_manifest) -> None:
    run = run_manifest(
        """
        owner: acme
        repositories:
          - {name: lib, npm: {}}
          - {name: app, visibility: public, container: {}, actions: {allow: ["acme/*"]}}
          - {name: docs}
        """
    )
    for name, extra in (("lib", []), ("app", ["acme/*"]), ("docs", [])):
        policy = one(run, ACTIONS_PERMS, f"org-{name}-standards-actions-permissions")
        allowed = policy.plain_inputs["allowedActionsConfig"]["patternsAlloweds"]
        third_party = sorted(u for u in _uses(run, name) if u.split("/")[0] not in GITHUB_OWNED)
        assert allowed == third_party + extra, name
    # npm uses GitHub's own actions only; the container workflow uses docker's.
    assert not _uses(run, "docs")
    app = one(run, ACTIONS_PERMS, "org-app-standards-actions-permissions").plain_inputs
    assert any(p.startswith("docker/") for p in app["allowedActionsConfig"]["patternsAlloweds"])
    assert len(app["allowedActionsConfig"]["patternsAlloweds"]) < len(standard_allowed_actions())


def test_settings_of_a_fully_featured_repository(run_manifest) -> None:
    run = run_manifest(FULL)
    perms = one(run, WORKFLOW_PERMS, "org-full-standards-workflow-permissions").plain_inputs
    assert perms == {
        "repository": "full",
        "defaultWorkflowPermissions": "read",
        "canApprovePullRequestReviews": False,
    }
    actions = one(run, ACTIONS_PERMS, "org-full-standards-actions-permissions").plain_inputs
    assert actions["allowedActions"] == "selected"
    assert actions["enabled"] is True
    assert actions["shaPinningRequired"] is True
    config = actions["allowedActionsConfig"]
    assert config["githubOwnedAllowed"] is True and config["verifiedAllowed"] is False
    used = sorted(u for u in _uses(run, "full") if u.split("/")[0] not in GITHUB_OWNED)
    assert config["patternsAlloweds"] == [*used, "acme/*"]
    env = one(run, ENVIRONMENT, "org-full-standards-release-environment").plain_inputs
    assert env["environment"] == "release"
    assert env["reviewers"] == [{"teams": [11], "users": [22, 33]}]
    assert env["preventSelfReview"] is False
    # The provider's default lets administrators skip the reviewers: ghpublish's does not.
    assert env["canAdminsBypass"] is False
    assert env["deploymentBranchPolicy"] == {
        "customBranchPolicies": True,
        "protectedBranches": False,
    }
    policy = one(run, POLICY, "org-full-standards-release-tags")
    assert policy.plain_inputs == {
        "repository": "full",
        "environment": "release",
        "tagPattern": "v*",
    }
    assert any("release-environment" in dep for dep in policy.depends_on)
    ruleset = one(run, RULESET, "org-full-standards-tag-ruleset").plain_inputs
    assert ruleset["target"] == "tag" and ruleset["enforcement"] == "active"
    assert ruleset["conditions"] == {"refName": {"includes": ["refs/tags/v*"], "excludes": []}}
    assert ruleset["rules"] == {"deletion": True, "nonFastForward": True}


def test_release_tag_pattern_drives_the_environment_ruleset_and_workflows(run_manifest) -> None:
    run = run_manifest(
        """
        owner: acme
        defaults: {release_tag_pattern: "release-*"}
        repositories:
          - {name: lib, npm: {}}
          - {name: app, container: {}, release_tag_pattern: "app@*"}
        """
    )
    for repo, pattern in (("lib", "release-*"), ("app", "app@*")):
        policy = one(run, POLICY, f"org-{repo}-standards-release-tags").plain_inputs
        assert policy["tagPattern"] == pattern
        ruleset = one(run, RULESET, f"org-{repo}-standards-tag-ruleset").plain_inputs
        assert ruleset["conditions"]["refName"]["includes"] == [f"refs/tags/{pattern}"]
    docker = yaml.safe_load(files(run)["acme/app/.github/workflows/docker-publish.yml"])
    (release,) = [s for s in docker["jobs"]["package"]["steps"] if s.get("id") == "release"]
    assert (release["env"]["TAG_PREFIX"], release["env"].get("TAG_SUFFIX", "")) == ("app@", "")


def test_a_repository_that_publishes_nothing_has_no_environment(run_manifest) -> None:
    run = run_manifest("owner: acme\nrepositories:\n  - name: docs\n")
    assert not run.of_type(ENVIRONMENT) and not run.of_type(POLICY)
    assert len(run.of_type(WORKFLOW_PERMS)) == len(run.of_type(RULESET)) == 1
    env = run_manifest("owner: acme\nrepositories:\n  - name: lib\n    npm: {}\n")
    assert "reviewers" not in one(env, ENVIRONMENT, "org-lib-standards-release-environment").inputs


def test_token_settings_follow_the_manifest(run_manifest) -> None:
    run = run_manifest(
        """
        owner: acme
        defaults:
          actions: {default_token: write, approve_pull_requests: true}
        repositories:
          - name: bot
        """
    )
    perms = one(run, WORKFLOW_PERMS, "org-bot-standards-workflow-permissions").plain_inputs
    assert perms["defaultWorkflowPermissions"] == "write"
    assert perms["canApprovePullRequestReviews"] is True
    actions = one(run, ACTIONS_PERMS, "org-bot-standards-actions-permissions").plain_inputs
    assert actions["shaPinningRequired"] is True


def test_every_publishing_job_runs_in_the_release_environment(run_manifest) -> None:
    run = run_manifest(FULL)
    publishing = 0
    for rel, text in files(run).items():
        for job in yaml.safe_load(text)["jobs"].values():
            if job["permissions"].get("packages") == "write":
                publishing += 1
                assert job.get("environment") == "release", rel
            else:
                assert "environment" not in job, rel
    assert publishing == 3  # npm; the container's push and its attestation


def _per_repository(run: Run) -> dict[str, list[str]]:
    """Custom resources (provider excluded) per repository, by the component they belong to."""
    parents = {r.urn: r.parent for r in run.registrations}
    names = {r.urn: r.name for r in run.registrations}
    found: dict[str, list[str]] = {}
    for r in run.registrations:
        if not r.custom or r.type.startswith("pulumi:providers:"):
            continue
        urn = r.urn
        while urn and not urn.split("::")[-2].endswith("$ghpublish:index:PublishingRepository"):
            urn = parents.get(urn, "")
        if urn:
            found.setdefault(names[urn], []).append(r.type.rsplit(":", 1)[1])
    return {name: sorted(types) for name, types in found.items()}


def test_fully_featured_repository_stays_within_seven_resources(run_manifest) -> None:
    run = run_manifest(FULL)
    (types,) = _per_repository(run).values()
    assert types == [
        "ActionsRepositoryPermissions",
        "Repository",
        "RepositoryEnvironment",
        "RepositoryEnvironmentDeploymentPolicy",
        "RepositoryFile",
        "RepositoryFile",
        "RepositoryRuleset",
        "WorkflowRepositoryPermissions",
    ]


ORG_FULL = FULL + "org_standards: {allow: ['acme/*']}\n"


def test_in_an_org_with_standards_a_repository_has_five_resources(run_manifest) -> None:
    run = run_manifest(ORG_FULL)
    assert _per_repository(run) == {
        "org-full": [
            "Repository",
            "RepositoryEnvironment",
            "RepositoryEnvironmentDeploymentPolicy",
            "RepositoryFile",
            "RepositoryFile",
        ]
    }


def test_only_a_repository_that_differs_from_the_org_standard_has_its_own_settings(
    run_manifest,
) -> None:
    run = run_manifest(
        """
        owner: acme
        repositories:
          - name: same
            actions: {default_token: write}
          - name: strict
        org_standards: {default_token: write}
        """
    )
    # `same` says what the org says; `strict` keeps the standard's read-only token, stricter
    # than this org's; its Actions policy (pinned by SHA) is the org's, so not set again.
    assert _per_repository(run)["org-same"] == ["Repository"]
    perms = one(run, WORKFLOW_PERMS, "org-strict-standards-workflow-permissions").plain_inputs
    assert perms["defaultWorkflowPermissions"] == "read"
    assert not run.of_type(ACTIONS_PERMS)


def test_default_branch_is_managed_only_when_it_must_change(run_manifest) -> None:
    run = run_manifest(
        """
        owner: acme
        repositories:
          - name: plain
          - name: renamed
            default_branch: trunk
          - name: adopted
            adopt: true
            default_branch: develop
            npm: {}
        """
    )
    (rename,) = run.of_type(BRANCH_DEFAULT)
    assert rename.plain_inputs == {"repository": "renamed", "branch": "trunk", "rename": True}
    assert rename.retain_on_delete
    workflow = one(run, "github:index/repositoryFile:RepositoryFile", "org-adopted-npm-workflow")
    assert workflow.plain_inputs["branch"] == "develop"


def test_every_child_of_a_repository_is_retained(example_run: Run, run_manifest) -> None:
    # Removing a repository (or a block) from the manifest leaves what ghpublish made on
    # GitHub as it is: files, settings, environment, ruleset, rollout branch and PR.
    kinds = {
        "github:index/repositoryFile:RepositoryFile",
        "github:index/branch:Branch",
        "github:index/repositoryPullRequest:RepositoryPullRequest",
        WORKFLOW_PERMS,
        ACTIONS_PERMS,
        ENVIRONMENT,
        POLICY,
        RULESET,
        BRANCH_DEFAULT,
    }
    # The example has org standards: the repository-level settings come from FULL.
    registrations = [*example_run.registrations, *run_manifest(FULL).registrations]
    checked = [r for r in registrations if r.type in kinds]
    assert len({r.type for r in checked}) == len(kinds) - 1  # the example renames no branch
    assert any("ManifestPipeline$" in r.urn for r in checked)  # its environment too
    for r in checked:
        assert r.retain_on_delete, r.name


def test_every_managed_file_opens_with_the_header(example_run: Run) -> None:
    found = files(example_run)
    assert found
    for rel, text in found.items():
        head = "".join(text.splitlines(keepends=True)[:4])
        assert head.startswith(f"# Managed by ghpublish (publishing standard v{STANDARD_VERSION})")
        assert "Do not edit by hand" in head
        # A change goes to the manifest by pull request: a maintainer cannot run `pulumi up`.
        assert "publishing.yaml" in head and "open a pull request on" in head, rel
        assert "pulumi up" not in head, rel


def test_managed_file_refuses_content_without_the_header() -> None:
    with pytest.raises(GhpublishError, match="must start with the ghpublish header"):
        managed_file(
            None,  # type: ignore[arg-type]
            "x",
            name="n",
            repository="r",
            branch="main",
            path=".github/workflows/x.yml",
            content="name: x\n",
        )


def test_administrators_may_skip_the_release_environment_only_if_declared(run_manifest) -> None:
    text = "owner: acme\nrepositories:\n  - name: a\n    npm: {}\n"
    env = one(run_manifest(text), ENVIRONMENT, "org-a-standards-release-environment")
    assert env.plain_inputs["canAdminsBypass"] is False
    allowed = text + "    environment: {admins_bypass: true}\n"
    env = one(run_manifest(allowed), ENVIRONMENT, "org-a-standards-release-environment")
    assert env.plain_inputs["canAdminsBypass"] is True
