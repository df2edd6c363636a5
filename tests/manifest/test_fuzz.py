"""Fuzzed safety: property tests over generated manifests (hypothesis).

Manifests with names at GitHub's limits, and descriptions, commands and settings full of
quotes, colons, `#`, line breaks, unicode, `${{` and YAML-special words (`on`, `yes`,
`null`, `0x1`):

- every VALID manifest synthesizes (the whole program, under the mock engine) into
  workflows that parse the same with a YAML 1.1 and a YAML 1.2 reader, are valid against
  the workflow JSON schema check-jsonschema ships, and hold no manifest text inside an
  expression;
- every INVALID one is rejected with a ManifestError naming the key at fault, and the
  program stops with the error `make synth` turns into exit 2.

`make test` runs a fixed, derandomized number of examples (profile "default"); `make fuzz`
runs many more, randomized (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import check_jsonschema
import jsonschema
import pulumi
import pytest
import yaml
from conftest import EXAMPLE, PROGRAM, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from components import ManifestError, parse_manifest
from components._core._fields import _ASSIGNMENT, _SHELL_RESERVED, control_problem
from components._core._workflow import expressions
from components._ecosystems.container._block import PLATFORMS, PULUMI_PLATFORMS
from tools.mock_engine import run_program
from tools.synth import files

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("default", max_examples=80, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=600, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
# The invalid examples are cheap (they stop at the manifest): four times as many.
VALID = settings(settings.get_profile(PROFILE))
INVALID = settings(
    settings.get_profile(PROFILE), max_examples=4 * settings.get_profile(PROFILE).max_examples
)

SCHEMA = Path(check_jsonschema.__file__).parent / "builtin_schemas/vendor/github-workflows.json"
WORKFLOW_VALIDATOR = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))

# ---------------------------------------------------------------------------
# Strategies.

YAML_SPECIAL = [
    "on",
    "yes",
    "no",
    "null",
    "Null",
    "~",
    "0x1",
    "0o17",
    "1e3",
    "1_000",
    "3.10",
    "true",
]
NASTY = [
    *YAML_SPECIAL,
    "#",
    " # x",
    "a: b",
    ": ",
    "'",
    '"',
    "it's",
    'say "hi"',
    "ü",
    "日本語",
    "🚀",
    "${{",
    "${{ secrets.GITHUB_TOKEN }}",
    "}}",
    "\\",
    "*alias",
    "&anchor",
    "!tag",
    "%TAG",
    "@at",
    "- item",
    "[a]",
    "{a: 1}",
    "|",
    ">",
    "?",
    "\t",
    "\n",
    "\r\n",
    "\u2028",
    "\x85",
    "\x00",
]
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Text made of nasty fragments and arbitrary unicode, newlines included.
free_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=12)), max_size=6
).map("".join)


def _no_control(text: str) -> bool:
    """No control character (C0, C1, line separators, bidi): the manifest refuses them."""
    return control_problem(text) is None


descriptions = free_text.filter(lambda t: _no_control(t) and "${{" not in t).map(
    lambda t: t[:350]
) | st.just("d" * 350)

logins = st.one_of(
    st.just("a"),
    st.just("A" + "b-c" * 12 + "de"),  # 39 characters, the limit
    st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}", fullmatch=True),
)


def _repo_name_ok(name: str) -> bool:
    return name not in {".", ".."} and not name.lower().endswith(".git")


repo_names = st.one_of(
    st.sampled_from(["on", "yes", "null", "0x1", "true", "a.b", "a_b", "-x", "x-"]),
    st.text(alphabet=ALNUM + "._-", min_size=100, max_size=100),  # the limit
    st.text(alphabet=ALNUM + "._-", min_size=1, max_size=100),
).filter(_repo_name_ok)

# Words of a command: anything but what makes it shell (operators, `$`, backticks, control
# characters, a leading reserved word or VAR=value).
command_words = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(max_size=8))
    .filter(lambda w: w and "$" not in w and "`" not in w and _no_control(w))
    # A word that IS a shell operator is refused even quoted (a conservative rule).
    .filter(lambda w: w.strip() not in {"&&", "||", ";", "|", "&", ">", ">>", "<", "<<", "(", ")"})
    .filter(lambda w: not set(w) <= set(" \t\r\x0b\x0c")),
    min_size=1,
    max_size=4,
).filter(lambda words: words[0] not in _SHELL_RESERVED and not _ASSIGNMENT.match(words[0]))
commands = command_words.map(shlex.join)

node_versions = st.sampled_from(["24", 22, "20.11", "20.11.1", "lts/*", "lts/iron"])
release_types = st.lists(
    st.sampled_from(["created", "published", "released", "prereleased"]),
    min_size=1,
    max_size=4,
)
branches = st.sampled_from(["main", "trunk", "release/v1", "on", "yes", "a.b_c-d", "x" * 255])


@st.composite
def npm_blocks(draw: st.DrawFn, owner: str, name: str) -> object:
    block: dict[str, Any] = {}
    for key, strategy in (
        ("node_version", node_versions),
        ("install_command", commands),
        ("test_command", commands),
        ("release_types", release_types),
    ):
        if draw(st.booleans()):
            block[key] = draw(strategy)
    default_package = f"@{owner.lower()}/{name.lower()}"
    if name[0] in "._" or draw(st.booleans()):
        tail = draw(st.from_regex(r"[a-z0-9][a-z0-9._~-]{0,40}", fullmatch=True))
        block["package"] = f"@{owner.lower()}/{tail}-{len(default_package)}{name.lower()[:5]}"
        block["package"] = re.sub(r"[^a-z0-9@/._~-]", "-", block["package"])
    return block


@st.composite
def container_blocks(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """A container block; with build_from_pulumi, platforms the Docker build provider builds
    (the image registration then goes through the provider contract too)."""
    pulumi_build = draw(st.booleans())
    allowed = [p for p in PLATFORMS if p in PULUMI_PLATFORMS] if pulumi_build else PLATFORMS
    block: dict[str, Any] = {
        "image": f"img-{index}",  # a repository's own name need not be an image name
        "platforms": draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=3)),
    }
    if draw(st.booleans()):
        block["build_args"] = {"APP_NOTE": draw(descriptions)}
    if draw(st.booleans()):
        block["context"] = draw(st.sampled_from(["app", "a/b", "."]))
    if pulumi_build:
        block["build_from_pulumi"] = draw(
            st.sampled_from(
                [
                    True,
                    {"ref": "v1.2.3"},
                    {"path": f"build/src-{index}"},
                    {"tags": ["a", "1.0"]},
                    {"cache": False},
                ]
            )
        )
    return block


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    """A manifest that is valid by construction, as plain data."""
    owner = draw(logins)
    names = draw(st.lists(repo_names, min_size=1, max_size=4, unique_by=str.lower))
    repositories = []
    packages: set[str] = set()
    for name in names:
        repo: dict[str, Any] = {"name": name}
        if draw(st.booleans()):
            repo["description"] = draw(descriptions)
        if draw(st.booleans()):
            repo["visibility"] = draw(st.sampled_from(["public", "private", "internal"]))
        if draw(st.booleans()):
            repo["default_branch"] = draw(branches)
        if draw(st.booleans()):
            repo["adopt"] = draw(st.booleans())
        if draw(st.booleans()) or name[0] in "._":
            npm = draw(npm_blocks(owner, name))
            package = npm.get("package", f"@{owner.lower()}/{name.lower()}")  # type: ignore[union-attr]
            if package in packages:
                npm["package"] = f"{package}-{len(packages)}"  # type: ignore[index]
            packages.add(npm.get("package", package))  # type: ignore[union-attr]
            repo["npm"] = npm
        if draw(st.integers(0, 3)) == 0:
            repo["container"] = draw(container_blocks(len(repositories)))
        repositories.append(repo)
    data: dict[str, Any] = {"owner": owner, "repositories": repositories}
    plan = draw(st.sampled_from([None, "free", "pro", "team", "enterprise"]))
    if plan is not None:
        data["plan"] = plan
    if plan != "enterprise":  # GitHub has internal repositories on Enterprise Cloud only
        for repo in repositories:
            if repo.get("visibility") == "internal":
                repo["visibility"] = "private"
    if plan == "free":  # environments (every release workflow's) only for public ones on Free
        for repo in repositories:
            repo["visibility"] = "public"
    if draw(st.booleans()):
        choices = ["public"] if plan == "free" else ["public", "private"]
        data["defaults"] = {"visibility": draw(st.sampled_from(choices))}
    if draw(st.booleans()):
        pipeline: dict[str, Any] = {"name": draw(st.sampled_from(names)).upper()}
        if draw(st.booleans()):
            pipeline["stack"] = draw(st.sampled_from(["org", "acme/prod", "a/b/c.d_e-f", "on"]))
        if draw(st.booleans()):
            pipeline["drift_schedule"] = draw(
                st.sampled_from(["0 0 * * *", "*/15 * * * *", "0 6 * JAN MON-FRI"])
            )
        if draw(st.booleans()):
            pipeline["python_version"] = draw(st.sampled_from(["3.11", "3.12", "3.13.1"]))
        data["manifest_repository"] = pipeline
    for repo in repositories:
        # An adopted repository's branch is GitHub's unless its entry names one; what names
        # the branch in generated text (the pipeline's workflows, a build of the default
        # branch) needs it named.
        build = (repo.get("container") or {}).get("build_from_pulumi")
        builds_branch = build is True or (
            isinstance(build, dict) and "ref" not in build and "path" not in build
        )
        holds_pipeline = repo["name"].upper() == data.get("manifest_repository", {}).get("name")
        if repo.get("adopt") and "default_branch" not in repo and (builds_branch or holds_pipeline):
            repo["default_branch"] = draw(branches)
    return data


_DUMPER = YAML(typ="safe", pure=True)
_DUMPER.width = 1 << 20
_DUMPER.allow_unicode = True
_DUMPER.default_flow_style = False


def dump(data: object) -> str:
    buf = io.StringIO()
    _DUMPER.dump(data, buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The checks.


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    if isinstance(node, str):
        return [node, *shlex.split(node)] if _splits(node) else [node]
    return []


def _splits(text: str) -> bool:
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


@cache
def baseline_expressions() -> frozenset[str]:
    """Expressions of the example manifest's files: the program's own vocabulary."""
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    try:
        run = run_program(PROGRAM, {"ghpublish:manifest": EXAMPLE.name})
    finally:
        mp.undo()
    return frozenset(e for text in files(run).values() for e in expressions(text))


def synthesize(text: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "publishing.yaml"
        path.write_text(text, encoding="utf-8")
        run = run_program(PROGRAM, {"ghpublish:manifest": str(path)})
    return files(run)


_YAML12 = YAML(typ="safe", pure=True)


def _same(a: object, b: object) -> bool:
    """YAML 1.1 (PyYAML) and 1.2 (ruamel) read the same document: `on:` aside."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys_a = {("on" if k is True else k): v for k, v in a.items()}
        return keys_a.keys() == b.keys() and all(_same(keys_a[k], b[k]) for k in b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def check_workflow(path: str, text: str, manifest_strings: set[str]) -> None:
    data12 = _YAML12.load(text)
    data11 = yaml.safe_load(text)
    assert _same(data11, data12), f"{path}: YAML 1.1 and 1.2 readers disagree"
    errors = sorted(WORKFLOW_VALIDATOR.iter_errors(data12), key=lambda e: list(e.path))
    assert not errors, f"{path}: {errors[0].message} at {list(errors[0].path)}"
    vocabulary = baseline_expressions()
    for expression in expressions(text):
        leaked = [
            s
            for s in manifest_strings
            if s in expression and not any(s in known for known in vocabulary)
        ]
        assert not leaked, f"{path}: manifest text {leaked} inside {expression!r}"


@VALID
@given(manifests())
def test_valid_manifests_synthesize_safe_workflows(data: dict[str, Any]) -> None:
    text = dump(data)
    spec = parse_manifest(text, "publishing.yaml")  # valid by construction
    assert [r.name for r in spec.repositories] == [r["name"] for r in data["repositories"]]
    generated = synthesize(text)
    strings = {s for s in _strings(data) if len(s) >= 4}
    workflows = {p: t for p, t in generated.items() if "/.github/workflows/" in p}
    assert len(workflows) >= sum(1 for r in data["repositories"] if "npm" in r)
    for path, content in workflows.items():
        check_workflow(path, content, strings)


# Mutations that make a valid manifest invalid: (what to change, the key path named).
def _repo_mutations(i: int) -> list[tuple[str, Any, str]]:
    at = f"repositories[{i}]"
    return [
        ("name", "x" * 101, f"{at}.name"),
        ("name", "widgets.git", f"{at}.name"),
        ("name", "a/b", f"{at}.name"),
        ("name", None, f"{at}.name"),
        ("description", "two\nlines", f"{at}.description"),
        ("description", "d" * 351, f"{at}.description"),
        ("description", "a ${{ github.token }}", f"{at}.description"),
        ("description", True, f"{at}.description"),
        ("visibility", "secret", f"{at}.visibility"),
        ("default_branch", "a..b", f"{at}.default_branch"),
        ("adopt", "yes", f"{at}.adopt"),
        ("descripton", "typo", f"{at}.descripton"),
        ("npm.test_command", "npm test; curl x | sh", f"{at}.npm.test_command"),
        ("npm.test_command", "npm test $(id)", f"{at}.npm.test_command"),
        ("npm.install_command", "npm ci 'unclosed", f"{at}.npm.install_command"),
        ("npm.install_command", "npm ci\nnpm test", f"{at}.npm.install_command"),
        ("npm.node_version", "latest", f"{at}.npm.node_version"),
        ("npm.release_types", [], f"{at}.npm.release_types"),
        ("npm.release_types", ["deleted"], f"{at}.npm.release_types[0]"),
        ("npm.package", "@someone-else/pkg", f"{at}.npm.package"),
        ("npm.package", "Not A Name", f"{at}.npm.package"),
        ("npm.registry", "x", f"{at}.npm.registry"),
    ]


_TOP_MUTATIONS: list[tuple[str, Any, str]] = [
    ("owner", "-bad-", "owner"),
    ("owner", "o" * 40, "owner"),
    ("owner", None, "owner"),
    ("repositories", "widgets", "repositories"),
    ("manifest_repository", {"name": "not-listed-anywhere"}, "manifest_repository.name"),
    ("manifest_repository", {"name": "x", "stack": "a b"}, "manifest_repository.stack"),
    ("manifest_repository", {"name": "x", "drift_schedule": "daily"}, "manifest_repository."),
    ("manifest_repository", {"name": "x", "python_version": 3.1}, "manifest_repository."),
    ("ownr", "typo", "ownr"),
]


def _set(node: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


@st.composite
def invalid_manifests(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    data = draw(manifests())
    if draw(st.booleans()):
        index = draw(st.integers(0, len(data["repositories"]) - 1))
        key, value, where = draw(st.sampled_from(_repo_mutations(index)))
        _set(data["repositories"][index], key, value)
    elif draw(st.booleans()) and len(data["repositories"]) > 1:
        second = data["repositories"][1]
        second["name"] = data["repositories"][0]["name"].swapcase()
        where = "repositories[1].name"
    else:
        key, value, where = draw(st.sampled_from(_TOP_MUTATIONS))
        data[key] = value
    return data, where


@INVALID
@given(invalid_manifests())
def test_invalid_manifests_are_rejected_naming_the_key(case: tuple[dict[str, Any], str]) -> None:
    data, where = case
    text = dump(data)
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "publishing.yaml")
    paths = [issue.path for issue in info.value.issues]
    assert any(p.startswith(where) for p in paths), f"expected {where!r} among {paths}"
    for issue in info.value.issues:
        assert issue.file == "publishing.yaml" and issue.message
        assert issue.path and (issue.path == "(top level)" or issue.path[0].isalpha())
    # The program refuses it too: the error `make synth` prints before exiting 2.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "publishing.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(pulumi.RunError) as stopped:
            run_program(PROGRAM, {"ghpublish:manifest": str(path)})
    assert f": {where}" in str(stopped.value)


@pytest.mark.parametrize("word", ["0o17", "1e3"])
def test_yaml_1_2_numbers_stay_strings(word: str) -> None:
    data = {"owner": "a", "repositories": [{"name": "w", "npm": {"test_command": word}}]}
    (workflow,) = synthesize(dump(data)).values()
    check_workflow("release-package.yml", workflow, set())
