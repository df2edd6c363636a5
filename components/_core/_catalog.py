"""The one catalog of GitHub Actions the generated workflows use.

Each action is pinned to the full commit SHA of its current release, with the
inputs that release declares in its ``action.yml``. Renovate (``renovate.json``)
proposes upgrades by rewriting a pin's ``owner/repo@<sha> # vX.Y.Z`` line; check the
release's inputs against its row here and regenerate the golden files.
"""

from __future__ import annotations

__all__ = ["CATALOG", "GITHUB_OWNED", "PIN_LINE", "VERIFIED_CREATORS", "ActionPin", "pin"]

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionPin:
    """One action at one release, pinned by commit."""

    action: str
    version: str
    sha: str
    inputs: frozenset[str]

    @property
    def uses(self) -> str:
        return f"{self.action}@{self.sha}"


# A pin: `owner/repo@<full commit SHA> # vX.Y.Z`, one line each, the form Renovate's regex
# manager (renovate.json) reads and updates; a test keeps every pin in this form.
PIN_LINE = re.compile(
    r"(?P<action>[A-Za-z0-9-]+/[A-Za-z0-9._/-]+)@(?P<sha>[0-9a-f]{40})"
    r" # (?P<version>v\d+\.\d+\.\d+)"
)


def _pin(line: str, inputs: str) -> ActionPin:
    found = PIN_LINE.fullmatch(line)
    if found is None:
        raise ValueError(f"{line!r} is not a pin; expected 'owner/repo@<full SHA> # vX.Y.Z'")
    return ActionPin(found["action"], found["version"], found["sha"], frozenset(inputs.split()))


# create-github-app-token's inputs: its own, and one `permission-<name>` per GitHub App
# permission (generated in its action.yml).
_APP_PERMISSIONS = (
    "actions administration artifact-metadata attestations checks codespaces contents"
    " custom-properties-for-organizations dependabot-secrets deployments discussions"
    " email-addresses enterprise-custom-properties-for-organizations environments followers"
    " git-ssh-keys gpg-keys interaction-limits issues members merge-queues metadata"
    " organization-administration organization-announcement-banners"
    " organization-copilot-seat-management organization-custom-org-roles"
    " organization-custom-properties organization-custom-roles organization-events"
    " organization-hooks organization-packages"
    " organization-personal-access-token-requests organization-personal-access-tokens"
    " organization-plan organization-projects organization-secrets"
    " organization-self-hosted-runners organization-user-blocking packages pages profile"
    " pull-requests repository-custom-properties repository-hooks repository-projects"
    " secret-scanning-alerts secrets security-events single-file starring statuses"
    " team-discussions vulnerability-alerts workflows"
)
_APP_TOKEN_INPUTS = " ".join(
    [
        "app-id client-id github-api-url owner private-key repositories skip-token-revoke",
        *(f"permission-{name}" for name in _APP_PERMISSIONS.split()),
    ]
)

# Sorted by action name; a test keeps it sorted and checks it against the actions' own files.
# Owners of the catalog's actions that GitHub does not own, which GitHub Marketplace shows
# as verified creators. Outside Enterprise Cloud, GitHub applies allowed-actions patterns to
# public repositories only: a private repository's workflows run these through
# `verified_allowed` (README, "What the plan allows"). A new owner here must be one too.
# Owners whose actions GitHub counts as GitHub-owned (`github_owned_allowed`).
GITHUB_OWNED = frozenset({"actions", "github"})
VERIFIED_CREATORS = frozenset({"docker", "pulumi"})

CATALOG: dict[str, ActionPin] = {
    p.action: p
    for p in (
        _pin(
            "actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2",
            "create-storage-record github-token predicate predicate-path predicate-type"
            " push-to-registry sbom-path show-summary subject-checksums subject-digest"
            " subject-name subject-path subject-version",
        ),
        _pin(
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
            "allow-unsafe-pr-checkout clean fetch-depth fetch-tags filter github-server-url lfs"
            " path persist-credentials ref repository set-safe-directory show-progress"
            " sparse-checkout sparse-checkout-cone-mode ssh-key ssh-known-hosts ssh-strict"
            " ssh-user submodules token",
        ),
        _pin(
            "actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3 # v3.1.1",
            _APP_TOKEN_INPUTS,
        ),
        _pin(
            "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1",
            "artifact-ids digest-mismatch github-token merge-multiple name path pattern"
            " repository run-id skip-decompress",
        ),
        _pin(
            "actions/setup-dotnet@a98b56852c35b8e3190ac28c8c2271da59106c68 # v6.0.0",
            "architecture cache cache-dependency-path config-file dotnet-channel dotnet-quality"
            " dotnet-version global-json-file owner source-url workloads",
        ),
        _pin(
            "actions/setup-java@b6effb05e454b25005698d916606bdc6ffcbf961 # v5.7.0",
            "architecture cache cache-dependency-path check-latest distribution gpg-passphrase"
            " gpg-private-key java-package java-version java-version-file jdk-file jdkFile"
            " job-status mvn-toolchain-id mvn-toolchain-vendor overwrite-settings server-id"
            " server-password server-username set-default settings-path show-download-progress"
            " token verify-signature verify-signature-public-key",
        ),
        _pin(
            "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0",
            "architecture cache cache-dependency-path check-latest mirror mirror-token"
            " node-version node-version-file package-manager-cache registry-url scope token",
        ),
        _pin(
            "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0",
            "allow-prereleases architecture cache cache-dependency-path check-latest"
            " freethreaded pip-version python-version python-version-file token"
            " update-environment",
        ),
        _pin(
            "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
            "archive compression-level if-no-files-found include-hidden-files name overwrite"
            " path retention-days",
        ),
        _pin(
            "docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0",
            "add-hosts allow annotations attests build-args build-contexts builder cache-from"
            " cache-to call cgroup-parent context file github-token labels load network"
            " no-cache no-cache-filters outputs platforms provenance pull push sbom"
            " secret-envs secret-files secrets shm-size ssh tags target ulimit",
        ),
        _pin(
            "docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0",
            "ecr logout password registry registry-auth scope username",
        ),
        _pin(
            "docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302 # v6.2.0",
            "annotations bake-target context flavor github-token images labels sep-annotations"
            " sep-labels sep-tags tags",
        ),
        _pin(
            "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0",
            "append buildkitd-config buildkitd-config-inline buildkitd-flags cache-binary"
            " cleanup driver driver-opts endpoint keep-state name platforms use version",
        ),
        _pin(
            "docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8 # v4.2.0",
            "cache-image image platforms reset",
        ),
        _pin(
            "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0",
            "always-include-summary cloud-url color command comment-on-pr comment-on-pr-number"
            " comment-on-summary config-map continue-on-error debug diff edit-pr-comment exclude"
            " exclude-dependents exclude-protected expect-no-changes github-token log-flow"
            " log-verbosity message parallel plan policyPackConfigs policyPacks pulumi-version"
            " pulumi-version-file refresh remove replace secrets-provider stack-name"
            " suppress-outputs suppress-progress target target-dependents upsert work-dir",
        ),
    )
}


def pin(action: str) -> ActionPin:
    """The catalog's pin of ``action`` (``owner/repo``)."""
    return CATALOG[action]
