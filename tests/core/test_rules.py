"""components/_rules.py: the workflow rules the policy pack and the tests share."""

from __future__ import annotations

import textwrap

import pytest
from conftest import EXAMPLE

from components._core._rules import (
    Finding,
    check_workflow,
    is_pinned,
    is_workflow_path,
    parse_workflow,
)
from tools.mock_engine import Run
from tools.synth import FILE_TYPE

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"


def workflow(jobs: str, top: str = "permissions: {}\n") -> str:
    return f"name: t\non: push\n{top}jobs:\n" + textwrap.indent(textwrap.dedent(jobs), "  ")


def rules(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.rule, f.job) for f in findings]


def test_every_generated_workflow_of_the_example_follows_the_rules(example_run: Run) -> None:
    files = [
        r.plain_inputs
        for r in example_run.of_type(FILE_TYPE)
        if is_workflow_path(r.plain_inputs["file"])
    ]
    assert len(files) >= 2, f"the example ({EXAMPLE.name}) generates workflows"
    for inputs in files:
        facts = parse_workflow(inputs["content"])
        assert facts.has_top_level_permissions
        assert facts.uses_refs and all(ref.pinned for ref in facts.uses_refs)
        assert check_workflow(inputs["content"]) == [], inputs["file"]


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        (f"actions/checkout@{SHA}", True),
        (f"github/codeql-action/init@{SHA}", True),
        (f"octo/repo/.github/workflows/build.yml@{SHA}", True),
        ("./.github/actions/local", True),
        ("docker://alpine@sha256:" + "a" * 64, True),
        ("actions/checkout@v4", False),
        ("actions/checkout@main", False),
        (f"actions/checkout@{SHA[:7]}", False),
        ("actions/checkout", False),
        ("docker://alpine:3.20", False),
    ],
)
def test_full_sha_pins(ref: str, pinned: bool) -> None:
    assert is_pinned(ref) is pinned


def test_unpinned_uses_are_found_in_steps_and_reusable_workflows() -> None:
    text = workflow(
        f"""
        a:
          runs-on: ubuntu-latest
          permissions: {{}}
          steps:
            - uses: actions/checkout@v4
            - uses: actions/setup-node@{SHA}
        b:
          permissions: {{}}
          uses: octo/repo/.github/workflows/x.yml@main
        """
    )
    found = check_workflow(text)
    assert rules(found) == [("unpinned-uses", "a"), ("unpinned-uses", "b")]
    assert found[0].message == (
        "jobs.a.steps[0] uses 'actions/checkout@v4': pin it to a full commit SHA"
        " (owner/repo@<40 hex digits> # vX.Y.Z)"
    )


def test_missing_top_level_permissions() -> None:
    text = workflow("a:\n  runs-on: x\n  permissions: {}\n  steps: [{run: make}]\n", top="")
    assert rules(check_workflow(text)) == [("top-level-permissions", None)]
    assert check_workflow(workflow("a:\n  runs-on: x\n  steps: [{run: make}]\n")) == []


def test_packages_write_needs_a_publish_step() -> None:
    test_job = """
        test:
          runs-on: x
          permissions: {contents: read, packages: write}
          steps: [{run: npm test}]
        """
    found = check_workflow(workflow(test_job))
    assert rules(found) == [("unjustified-write", "test")]
    assert "holds 'packages: write' but has no a step that publishes" in found[0].message
    for publish in (
        "{run: npm publish}",
        "{run: 'docker push ghcr.io/o/i:1'}",
        f"{{uses: 'docker/build-push-action@{SHA}', with: {{push: true}}}}",
        f"{{uses: 'docker/build-push-action@{SHA}', with: {{push: '${{{{ github.event_name == ''release'' }}}}'}}}}",
    ):
        ok = test_job.replace("[{run: npm test}]", f"[{{run: npm test}}, {publish}]")
        assert check_workflow(workflow(ok)) == [], publish
    no_push = test_job.replace(
        "[{run: npm test}]", f"[{{uses: 'docker/build-push-action@{SHA}', with: {{push: false}}}}]"
    )
    assert rules(check_workflow(workflow(no_push))) == [("unjustified-write", "test")]


def test_id_token_write_needs_an_attestation_or_oidc() -> None:
    job = """
        build:
          runs-on: x
          permissions: {id-token: write, attestations: write}
          steps: [STEPS]
        """
    bare = check_workflow(workflow(job.replace("STEPS", "{run: make}")))
    assert rules(bare) == [("unjustified-write", "build"), ("unjustified-write", "build")]
    assert ["attestations" in bare[0].message, "id-token" in bare[1].message] == [True, True]
    attest = f"{{uses: 'actions/attest-build-provenance@{SHA}', with: {{subject-path: x}}}}"
    assert check_workflow(workflow(job.replace("STEPS", attest))) == []
    oidc = job.replace("attestations: write", "contents: read").replace(
        "STEPS", f"{{uses: 'aws-actions/configure-aws-credentials@{SHA}'}}"
    )
    assert check_workflow(workflow(oidc)) == []


def test_artifact_metadata_write_needs_an_attestation_that_records_storage() -> None:
    job = """
        build:
          runs-on: x
          permissions: {id-token: write, attestations: write, artifact-metadata: write}
          steps: [STEPS]
        """
    pushed = (
        f"{{uses: 'actions/attest@{SHA}', with: {{subject-digest: d, push-to-registry: true}}}}"
    )
    assert check_workflow(workflow(job.replace("STEPS", pushed))) == []
    for attest in (
        # Not pushed to the registry, or its storage record turned off: no record is made.
        f"{{uses: 'actions/attest@{SHA}', with: {{subject-path: x}}}}",
        pushed.replace(
            "push-to-registry: true", "push-to-registry: true, create-storage-record: false"
        ),
    ):
        found = check_workflow(workflow(job.replace("STEPS", attest)))
        assert rules(found) == [("unjustified-write", "build")], attest
        assert "holds 'artifact-metadata: write'" in found[0].message


@pytest.mark.parametrize(
    ("registry", "password", "finding"),
    [
        ("ghcr.io", "${{ secrets.GITHUB_TOKEN }}", False),
        ("GHCR.IO", "${{ github.token }}", False),
        ("registry.example.com", "${{ secrets.REGISTRY_TOKEN }}", False),
        ("registry.example.com", "${{ secrets.GITHUB_TOKEN }}", True),
        ("registry.example.com", "${{github.token}}", True),
        ("", "${{ secrets.GITHUB_TOKEN }}", True),  # no registry: Docker Hub
    ],
)
def test_github_token_goes_to_ghcr_only(registry: str, password: str, finding: bool) -> None:
    step = (
        f"{{uses: 'docker/login-action@{SHA}',"
        f" with: {{registry: '{registry}', password: '{password}'}}}}"
    )
    found = check_workflow(workflow(f"push:\n  runs-on: x\n  steps: [{step}]\n"))
    assert (rules(found) == [("github-token-other-host", "push")]) is finding, found
    if finding:
        host = registry or "docker.io"
        assert found[0].message.startswith(f"jobs.push.steps[0] logs in to {host} with GITHUB")


def test_top_level_writes_count_for_jobs_without_their_own_block() -> None:
    text = workflow(
        "a:\n  runs-on: x\n  steps: [{run: make}]\n", top="permissions: {packages: write}\n"
    )
    assert rules(check_workflow(text)) == [("unjustified-write", "a")]
    write_all = workflow(
        "a:\n  runs-on: x\n  steps: [{run: make}]\n", top="permissions: write-all\n"
    )
    found = check_workflow(write_all)
    assert rules(found) == [("unjustified-write", "a")]
    assert found[0].message == "job 'a' holds 'write-all'; grant each scope the job needs instead"


def test_unreadable_workflow_is_one_finding() -> None:
    assert rules(check_workflow("jobs: [")) == [("invalid-workflow", None)]
    assert (
        check_workflow("name: x\n")[0].message == "not a workflow: expected a mapping with 'jobs'"
    )


def test_on_is_a_key_not_a_boolean() -> None:
    facts = parse_workflow(workflow("a:\n  runs-on: x\n  steps: [{run: make}]\n"))
    assert [job.id for job in facts.jobs] == ["a"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/workflows/release.yml", True),
        (".github/workflows/ci.yaml", True),
        (".github/dependabot.yml", False),
        ("docs/.github/workflows/x.yml", False),
        (".github/workflows/README.md", False),
    ],
)
def test_workflow_paths(path: str, expected: bool) -> None:
    assert is_workflow_path(path) is expected


@pytest.mark.parametrize(
    ("publish", "justified"),
    [
        ("mvn --batch-mode --file pom.xml deploy -DskipTests", True),
        ("./mvnw deploy", True),
        ('mvn -B "org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file" -Durl=x', True),
        ("mvn deploy:deploy-file -Dfile=a.jar", True),
        ("mvn -Dmaven-deploy-plugin.version=3 verify", False),
        ("mvn --batch-mode verify", False),
        ("./gradlew --init-script x.gradle publish", True),
        ("gradle publishAllPublicationsToGitHubPackagesRepository", True),
        ("./gradlew build", False),
        ("dotnet nuget push out/*.nupkg --source https://nuget.pkg.github.com/o/index.json", True),
        ("dotnet pack --configuration Release", False),
        ("gem push --host https://rubygems.pkg.github.com/o widgets-1.0.0.gem", True),
        ("gem build widgets.gemspec", False),
        ('skopeo copy --all "oci-archive:image.tar" "docker://ghcr.io/o/app:1.0.0"', True),
        ('skopeo copy "docker://ghcr.io/o/app:1" "oci-archive:image.tar"', False),
        ('skopeo inspect "docker://ghcr.io/o/app:1"', False),
    ],
)
def test_packages_write_is_justified_by_each_ecosystems_publish(
    publish: str, justified: bool
) -> None:
    job = f"""
        publish:
          runs-on: x
          permissions: {{contents: read, packages: write}}
          steps: [{{run: '{publish}'}}]
        """
    found = rules(check_workflow(workflow(job)))
    assert found == ([] if justified else [("unjustified-write", "publish")])
