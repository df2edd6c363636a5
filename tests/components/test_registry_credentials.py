"""Registry credentials of images built by `pulumi up`: each host gets only its own (issue 21).

`ghpublish:registryCredentials` maps a registry host to {username, password}; the older
`ghpublish:registryToken` is the ghcr.io password only. The GitHub provider's token never
reaches a registry, a host without a credential (or with one it cannot take) stops the run
before anything registers, and plans name the config key each host gets, never its value.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import PROGRAM, SENTINEL, load_plan, synth

from tools import diff as diff_tool
from tools.mock_engine import REGISTRY_STAND_IN, SECRET, Run, mask, run_program

IMAGE = "docker-build:index:Image"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
GHCR_TOKEN = "ghp_GHCR0SENTINEL0do0not0leak0000000000000"
QUAY_TOKEN = "QUAY-SENTINEL-do-not-leak"
GHCR_KEY = 'ghpublish:registryCredentials["ghcr.io"].password'
QUAY_KEY = 'ghpublish:registryCredentials["quay.io"].password'

# One image built for ghcr.io, one for a third-party registry.
MANIFEST = """\
owner: Acme-Widgets
repositories:
  - name: cli
    container:
      build_from_pulumi: {ref: v1.0.0}
  - name: api
    container:
      registry: quay.io
      registry_username: quay-bot
      registry_password_secret: QUAY_PASSWORD
      build_from_pulumi: {ref: v2.0.0}
"""
GHCR_ONLY = MANIFEST.split("  - name: api")[0]


def run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config: dict[str, Any],
    manifest: str = MANIFEST,
    *,
    secret: bool = True,
    arrived: list[object] | None = None,
) -> Run:
    """The program on ``manifest`` with ``config`` (objects as JSON, every key but the
    manifest a secret unless ``secret`` is false)."""
    (tmp_path / "publishing.yaml").write_text(manifest, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    secret_keys = [k for k in values if k == "github:token" or secret]
    on_register = arrived.append if arrived is not None else None
    return run_program(
        PROGRAM,
        {"ghpublish:manifest": "publishing.yaml", **values},
        secret_keys,
        on_register=on_register,
    )


def refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config: dict[str, Any],
    manifest: str = MANIFEST,
    *,
    secret: bool = True,
) -> str:
    """The message a run is refused with; nothing was registered."""
    arrived: list[object] = []
    with pytest.raises(pulumi.RunError) as info:
        run(tmp_path, monkeypatch, config, manifest, secret=secret, arrived=arrived)
    assert arrived == [], "registered before the check"
    return str(info.value)


def registries(result: Run) -> dict[str, list[dict[str, Any]]]:
    """Each image's raw `registries` input (secrets still wrapped, values inside), by name."""
    return {r.name: r.inputs.get("registries") for r in result.of_type(IMAGE)}  # type: ignore[misc]


def password(registry: dict[str, Any]) -> Any:
    node = registry["password"]
    assert isinstance(node, dict) and SECRET_SIG in node, f"not a Pulumi secret: {node!r}"
    return node["value"]


BOTH = {
    "github:token": SENTINEL,
    "ghpublish:registryCredentials": {
        "ghcr.io": {"username": "release-bot", "password": GHCR_TOKEN},
        "quay.io": {"password": QUAY_TOKEN},
    },
}


def test_each_host_gets_only_its_own_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(tmp_path, monkeypatch, BOTH)
    found = registries(result)
    (ghcr,) = found["org-cli-image-image"]
    (quay,) = found["org-api-image-image"]
    assert (ghcr["address"], ghcr["username"], password(ghcr)) == (
        "ghcr.io",
        "release-bot",
        GHCR_TOKEN,
    )
    # The manifest's registry_username (the release workflow's login) is the host's user.
    assert (quay["address"], quay["username"], password(quay)) == (
        "quay.io",
        "quay-bot",
        QUAY_TOKEN,
    )
    assert GHCR_TOKEN not in json.dumps(quay) and QUAY_TOKEN not in json.dumps(ghcr)
    # Plans show the secrets masked, and which key each host gets.
    for r in result.of_type(IMAGE):
        assert r.plain_inputs["registries"][0]["password"] == SECRET
    assert result.outputs["registryCredentials"] == {"ghcr.io": GHCR_KEY, "quay.io": QUAY_KEY}
    shown = json.dumps([mask(r.inputs) for r in result.registrations]) + repr(result.outputs)
    for value in (SENTINEL, GHCR_TOKEN, QUAY_TOKEN):
        assert value not in shown


@pytest.mark.parametrize("source", ["github:token", "GITHUB_TOKEN"])
def test_the_github_token_reaches_no_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    config = dict(BOTH)
    if source == "GITHUB_TOKEN":
        del config["github:token"]
        monkeypatch.setenv("GITHUB_TOKEN", SENTINEL)
    result = run(tmp_path, monkeypatch, config)
    # Not in any registry's inputs, not even as a secret's value.
    assert SENTINEL not in json.dumps(registries(result))
    # It goes where it belongs: the provider, and BuildKit's read of the git URL on github.com.
    (provider,) = result.of_type("pulumi:providers:github")
    assert provider.inputs["token"]["value"] == SENTINEL
    for r in result.of_type(IMAGE):
        assert r.inputs["secrets"]["value"] == {"GIT_AUTH_TOKEN.github.com": SENTINEL}


def test_a_third_party_registry_without_a_credential_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {
        "github:token": SENTINEL,
        "ghpublish:registryCredentials": {"ghcr.io": {"password": GHCR_TOKEN}},
    }
    assert refused(tmp_path, monkeypatch, config) == (
        "ghpublish:registryCredentials has no credential for quay.io (images of api), where"
        " `pulumi up` pushes images (build_from_pulumi); set each: pulumi config set --secret"
        " --path 'ghpublish:registryCredentials[\"<host>\"].password' <password>. The GitHub"
        " token (github:token, GITHUB_TOKEN) is never sent to a registry"
    )


def test_the_registry_token_is_ghcr_ios_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before issue 21 this token went to every host; now a third-party host gets nothing.
    legacy = {
        "github:token": SENTINEL,
        "ghpublish:registryToken": GHCR_TOKEN,
        "ghpublish:registryUsername": "release-bot",
    }
    message = refused(tmp_path, monkeypatch, legacy)
    assert message.startswith(
        "ghpublish:registryCredentials has no credential for quay.io (images of api)"
    )
    # With quay.io's own credential beside it, each host gets its own.
    config = {**legacy, "ghpublish:registryCredentials": {"quay.io": {"password": QUAY_TOKEN}}}
    result = run(tmp_path, monkeypatch, config)
    found = registries(result)
    (ghcr,) = found["org-cli-image-image"]
    (quay,) = found["org-api-image-image"]
    assert (ghcr["username"], password(ghcr)) == ("release-bot", GHCR_TOKEN)
    assert password(quay) == QUAY_TOKEN and GHCR_TOKEN not in json.dumps(quay)
    assert result.outputs["registryCredentials"] == {
        "ghcr.io": "ghpublish:registryToken",
        "quay.io": QUAY_KEY,
    }


def test_ghcr_io_without_a_credential_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The GitHub token is there; it is not used implicitly, and no host Docker login either.
    config = {"github:token": SENTINEL, "ghpublish:registryCredentials": {}}
    assert refused(tmp_path, monkeypatch, config, GHCR_ONLY) == (
        "ghpublish:registryCredentials has no credential for ghcr.io (images of cli), where"
        " `pulumi up` pushes images (build_from_pulumi); set each: pulumi config set --secret"
        " --path 'ghpublish:registryCredentials[\"<host>\"].password' <password>; ghcr.io takes"
        " a personal access token (classic, ghp_…) with write:packages. The GitHub token"
        " (github:token, GITHUB_TOKEN) is never sent to a registry"
    )


@pytest.mark.parametrize(
    ("token", "what"),
    [
        (
            "github_pat_11AAAAAAA0abcdefghijklmnopqrstuvwxyz",
            "a fine-grained personal access token (github_pat_…)",
        ),
        ("ghs_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub App installation token (ghs_…)"),
        ("ghu_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub App user access token (ghu_…)"),
    ],
)
@pytest.mark.parametrize("key", ["registryCredentials", "registryToken"])
def test_a_token_ghcr_io_does_not_accept_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str, what: str, key: str
) -> None:
    if key == "registryToken":
        config: dict[str, Any] = {"ghpublish:registryToken": token}
        named = "ghpublish:registryToken"
    else:
        config = {"ghpublish:registryCredentials": {"ghcr.io": {"password": token}}}
        named = GHCR_KEY
    message = refused(tmp_path, monkeypatch, config, GHCR_ONLY)
    assert message == (
        f"{named} is {what}, which GitHub Packages (ghcr.io) does not accept; expected a"
        " personal access token (classic, ghp_…) with the write:packages scope"
    )
    assert token not in message


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"ghpublish:registryCredentials": ["ghcr.io"]},
            "ghpublish:registryCredentials: expected an object of registry host to {username,"
            ' password}, such as {"ghcr.io": {"username": "release-bot", "password": <secret>}};'
            " got list",
        ),
        (
            {"ghpublish:registryCredentials": {"ghcr.io": {"token": GHCR_TOKEN}}},
            "ghpublish:registryCredentials[\"ghcr.io\"]: unknown key 'token'; expected username"
            " and password",
        ),
        (
            {"ghpublish:registryCredentials": {"ghcr.io": {"username": "bot"}}},
            'ghpublish:registryCredentials["ghcr.io"].password: expected the registry\'s password'
            " or token, a non-empty string: pulumi config set --secret --path"
            " 'ghpublish:registryCredentials[\"ghcr.io\"].password' <password>",
        ),
        (
            {"ghpublish:registryCredentials": {"https://ghcr.io": {"password": GHCR_TOKEN}}},
            "ghpublish:registryCredentials[\"https://ghcr.io\"]: 'https://ghcr.io' is not a"
            " registry host; expected a lowercase host name with an optional port and no scheme"
            " or path, such as 'ghcr.io' or 'containers.example.com:5000'",
        ),
        (
            {
                "ghpublish:registryToken": GHCR_TOKEN,
                "ghpublish:registryCredentials": {"ghcr.io": {"password": GHCR_TOKEN}},
            },
            'ghpublish:registryToken and ghpublish:registryCredentials["ghcr.io"].password are'
            ' both set; keep ghpublish:registryCredentials["ghcr.io"].password'
            " (ghpublish:registryToken is the ghcr.io password only)",
        ),
        (
            {
                "ghpublish:registryUsername": "bot",
                "ghpublish:registryCredentials": {"ghcr.io": {"password": GHCR_TOKEN}},
            },
            "ghpublish:registryUsername is set without ghpublish:registryToken: it names the"
            ' ghcr.io user of that token only; set ghpublish:registryCredentials["ghcr.io"].username'
            ' and ghpublish:registryCredentials["ghcr.io"].password instead',
        ),
    ],
)
def test_bad_registry_config_is_refused_before_anything_registers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any], expected: str
) -> None:
    message = refused(tmp_path, monkeypatch, config, GHCR_ONLY)
    assert message == expected
    assert GHCR_TOKEN not in message


def test_a_password_in_plain_text_config_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = {"ghpublish:registryCredentials": {"ghcr.io": {"password": GHCR_TOKEN}}}
    assert refused(tmp_path, monkeypatch, plain, GHCR_ONLY, secret=False) == (
        "ghpublish:registryCredentials holds a password in plain text (Pulumi.<stack>.yaml);"
        " set each one as a secret: pulumi config set --secret --path"
        " 'ghpublish:registryCredentials[\"<host>\"].password' <password>"
    )
    token = {"ghpublish:registryToken": GHCR_TOKEN}
    assert refused(tmp_path, monkeypatch, token, GHCR_ONLY, secret=False) == (
        "ghpublish:registryToken is in plain text (Pulumi.<stack>.yaml); set it as a secret:"
        " pulumi config set --secret ghpublish:registryToken <token>, or better pulumi config"
        " set --secret --path 'ghpublish:registryCredentials[\"ghcr.io\"].password' <password>"
    )


def test_the_host_user_and_the_manifest_user_must_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {
        "ghpublish:registryCredentials": {
            "ghcr.io": {"password": GHCR_TOKEN},
            "quay.io": {"username": "other-bot", "password": QUAY_TOKEN},
        }
    }
    assert refused(tmp_path, monkeypatch, config) == (
        "ghpublish:registryCredentials[\"quay.io\"].username 'other-bot' is not"
        " repositories[1].container.registry_username 'quay-bot', which the release workflow"
        " logs in to quay.io with; set one user for the host"
    )
    # Without a user in config: the manifest's; for ghcr.io the owner login.
    del config["ghpublish:registryCredentials"]["quay.io"]["username"]
    found = registries(run(tmp_path, monkeypatch, config))
    assert found["org-api-image-image"][0]["username"] == "quay-bot"
    assert found["org-cli-image-image"][0]["username"] == "Acme-Widgets"


def test_a_host_no_image_pushes_to_is_not_sent_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {
        "ghpublish:registryCredentials": {
            "ghcr.io": {"password": GHCR_TOKEN},
            "quay.io": {"password": QUAY_TOKEN},
        }
    }
    result = run(tmp_path, monkeypatch, config, GHCR_ONLY)
    assert QUAY_TOKEN not in json.dumps(registries(result))
    assert result.outputs["registryCredentials"] == {"ghcr.io": GHCR_KEY}


def test_offline_runs_get_a_stand_in_per_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # synth, diff and the tests have no stack secrets: each host gets a placeholder.
    result = run(tmp_path, monkeypatch, {"github:token": SENTINEL})
    found = registries(result)
    assert [password(r[0]) for r in found.values()] == [REGISTRY_STAND_IN, REGISTRY_STAND_IN]
    assert SENTINEL not in json.dumps(found)


def test_plan_and_synth_name_the_key_each_host_gets(tmp_path: Path) -> None:
    manifest = tmp_path / "publishing.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    out = tmp_path / "out"
    result = synth(
        "--manifest", str(manifest), "--out", str(out), "--no-lint",
        env={"GHPUBLISH_SYNTH_TOKEN": SENTINEL},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert load_plan(out)["registryCredentials"] == {"ghcr.io": GHCR_KEY, "quay.io": QUAY_KEY}
    lines = [line for line in result.stdout.splitlines() if line.startswith("registry ")]
    assert lines == [
        f"registry ghcr.io: pushed to with {GHCR_KEY} only (never the GitHub token)",
        f"registry quay.io: pushed to with {QUAY_KEY} only (never the GitHub token)",
    ]
    assert SENTINEL not in result.stdout + result.stderr + (out / "plan.json").read_text()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_make_diff_names_the_key_each_host_gets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "manifests"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "publishing.yaml").write_text(GHCR_ONLY, encoding="utf-8")
    _git(repo, "add", "publishing.yaml")
    _git(repo, "commit", "-qm", "base")
    (repo / "publishing.yaml").write_text(MANIFEST, encoding="utf-8")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GHPUBLISH_SYNTH_TOKEN", raising=False)
    report = diff_tool.diff("HEAD", "publishing.yaml")
    assert report.credentials == [("ghcr.io", GHCR_KEY, ""), ("quay.io", QUAY_KEY, "new")]
    text = diff_tool.render_text(report)
    assert (
        "\nRegistry credentials (pulumi up sends each host only its own key, never the GitHub"
        " token):\n"
        f"  ghcr.io <- {GHCR_KEY}\n"
        f"  quay.io <- {QUAY_KEY} (new)\n"
    ) in text
    markdown = diff_tool.render_markdown(report)
    assert f"- `quay.io` ← `{QUAY_KEY}` (new)" in markdown
    # The only change to ghcr.io's image is none: the same stand-in on both sides.
    assert not [d for d in report.resources if d.resource.urn.endswith("org-cli-image-image")]
    assert re.search(r"Acme-Widgets/api: added \(create\)", text)


def test_diff_of_credential_keys_says_what_changed() -> None:
    base = {"ghcr.io": "ghpublish:registryToken", "quay.io": QUAY_KEY}
    head = {"ghcr.io": GHCR_KEY}
    assert diff_tool.credential_lines(base, head) == [
        ("ghcr.io", GHCR_KEY, "was ghpublish:registryToken"),
        ("quay.io", QUAY_KEY, "no longer used"),
    ]


def test_the_project_declares_no_registry_credential() -> None:
    # A declared default would go into every stack's config (and a secret object has no place
    # in Pulumi.yaml); undeclared, a stack without the key stops at the first host it lacks.
    import yaml
    from conftest import ROOT

    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    assert not {"registryCredentials", "registryToken", "registryUsername"} & set(declared)
