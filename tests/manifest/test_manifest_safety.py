"""Manifest safety (issue 21, findings 2, 7 and 8), each case with its exact message.

Control characters never reach GitHub or a generated file (finding 2); a command is one
command (finding 7: no NUL or ESC, no leading `VAR=value` or reserved word), reviewer IDs are
bounded and only YAML 1.2 is read; an error report stays short (finding 8: at most 50
problems, then a count; a value quoted at most 80 characters).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from conftest import errors, parse, synth

from components import ManifestError, parse_manifest
from components._core._workflow import render
from components._ecosystems.maven import maven_release

_CONTROL = "a control character that would change how the generated files read; remove it"
_NOT_ONE = (
    "is not a single command (shell syntax is not run, every word is quoted); put the steps"
    " in a package.json script and name it, such as 'npm run ci-test'"
)
_NOT_AN_ID = (
    "is not a GitHub ID; GitHub IDs are positive 64-bit integers and ghpublish passes them to"
    " the provider exactly up to 9,007,199,254,740,991 (2^53 - 1); copy the ID from `gh api`"
)


def _npm(command: str) -> str:
    return f"owner: acme\nrepositories:\n  - name: a\n    npm:\n      test_command: {command}\n"


def _reviewers(key: str, value: int) -> str:
    return (
        "owner: acme\nrepositories:\n  - name: a\n    npm: {}\n    environment:\n"
        f"      reviewers:\n        {key}: [{value}]\n    visibility: public\n"
    )


BAD: list[tuple[str, str, list[str]]] = [
    (
        "description-right-to-left-override",
        "owner: acme\nrepositories:\n  - name: a\n    description: 'abc\u202edef'\n",
        [
            "publishing.yaml:4: repositories[0].description: 'abc\\u202edef' holds U+202E"
            f" (RIGHT-TO-LEFT OVERRIDE), {_CONTROL}"
        ],
    ),
    (
        "command-nul",
        _npm('"npm\\0 test"'),
        [
            "publishing.yaml:5: repositories[0].npm.test_command: 'npm\\x00 test' holds U+0000"
            f" (a control character), {_CONTROL}"
        ],
    ),
    (
        "command-esc",
        _npm('"npm test \\e[31m"'),
        [
            "publishing.yaml:5: repositories[0].npm.test_command: 'npm test \\x1b[31m' holds"
            f" U+001B (a control character), {_CONTROL}"
        ],
    ),
    (
        "command-leading-assignment",
        _npm("LD_PRELOAD=x make"),
        [f"publishing.yaml:5: repositories[0].npm.test_command: 'LD_PRELOAD=x make' {_NOT_ONE}"],
    ),
    (
        "command-leading-reserved-word",
        _npm("if true; then make; fi"),
        [
            "publishing.yaml:5: repositories[0].npm.test_command: 'if true; then make; fi'"
            f" {_NOT_ONE}"
        ],
    ),
    (
        "command-leading-reserved-word-alone",
        _npm("if true"),
        [f"publishing.yaml:5: repositories[0].npm.test_command: 'if true' {_NOT_ONE}"],
    ),
    (
        "reviewer-id-2-to-the-53",
        _reviewers("users", 2**53),
        [
            "publishing.yaml:7: repositories[0].environment.reviewers.users[0]:"
            f" 9007199254740992 {_NOT_AN_ID}"
        ],
    ),
    (
        "reviewer-id-2-to-the-64",
        _reviewers("teams", 2**64),
        [
            "publishing.yaml:7: repositories[0].environment.reviewers.teams[0]:"
            f" 18446744073709551616 {_NOT_AN_ID}"
        ],
    ),
    (
        "yaml-1-1-directive",
        "%YAML 1.1\n---\nowner: acme\nrepositories: []\n",
        [
            "publishing.yaml:1: (file): declares %YAML 1.1; ghpublish reads YAML 1.2 (where 0x14"
            " and 1_0 are text), remove the directive"
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_unsafe_manifest_is_rejected_with_an_exact_message(text: str, expected: list[str]) -> None:
    assert errors(text) == expected


def test_the_largest_exact_reviewer_id_is_accepted() -> None:
    repo = parse(_reviewers("users", 2**53 - 1)).repositories[0]
    assert repo.environment.reviewer_users == (2**53 - 1,)


@pytest.mark.parametrize("directory", ["a b", "it's", '"quoted"', "$HOME", "a$(id)b"])
def test_maven_directory_is_one_word_of_the_default_test_command(directory: str) -> None:
    text = f"owner: acme\nrepositories:\n  - name: a\n    maven: {{directory: {directory!r}}}\n"
    repo = parse(text).repositories[0]
    pom = f"{directory}/pom.xml"
    assert repo.block("maven").test_command == ("mvn", "--batch-mode", "--file", pom, "verify")
    workflow = yaml.safe_load(render(maven_release(repo, "publishing.yaml")))
    (run,) = [
        s["run"] for j in workflow["jobs"].values() for s in j["steps"] if s.get("name") == "Test"
    ]
    assert shlex.split(run) == ["mvn", "--batch-mode", "--file", pom, "verify"]


def test_a_manifest_path_with_a_newline_is_refused_by_synth_before_anything_is_written(
    tmp_path: Path,
) -> None:
    manifest = tmp_path / "pub\nlishing.yaml"
    manifest.write_text("owner: acme\nrepositories:\n  - name: a\n", encoding="utf-8")
    out = tmp_path / "out"
    result = synth("--manifest", str(manifest), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{str(manifest)!r}: 1 error in the manifest",
        f"  {str(manifest)!r}: (file): the manifest's path 'pub\\nlishing.yaml' holds U+000A"
        " (a control character), a control character that would change how the generated"
        " files read; rename it",
    ]
    assert not out.exists(), "nothing is written for a manifest path that is refused"


def test_at_most_50_problems_are_listed_then_counted() -> None:
    # 200 unknown keys, 50 in each of 4 repositories (a mapping holds at most 100 keys).
    repos = "".join(
        f"  - name: a{r}\n" + "".join(f"    unknown{50 * r + i:03}: x\n" for i in range(50))
        for r in range(4)
    )
    with pytest.raises(ManifestError) as info:
        parse_manifest(f"owner: acme\nrepositories:\n{repos}", "publishing.yaml")
    lines = str(info.value).splitlines()
    assert lines[0] == "publishing.yaml: 200 errors in the manifest"
    assert len(info.value.issues) == 50 and info.value.more == 150
    assert len(lines) == 52
    assert lines[1].startswith("  publishing.yaml:4: repositories[0].unknown000: unknown key")
    assert lines[50].startswith("  publishing.yaml:53: repositories[0].unknown049: unknown key")
    assert all("repositories[0]." in line for line in lines[1:51])
    assert lines[-1] == "  … and 150 more"


def test_a_long_value_is_quoted_as_an_80_character_excerpt() -> None:
    # 19,990 characters over lines of 1,000 (a folded scalar joins them with spaces); a
    # longer value is refused before it is validated (tests/manifest/test_hostile_input.py).
    lines = "".join(f"      {'n' * 999}\n" for _ in range(20))
    text = f"owner: acme\nrepositories:\n  - name: >-\n{lines}"
    (message,) = errors(text)
    assert message == (
        f"publishing.yaml:3: repositories[0].name: {'n' * 80!r}… is not a repository name"
        " GitHub accepts; expected 1 to 100 letters, digits, '.', '-' or '_', not '.' or '..'"
        " and not ending in '.git'"
    )
    assert len(message) < 300


def test_a_megabyte_line_is_refused_before_it_is_read() -> None:
    text = f"owner: acme\nrepositories:\n  - name: {'n' * 1_000_000}\n"
    assert errors(text) == [
        "publishing.yaml:3: (file): has a line longer than 20,000 characters; a manifest line"
        " is far shorter (write long lists one item per line)"
    ]
