"""Shards: one manifest feeds several stacks, and no repository lands in two."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi
import pytest
from conftest import ROOT, RunManifest, errors, synth

from components import parse_manifest
from components._core._errors import ConfigError
from components._core._spec import DRIFT_SCHEDULE
from components._manifest import select_shard, staggered_schedule

SHARDED = ROOT / "examples" / "sharded" / "publishing.yaml"
ORG_STANDARDS = "ghpublish:index:OrgStandards"


def _names(run) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r.plain_inputs["name"] for r in run.of_type("github:index/repository:Repository"))


def test_each_shard_manages_its_repositories_and_none_twice(run_manifest: RunManifest) -> None:
    text = SHARDED.read_text(encoding="utf-8")
    web = run_manifest(text, config={"ghpublish:shard": "web"})
    tools = run_manifest(text, config={"ghpublish:shard": "tools"})
    assert _names(web) == ["site", "web-app", "web-components"]
    assert _names(tools) == ["cli-core", "cli-plugins", "infra"]
    # The org-level standards belong to the first shard only.
    assert len(web.of_type(ORG_STANDARDS)) == 1
    assert tools.of_type(ORG_STANDARDS) == []


def test_every_repository_of_the_example_is_in_exactly_one_shard() -> None:
    spec = parse_manifest(SHARDED.read_text(encoding="utf-8"), "publishing.yaml")
    members = [name for shard in spec.shards for name in shard.repositories]
    assert sorted(members) == sorted(r.name for r in spec.repositories)
    assert len(members) == len(set(members))


def test_a_repository_in_two_shards_is_refused() -> None:
    assert errors(
        """\
        owner: acme
        shards:
          a: ["web-*"]
          b: ["*-app"]
        repositories:
          - name: web-app
        """
    ) == [
        "publishing.yaml:6: repositories[0].name: 'web-app' matches the shards 'a' and 'b';"
        " change their patterns so that it matches exactly one (two stacks would manage it)"
    ]


def test_a_repository_in_no_shard_is_refused() -> None:
    assert errors(
        """\
        owner: acme
        shards:
          a: ["web-*"]
        repositories:
          - name: api
        """
    ) == [
        "publishing.yaml:5: repositories[0].name: 'api' matches no shard; add it, or a pattern"
        " that matches it, to one of the shards (a)"
    ]


def test_bad_shard_names_and_patterns_are_refused() -> None:
    assert errors(
        """\
        owner: acme
        shards:
          Team_A: ["web/*"]
          b: []
        repositories: []
        """
    ) == [
        "publishing.yaml:3: shards.Team_A: 'Team_A' is not a shard name; expected 1 to 40"
        " lowercase letters, digits or hyphens, such as 'team-web'",
        "publishing.yaml:3: shards.Team_A[0]: 'web/*' is not a repository name pattern;"
        " expected a name or a glob of repository-name characters with '*', '?' or '[...]',"
        " such as 'web-*'",
        "publishing.yaml:4: shards.b: is empty; expected at least one item",
    ]


def test_a_sharded_manifest_needs_a_shard_selected(run_manifest: RunManifest) -> None:
    with pytest.raises(pulumi.RunError) as info:
        run_manifest(SHARDED.read_text(encoding="utf-8"))
    assert str(info.value) == (
        "ghpublish:shard: publishing.yaml splits the repositories into shards (web, tools);"
        " select this stack's with `pulumi config set ghpublish:shard <name>`"
        " (SHARD=<name> for make)"
    )


def test_shard_selection_errors_name_the_config_key() -> None:
    sharded = parse_manifest(SHARDED.read_text(encoding="utf-8"), "publishing.yaml")
    plain = parse_manifest("owner: acme\nrepositories: []\n", "publishing.yaml")
    with pytest.raises(ConfigError, match=r"^ghpublish:shard: 'mobile' is not a shard of"):
        select_shard(sharded, "mobile")
    with pytest.raises(ConfigError, match=r"^ghpublish:shard: 'web' is set but publishing.yaml"):
        select_shard(plain, "web")
    assert select_shard(plain, None) is plain


def test_synth_selects_a_shard_and_exits_2_without_one(tmp_path: Path) -> None:
    missing = synth("--manifest", str(SHARDED), "--out", str(tmp_path / "a"), "--no-lint")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "ghpublish:shard:" in missing.stderr
    web = synth(
        "--manifest",
        str(SHARDED),
        "--out",
        str(tmp_path / "b"),
        "--no-lint",
        env={"SHARD": "web"},
    )
    assert web.returncode == 0, web.stderr
    assert "Acme-Widgets/web-app: create" in web.stdout
    assert "cli-core" not in web.stdout


RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ORG_RULESET = "github:index/organizationRuleset:OrganizationRuleset"


def test_a_retained_ruleset_is_imported_by_its_id(run_manifest: RunManifest) -> None:
    # A repository moved to another shard, or adopted again after its removal, finds its
    # tag ruleset still on GitHub (retained); creating one of the same name is a 422. The
    # stack config names its ID, and the ruleset is imported with the provider's import ID.
    text = "owner: acme\nrepositories:\n  - name: moved\n    npm: {}\n  - name: fresh\n"
    run = run_manifest(text, config={"ghpublish:rulesets": '{"moved": 4242}'})
    imported = {r.plain_inputs["repository"]: r.import_id for r in run.of_type(RULESET)}
    assert imported == {"moved": "moved:4242", "fresh": ""}
    assert not run.mocks.invocations  # found without a single API call


def test_a_retained_org_ruleset_is_imported_by_its_id(run_manifest: RunManifest) -> None:
    text = SHARDED.read_text(encoding="utf-8")
    name = "ghpublish: release tags (v*)"
    run = run_manifest(
        text, config={"ghpublish:shard": "web", "ghpublish:rulesets": f'{{"{name}": 77}}'}
    )
    (ruleset,) = [r for r in run.of_type(ORG_RULESET) if r.plain_inputs["name"] == name]
    assert ruleset.import_id == "77"


@pytest.mark.parametrize(
    ("shard", "rulesets", "message"),
    [
        ("web", '{"nope": 1}', "ghpublish:rulesets names 'nope', which has no tag ruleset"),
        ("web", '{"site": "x"}', "ghpublish:rulesets.site: 'x' is not a ruleset ID"),
        ("web", '{"ghpublish: other": 1}', "'ghpublish: other', which is no org ruleset"),
        ("tools", '{"ghpublish: release tags (v*)": 1}', "this stack manages no org ruleset"),
    ],
)
def test_rulesets_config_names_only_what_the_stack_manages(
    run_manifest: RunManifest, shard: str, rulesets: str, message: str
) -> None:
    text = SHARDED.read_text(encoding="utf-8")
    with pytest.raises(pulumi.RunError, match=re.escape(message)):
        run_manifest(text, config={"ghpublish:shard": shard, "ghpublish:rulesets": rulesets})


def test_a_repository_keeps_its_resource_names_whichever_shard_manages_it(
    run_manifest: RunManifest,
) -> None:
    # `pulumi state move` between two shards' stacks finds the same names and parents.
    text = (
        "owner: acme\nshards:\n  a: ['x*']\n  b: ['y*']\nrepositories:\n  - name: x1\n    npm: {}\n"
    )
    moved = text.replace("a: ['x*']\n  b: ['y*']", "a: ['y*']\n  b: ['x*']")

    def names(run) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
        return {(r.type, r.name) for r in run.registrations if "x1" in r.name}

    before = names(run_manifest(text, config={"ghpublish:shard": "a"}))
    after = names(run_manifest(moved, config={"ghpublish:shard": "b"}))
    assert before and before == after


SHARDED_PIPELINE = """\
owner: Acme
shards:
  web: ["web-*"]
  tools: ["cli-*", "publishing"]
repositories:
  - name: web-app
  - name: cli-core
  - name: publishing
manifest_repository:
  name: publishing
"""


def test_the_pipelines_shard_drift_checks_on_its_staggered_schedule() -> None:
    # Shards drift-check at hours taken from their names, so that they do not spend one
    # token's hour together; the pipeline's shard is `tools` here.
    pipeline = parse_manifest(SHARDED_PIPELINE, "publishing.yaml").pipeline
    assert pipeline is not None
    assert pipeline.drift_schedule == staggered_schedule("tools")
    assert staggered_schedule("tools") not in (DRIFT_SCHEDULE, staggered_schedule("web"))


def test_a_declared_drift_schedule_wins_over_the_staggered_one() -> None:
    text = SHARDED_PIPELINE + "  drift_schedule: '5 4 * * 1-5'\n"
    pipeline = parse_manifest(text, "publishing.yaml").pipeline
    assert pipeline is not None and pipeline.drift_schedule == "5 4 * * 1-5"
    unsharded = SHARDED_PIPELINE.replace(
        'shards:\n  web: ["web-*"]\n  tools: ["cli-*", "publishing"]\n', ""
    )
    pipeline = parse_manifest(unsharded, "publishing.yaml").pipeline
    assert pipeline is not None and pipeline.drift_schedule == DRIFT_SCHEDULE


def _pipeline_files(run_manifest: RunManifest, text: str, shard: str) -> dict[str, dict]:  # type: ignore[type-arg]
    import yaml

    run = run_manifest(text, config={"ghpublish:shard": shard})
    # PyYAML reads the key `on` as YAML 1.1's true: back to its name.
    return {
        r.plain_inputs["file"].rsplit("/", 1)[-1]: {
            "on" if key is True else key: value
            for key, value in yaml.safe_load(r.plain_inputs["content"]).items()
        }
        for r in run.of_type("github:index/repositoryFile:RepositoryFile")
        if r.plain_inputs["file"].startswith(".github/workflows/ghpublish-")
    }


def test_the_pipeline_runs_every_shards_stack_in_jobs_of_its_own(
    run_manifest: RunManifest,
) -> None:
    text = SHARDED_PIPELINE + "  stacks: {web: acme/org-web}\n"
    files = _pipeline_files(run_manifest, text, "tools")
    up = files["ghpublish-up.yml"]
    assert list(up["jobs"]) == ["up-web", "up-tools"]
    assert "concurrency" not in up  # one group per stack, on its jobs
    for shard, stack in (("web", "acme/org-web"), ("tools", "tools")):
        job = up["jobs"][f"up-{shard}"]
        assert job["concurrency"] == {
            "group": f"ghpublish-pulumi-{shard}",
            "cancel-in-progress": False,
            "queue": "max",
        }
        # No development tools in the job holding the credentials: the review synthesizes.
        assert not any("make synth" in s.get("run", "") for s in job["steps"])
        assert job["steps"][-1]["with"]["stack-name"] == stack
    # Each shard's drift check at its own staggered time, and only then (all by hand).
    drift = files["ghpublish-drift.yml"]
    crons = [staggered_schedule("web"), staggered_schedule("tools")]
    assert drift["on"]["schedule"] == [{"cron": cron} for cron in crons]
    for shard, cron, stack in (("web", crons[0], "acme/org-web"), ("tools", crons[1], "tools")):
        job = drift["jobs"][f"drift-{shard}"]
        assert job["if"] == (
            f"github.event_name != 'schedule' || github.event.schedule == '{cron}'"
        )
        assert job["concurrency"]["group"] == f"ghpublish-pulumi-{shard}"
        preview = next(s for s in job["steps"] if s.get("id") == "preview")
        assert preview["env"]["STACK"] == stack
    # A pull request synthesizes and diffs every shard.
    review = files["ghpublish-review.yml"]["jobs"]["review"]["steps"]
    # Between fetching the pull request's manifest and the warning about code changes.
    review = [s for s in review if "run" in s][1:-1]
    runs = [s["run"] for s in review]
    assert (
        runs
        == [
            'make synth MANIFEST="$MANIFEST" SHARD="$SHARD"',
            'make diff BASE="$BASE" MANIFEST="$MANIFEST" SHARD="$SHARD" FORMAT=markdown'
            ' OUTPUT="$GITHUB_STEP_SUMMARY" EXIT_ZERO=1',
        ]
        * 2
    )
    assert [s["env"]["SHARD"] for s in review if "run" in s] == ["web"] * 2 + ["tools"] * 2
    # The other shard's stack commits no pipeline: the manifest repository is in `tools`.
    assert _pipeline_files(run_manifest, text, "web") == {}


def test_one_drift_schedule_for_every_shard_runs_them_all(run_manifest: RunManifest) -> None:
    text = SHARDED_PIPELINE + "  drift_schedule: '5 4 * * 1-5'\n"
    drift = _pipeline_files(run_manifest, text, "tools")["ghpublish-drift.yml"]
    assert drift["on"]["schedule"] == [{"cron": "5 4 * * 1-5"}]
    assert all("if" not in job for job in drift["jobs"].values())


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "  stack: org\n",
            "publishing.yaml:11: manifest_repository.stack: is one stack, but the manifest"
            " splits the repositories into shards (one stack each); name each shard's stack"
            " under stacks (default the shard's name: web, tools)",
        ),
        (
            "  stacks: {mobile: org-mobile}\n",
            "publishing.yaml:11: manifest_repository.stacks.mobile: 'mobile' is not a shard;"
            " expected one of: web, tools",
        ),
    ],
)
def test_pipeline_stacks_must_match_the_shards(extra: str, expected: str) -> None:
    assert errors(SHARDED_PIPELINE + extra) == [expected]


def test_stacks_need_shards() -> None:
    unsharded = SHARDED_PIPELINE.replace(
        'shards:\n  web: ["web-*"]\n  tools: ["cli-*", "publishing"]\n', ""
    )
    assert errors(unsharded + "  stacks: {web: org-web}\n") == [
        "publishing.yaml:8: manifest_repository.stacks: names a stack per shard, but the"
        " manifest declares no shards; name the one stack with stack, or add shards"
    ]


def test_the_sharded_example_pipeline_is_lint_clean(tmp_path: Path) -> None:
    # zizmor and the workflow schema accept the per-shard jobs (job-level concurrency with
    # `queue: max`, the schedule condition).
    done = synth("--manifest", str(SHARDED), "--shard", "tools", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    assert "lint: 5 workflows (4 distinct), clean" in done.stdout
    drift = next((tmp_path / "o").rglob("ghpublish-drift.yml")).read_text(encoding="utf-8")
    assert "drift-web:" in drift and "drift-tools:" in drift
