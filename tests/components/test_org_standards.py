"""OrgStandards: the organization's Actions policy, token defaults and check rulesets."""

from __future__ import annotations

from conftest import one

from components._manifest import parse_manifest
from components.org_standards import GITHUB_ACTIONS_APP_ID, pull_request_checks
from components.repository_standards import standard_allowed_actions
from tools.mock_engine import Run

ORG_ACTIONS = "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions"
ORG_WORKFLOW = (
    "github:index/actionsOrganizationWorkflowPermissions:ActionsOrganizationWorkflowPermissions"
)
ORG_RULESET = "github:index/organizationRuleset:OrganizationRuleset"

MANIFEST = """
owner: acme
plan: enterprise
defaults: {rollout: pull_request}
repositories:
  - name: lib
    npm: {}
  - name: lib2
    npm: {}
  - name: app
    npm: {}
    container: {}
  - name: direct
    rollout: direct
    npm: {}
  - name: docs
org_standards: {allow: ["acme/*"], require_checks: true}
"""


def test_org_actions_policy_and_token(run_manifest) -> None:
    run = run_manifest(MANIFEST)
    actions = one(run, ORG_ACTIONS, "org-org-standards-actions-permissions").plain_inputs
    assert actions == {
        "enabledRepositories": "all",
        "allowedActions": "selected",
        "allowedActionsConfig": {
            "githubOwnedAllowed": True,
            "verifiedAllowed": False,
            "patternsAlloweds": standard_allowed_actions(["acme/*"]),
        },
        "shaPinningRequired": True,
    }
    token = one(run, ORG_WORKFLOW, "org-org-standards-workflow-permissions")
    assert token.plain_inputs == {
        "organizationSlug": "acme",
        "defaultWorkflowPermissions": "read",
        "canApprovePullRequestReviews": False,
    }
    assert token.retain_on_delete


def test_one_ruleset_per_set_of_checks_on_pull_request_repositories(run_manifest) -> None:
    run = run_manifest(MANIFEST)
    rulesets = {r.name: r.plain_inputs for r in run.of_type(ORG_RULESET) if "-checks-" in r.name}
    assert sorted(rulesets) == [
        "org-org-standards-checks-build-no-push+npm-test",
        "org-org-standards-checks-npm-test",
    ]
    npm = rulesets["org-org-standards-checks-npm-test"]
    # `direct` commits straight to its default branch: a required check would refuse it.
    assert npm["conditions"] == {
        "refName": {"includes": ["~DEFAULT_BRANCH"], "excludes": []},
        "repositoryName": {"includes": ["lib", "lib2"], "excludes": []},
    }
    assert npm["target"] == "branch" and npm["enforcement"] == "active"
    assert npm["rules"]["requiredStatusChecks"]["requiredChecks"] == [
        {"context": "npm test", "integrationId": GITHUB_ACTIONS_APP_ID}
    ]
    both = rulesets["org-org-standards-checks-build-no-push+npm-test"]
    assert both["conditions"]["repositoryName"]["includes"] == ["app"]
    contexts = [c["context"] for c in both["rules"]["requiredStatusChecks"]["requiredChecks"]]
    assert contexts == ["Build (no push)", "npm test"]


def test_checks_are_the_jobs_that_run_on_pull_requests() -> None:
    spec = parse_manifest(MANIFEST, "m.yaml")
    by_name = {r.name: pull_request_checks(r) for r in spec.repositories}
    assert by_name == {
        "lib": ("npm test",),
        "lib2": ("npm test",),
        "app": ("Build (no push)", "npm test"),
        "direct": ("npm test",),
        "docs": (),
    }


def test_no_org_resources_without_the_block(example_run: Run, run_manifest) -> None:
    assert example_run.of_type(ORG_ACTIONS) and example_run.of_type(ORG_WORKFLOW)
    run = run_manifest("owner: acme\nrepositories:\n  - name: lib\n    npm: {}\n")
    assert not run.of_type(ORG_ACTIONS) and not run.of_type(ORG_WORKFLOW)
    assert not run.of_type(ORG_RULESET)
    quiet = run_manifest(MANIFEST.replace("require_checks: true", "require_checks: false"))
    assert quiet.of_type(ORG_ACTIONS)
    assert [r.name for r in quiet.of_type(ORG_RULESET)] == ["org-org-standards-release-tags-v"]


def test_release_tags_are_one_org_ruleset_targeting_every_managed_repository(
    run_manifest,
) -> None:
    run = run_manifest(MANIFEST)
    ruleset = one(run, ORG_RULESET, "org-org-standards-release-tags-v")
    assert ruleset.plain_inputs == {
        "name": "ghpublish: release tags (v*)",
        "target": "tag",
        "enforcement": "active",
        "conditions": {
            "refName": {"includes": ["refs/tags/v*"], "excludes": []},
            "repositoryName": {
                "includes": ["app", "direct", "docs", "lib", "lib2"],
                "excludes": [],
            },
        },
        "rules": {"deletion": True, "nonFastForward": True},
    }
    assert ruleset.retain_on_delete
    # No repository has a tag ruleset of its own any more.
    assert not run.of_type("github:index/repositoryRuleset:RepositoryRuleset")


def test_one_tag_ruleset_per_distinct_pattern() -> None:
    from components.org_publishing import release_tag_groups

    spec = parse_manifest(MANIFEST, "m.yaml")
    assert release_tag_groups(spec.repositories) == {"v*": ["app", "direct", "docs", "lib", "lib2"]}
    text = MANIFEST.replace(
        "  - name: lib2\n", "  - name: lib2\n    release_tag_pattern: 'lib2@*'\n"
    )
    groups = release_tag_groups(parse_manifest(text, "m.yaml").repositories)
    assert groups == {"lib2@*": ["lib2"], "v*": ["app", "direct", "docs", "lib"]}


def test_sharded_repositories_defer_to_the_org_standard_managed_by_the_first_shard(
    run_manifest,
) -> None:
    sharded = MANIFEST + "shards: {libs: ['lib*'], rest: ['*p*', 'd*']}\n"
    rest = run_manifest(sharded, config={"ghpublish:shard": "rest"})
    # Not the first shard: no org resources, and still no repository-level duplicate.
    assert not rest.of_type(ORG_ACTIONS) and not rest.of_type(ORG_RULESET)
    assert not rest.of_type("github:index/repositoryRuleset:RepositoryRuleset")
    assert not rest.of_type(
        "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions"
    )
    libs = run_manifest(sharded, config={"ghpublish:shard": "libs"})
    tags = one(libs, ORG_RULESET, "org-org-standards-release-tags-v").plain_inputs
    # The first shard's org ruleset covers every shard's repositories.
    assert tags["conditions"]["repositoryName"]["includes"] == [
        "app",
        "direct",
        "docs",
        "lib",
        "lib2",
    ]
