"""OrgPublishing: the manifest → one GitHub provider and a component per repository."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import SENTINEL, Registration, Run, RunManifest

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


def _peak_in_flight(
    run_manifest: RunManifest, monkeypatch: pytest.MonkeyPatch, repositories: int
) -> int:
    """The most repository components in flight at once: constructed by the program (their
    children declared with them) and not yet registered.

    A count, not a race: each registration reads how many were constructed, then how many
    had been registered before it. The program constructs a batch only once the previous
    one's URNs resolved, which happens after the monitor counted them, so with the bound
    the difference is at most the batch size however the threads are scheduled; declared
    at once, every repository is constructed before the first registration reaches the
    monitor, so it reads the whole org.
    """
    from components.publishing_repository import PublishingRepository
    from tools import bench

    lock = threading.Lock()
    constructed = registered = peak = 0
    construct = PublishingRepository.__init__

    def counted(self: PublishingRepository, *args: Any, **kwargs: Any) -> None:
        nonlocal constructed
        with lock:
            constructed += 1
        construct(self, *args, **kwargs)

    def arrived(registration: Registration) -> None:
        # In the SDK's executor threads, before the component's URN resolves.
        nonlocal registered, peak
        if registration.type != "ghpublish:index:PublishingRepository":
            return
        with lock:
            peak = max(peak, constructed - registered)
            registered += 1

    monkeypatch.setattr(PublishingRepository, "__init__", counted)
    try:
        run = run_manifest(bench.manifest(repositories), on_register=arrived)
    finally:
        monkeypatch.setattr(PublishingRepository, "__init__", construct)
    assert constructed == registered == repositories, (constructed, registered)
    assert len(run.of_type("ghpublish:index:PublishingRepository")) == repositories
    return peak


def test_repositories_register_a_batch_at_a_time_whatever_the_org_size(
    run_manifest: RunManifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK holds each pending registration's work in memory: in batches, what is in
    # flight (and the peak RSS, `make bench`) does not grow with the number of repositories.
    from components import org_publishing

    batch = org_publishing.REGISTRATION_BATCH
    for repositories in (batch + 5, 3 * batch + 5):
        assert _peak_in_flight(run_manifest, monkeypatch, repositories) == batch, repositories
    # The control: declared all at once, the whole org is in flight.
    monkeypatch.setattr(org_publishing, "REGISTRATION_BATCH", 1_000_000)
    for repositories in (batch + 5, 3 * batch + 5):
        assert _peak_in_flight(run_manifest, monkeypatch, repositories) == repositories


@pytest.mark.parametrize(
    ("rulesets", "expected"),
    [
        ('{"ghpublish: release tags (x*)": 1}', "which is no org ruleset of this stack"),
        ('{"nope": 1}', "which has no tag ruleset of its own in this stack"),
    ],
)
def test_a_config_error_registers_nothing(
    run_manifest: RunManifest, rulesets: str, expected: str
) -> None:
    # Checked before the first registration: no repository of the org is half-applied.
    arrived: list[object] = []
    with pytest.raises(Exception, match=expected):
        run_manifest(
            "owner: acme\norg_standards: {}\nrepositories:\n  - name: a\n    npm: {}\n",
            config={"ghpublish:rulesets": rulesets},
            on_register=arrived.append,
        )
    assert arrived == []


def test_the_constructor_builds_the_same_org_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The package's hosts (and any program) may construct it whole; the ghpublish program
    # awaits `create`. Both register the same resources with the same inputs.
    from components import OrgPublishing, org_publishing
    from tools import bench
    from tools.mock_engine import run_program

    monkeypatch.setattr(org_publishing, "REGISTRATION_BATCH", 3)
    path = tmp_path / "publishing.yaml"
    path.write_text(bench.manifest(7), encoding="utf-8")

    def at_once() -> None:
        OrgPublishing("org", {"manifest": str(path)})

    async def batched() -> None:
        await OrgPublishing.create("org", {"manifest": str(path)})

    def registered(run: Run) -> list[tuple[str, object]]:
        return sorted((r.urn, r.plain_inputs) for r in run.registrations)  # type: ignore[arg-type]

    whole, in_batches = run_program(at_once, {}), run_program(batched, {})
    assert len(whole.of_type("ghpublish:index:PublishingRepository")) == 7
    assert registered(whole) == registered(in_batches)
