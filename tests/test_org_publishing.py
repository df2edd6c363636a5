"""OrgPublishing: the manifest → one GitHub provider and a component per repository."""

from __future__ import annotations

import pulumi
import pytest
from conftest import SENTINEL, RunManifest

MANIFEST = """\
owner: Acme-Corp
repositories:
  - name: a
    npm: {}
  - name: b
"""


def test_one_provider_for_the_owner_with_the_token_as_a_secret(run_manifest: RunManifest) -> None:
    run = run_manifest(MANIFEST, token=SENTINEL)
    (provider,) = run.of_type("pulumi:providers:github")
    assert provider.plain_inputs["owner"] == "Acme-Corp"
    assert provider.plain_inputs["token"] == "[secret]"
    assert SENTINEL not in repr(run.outputs)
    for reg in run.registrations:
        if reg.custom and reg.type.startswith("github:"):
            assert reg.provider.startswith(provider.urn), reg.urn


def test_a_component_per_repository_under_the_org(run_manifest: RunManifest) -> None:
    run = run_manifest(MANIFEST)
    (org,) = run.of_type("ghpublish:index:OrgPublishing")
    members = run.of_type("ghpublish:index:PublishingRepository")
    assert sorted(m.name for m in members) == ["org-a", "org-b"]
    assert all(m.parent == org.urn for m in members)


def test_the_cyclic_collector_runs_less_often_and_is_never_lowered(
    run_manifest: RunManifest,
) -> None:
    import gc

    from components.org_publishing import GC_THRESHOLD

    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        run_manifest(MANIFEST)
        assert gc.get_threshold() == (GC_THRESHOLD, 10, 10)
        gc.set_threshold(GC_THRESHOLD * 2, 10, 10)
        run_manifest(MANIFEST)
        assert gc.get_threshold()[0] == GC_THRESHOLD * 2
    finally:
        gc.set_threshold(*saved)


def test_stack_outputs(run_manifest: RunManifest) -> None:
    outputs = run_manifest(MANIFEST).outputs
    assert outputs["owner"] == "Acme-Corp"
    assert list(outputs["repositories"]) == ["a", "b"]
    assert outputs["repositories"]["b"]["packages"] == []


def test_invalid_manifest_stops_the_program_with_the_message(run_manifest: RunManifest) -> None:
    with pytest.raises(pulumi.RunError) as info:
        run_manifest("owner: acme\nrepositories:\n  - name: a\n    npm: {package: x}\n")
    assert "publishing.yaml:4: repositories[0].npm.package: 'x' is not a scoped npm" in str(
        info.value
    )


def test_the_provider_client_is_the_rate_limit_aware_one_with_a_persistent_cache(
    run_manifest: RunManifest,
) -> None:
    (provider,) = run_manifest(MANIFEST).of_type("pulumi:providers:github")
    inputs = provider.plain_inputs
    # Provider configuration reaches the provider JSON-encoded, strings as they are.
    assert inputs["legacyClient"] == "false"
    assert inputs["cachePath"] == ".ghpublish/github-api-cache"
    assert inputs["maxRetries"] == "3" and inputs["retryDelayMs"] == "2000"
    # Settings the non-legacy client ignores for REST are not set (they would mislead).
    assert not {"parallelRequests", "writeDelayMs", "readDelayMs"} & set(inputs)


def test_the_cache_path_comes_from_the_config_else_the_pipeline(
    run_manifest: RunManifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHPUBLISH_GITHUB_CACHE_PATH", "/runner/tool-cache/gh")
    (provider,) = run_manifest(MANIFEST).of_type("pulumi:providers:github")
    assert provider.plain_inputs["cachePath"] == "/runner/tool-cache/gh"
    configured = run_manifest(MANIFEST, config={"ghpublish:githubCachePath": "/var/cache/gh"})
    (provider,) = configured.of_type("pulumi:providers:github")
    assert provider.plain_inputs["cachePath"] == "/var/cache/gh"
