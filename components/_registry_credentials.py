"""The credentials images built by `pulumi up` push with: one per registry host, from stack
config, checked before anything registers.

Each registry host gets only the credential configured for it (`ghpublish:registryCredentials`,
host → {username, password}; `ghpublish:registryToken` is the ghcr.io password only). The
GitHub provider's token (`github:token`, `GITHUB_TOKEN`) is never sent to a registry: GitHub
Packages takes a personal access token (classic), which the provider's recommended tokens
(fine-grained, a GitHub App's) are not, and any other host must never see it.
"""

from __future__ import annotations

__all__ = [
    "CONFIG_KEY",
    "LEGACY_TOKEN_KEY",
    "LEGACY_USERNAME_KEY",
    "RegistryLogin",
    "password_key",
    "registry_logins",
    "stack_registry_config",
    "username_key",
]

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from ._core._errors import ConfigError
from ._core._spec import OrgSpec
from ._ecosystems.container._spec import GHCR
from ._manifest import _registry_host

CONFIG_KEY = "ghpublish:registryCredentials"
LEGACY_TOKEN_KEY = "ghpublish:registryToken"
LEGACY_USERNAME_KEY = "ghpublish:registryUsername"

# What GitHub Packages refuses: it takes a personal access token (classic), `ghp_…`, with
# `write:packages` (and a workflow's own GITHUB_TOKEN, which never belongs in stack config).
_REFUSED_ON_GHCR = (
    ("github_pat_", "a fine-grained personal access token (github_pat_…)"),
    ("ghs_", "a GitHub App installation token (ghs_…)"),
    ("ghu_", "a GitHub App user access token (ghu_…)"),
)


def password_key(host: str) -> str:
    """The config key (`--path` syntax) of one host's password."""
    return f'{CONFIG_KEY}["{host}"].password'


def username_key(host: str) -> str:
    """The config key (`--path` syntax) of one host's user name."""
    return f'{CONFIG_KEY}["{host}"].username'


def _set_command(host: str) -> str:
    return f"pulumi config set --secret --path '{password_key(host)}' <password>"


@dataclass(frozen=True)
class RegistryLogin:
    """The credential one registry host gets: never its value in any message or output."""

    host: str
    password: Any  # a plain string (checked) or an Output, sent as a Pulumi secret only
    key: str  # the config key it comes from
    username: str | None  # from config; else the manifest's registry_username, else the owner


def stack_registry_config(config: pulumi.Config) -> dict[str, Any]:
    """The registry credential keys the stack sets, as `OrgPublishing` arguments. Values are
    plain here so that they can be checked before anything registers; every one is sent as
    a Pulumi secret. A password stored in plain text in the stack's file is refused."""
    args: dict[str, Any] = {}
    credentials = config.get_object("registryCredentials")
    if credentials is not None:
        holds_password = isinstance(credentials, Mapping) and any(
            isinstance(entry, Mapping) and "password" in entry for entry in credentials.values()
        )
        if holds_password and not pulumi.runtime.is_config_secret(CONFIG_KEY):
            raise ConfigError(
                f"{CONFIG_KEY} holds a password in plain text (Pulumi.<stack>.yaml); set each"
                f" one as a secret: {_set_command('<host>')}"
            )
        args["registry_credentials"] = credentials
    token = config.get("registryToken")
    if token is not None:
        if not pulumi.runtime.is_config_secret(LEGACY_TOKEN_KEY):
            raise ConfigError(
                f"{LEGACY_TOKEN_KEY} is in plain text (Pulumi.<stack>.yaml); set it as a secret:"
                f" pulumi config set --secret {LEGACY_TOKEN_KEY} <token>, or better"
                f" {_set_command(GHCR)}"
            )
        args["registry_token"] = token
    username = config.get("registryUsername")
    if username is not None:
        args["registry_username"] = username
    return args


def _entries(given: object) -> dict[str, RegistryLogin]:
    """`ghpublish:registryCredentials`, checked: host → {username?, password}."""
    if not isinstance(given, Mapping):
        raise ConfigError(
            f"{CONFIG_KEY}: expected an object of registry host to {{username, password}},"
            f' such as {{"ghcr.io": {{"username": "release-bot", "password": <secret>}}}};'
            f" got {type(given).__name__}"
        )
    logins: dict[str, RegistryLogin] = {}
    for host in sorted(given, key=str):
        entry = given[host]
        where = f'{CONFIG_KEY}["{host}"]'
        try:
            _registry_host(str(host))
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
        if not isinstance(entry, Mapping):
            raise ConfigError(
                f"{where}: expected {{username, password}} (password a secret); got"
                f" {type(entry).__name__}"
            )
        unknown = sorted(set(map(str, entry)) - {"username", "password"})
        if unknown:
            raise ConfigError(
                f"{where}: unknown key {unknown[0]!r}; expected username and password"
            )
        password = entry.get("password")
        if not isinstance(password, str) or not password:
            raise ConfigError(
                f"{password_key(host)}: expected the registry's password or token, a"
                f" non-empty string: {_set_command(host)}"
            )
        username = entry.get("username")
        if username is not None and (not isinstance(username, str) or not username.strip()):
            raise ConfigError(
                f"{username_key(host)}: expected a user name, a non-empty string (default: the"
                " repository's container.registry_username, else the owner login)"
            )
        logins[host] = RegistryLogin(host, password, password_key(host), username)
    return logins


def _check_ghcr(login: RegistryLogin) -> None:
    if not isinstance(login.password, str):
        return  # an Output: known at `pulumi up` only
    for prefix, what in _REFUSED_ON_GHCR:
        if login.password.startswith(prefix):
            raise ConfigError(
                f"{login.key} is {what}, which GitHub Packages ({GHCR}) does not accept;"
                " expected a personal access token (classic, ghp_…) with the write:packages"
                " scope"
            )


def registry_logins(
    spec: OrgSpec,
    credentials: object = None,
    token: Any = None,
    username: str | None = None,
) -> dict[str, RegistryLogin]:
    """The login of every registry host an image built by `pulumi up` in this stack pushes
    to, in host order; a `ConfigError` when one has none or one that cannot work there."""
    hosts: dict[str, list[str]] = {}
    for repo in spec.repositories:
        if repo.container is not None and repo.container.build_from_pulumi is not None:
            hosts.setdefault(repo.container.registry, []).append(repo.name)
    given = _entries(credentials) if credentials is not None else {}
    if token is not None:
        if GHCR in given:
            raise ConfigError(
                f"{LEGACY_TOKEN_KEY} and {password_key(GHCR)} are both set; keep"
                f" {password_key(GHCR)} ({LEGACY_TOKEN_KEY} is the {GHCR} password only)"
            )
        given[GHCR] = RegistryLogin(GHCR, token, LEGACY_TOKEN_KEY, username)
    elif username is not None:
        raise ConfigError(
            f"{LEGACY_USERNAME_KEY} is set without {LEGACY_TOKEN_KEY}: it names the {GHCR} user"
            f" of that token only; set {username_key(GHCR)} and {password_key(GHCR)} instead"
        )
    missing = [host for host in sorted(hosts) if host not in given]
    if missing:
        which = " or ".join(f"{host} (images of {', '.join(hosts[host])})" for host in missing)
        ghcr = (
            f"; {GHCR} takes a personal access token (classic, ghp_…) with write:packages"
            if GHCR in missing
            else ""
        )
        raise ConfigError(
            f"{CONFIG_KEY} has no credential for {which}, where `pulumi up` pushes images"
            f" (build_from_pulumi); set each: {_set_command('<host>')}{ghcr}. The GitHub token"
            " (github:token, GITHUB_TOKEN) is never sent to a registry"
        )
    logins = {host: given[host] for host in sorted(hosts)}
    if GHCR in logins:
        _check_ghcr(logins[GHCR])
    return logins
