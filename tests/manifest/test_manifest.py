"""The manifest: defaults merged key by key, and every bad input named precisely."""

from __future__ import annotations

import json

import pytest
from conftest import errors, parse

from components import ManifestError
from tools.schema import SCHEMA_PATH, schema_text

GOOD = """\
owner: Acme-Corp
plan: enterprise
defaults:
  visibility: internal
  npm:
    node_version: 22
    release_types: [created]
repositories:
  - name: widgets
    npm: {}
  - name: gadgets
    visibility: public
    default_branch: trunk
    npm:
      node_version: "20.11"
      test_command: npm run test -- --grep "a b"
  - name: docs
    npm: false
"""


def test_defaults_merge_key_by_key_and_builtins_fill_the_rest() -> None:
    spec = parse(GOOD)
    widgets, gadgets, docs = spec.repositories
    assert (widgets.visibility, widgets.default_branch, widgets.adopt) == (
        "internal",
        "main",
        False,
    )
    assert widgets.npm is not None
    assert widgets.npm.package == "@acme-corp/widgets"
    assert widgets.npm.node_version == "22"
    assert widgets.npm.release_types == ("created",)
    assert widgets.npm.install_command == ("npm", "ci")
    assert widgets.npm.test_command == ("npm", "test")
    assert gadgets.visibility == "public" and gadgets.default_branch == "trunk"
    assert gadgets.npm is not None
    # The repository's own value wins; the rest of the block still comes from defaults.
    assert gadgets.npm.node_version == "20.11"
    assert gadgets.npm.release_types == ("created",)
    assert gadgets.npm.test_command == ("npm", "run", "test", "--", "--grep", "a b")
    assert docs.npm is None
    assert [r.path for r in spec.repositories] == [f"repositories[{i}]" for i in range(3)]


def test_no_defaults_block_uses_builtin_defaults() -> None:
    spec = parse("owner: acme\nrepositories:\n  - name: a\n    npm: {}\n")
    (repo,) = spec.repositories
    assert (repo.description, repo.visibility, repo.default_branch) == ("", "private", "main")
    assert repo.npm is not None
    assert (repo.npm.node_version, repo.npm.release_types) == ("24", ("published",))


def test_release_tag_pattern_defaults_to_v_and_is_inherited_key_by_key() -> None:
    spec = parse(
        """
        owner: acme
        defaults: {release_tag_pattern: "release-*"}
        repositories:
          - {name: a, npm: {}}
          - {name: b, npm: {}, release_tag_pattern: "b@*"}
        """
    )
    assert [r.release_tag_pattern for r in spec.repositories] == ["release-*", "b@*"]
    (plain,) = parse("owner: acme\nrepositories:\n  - name: a\n").repositories
    assert plain.release_tag_pattern == "v*"


def test_prerelease_tag_defaults_to_next_and_is_inherited() -> None:
    spec = parse(
        """
        owner: acme
        defaults: {npm: {prerelease_tag: beta}}
        repositories:
          - {name: a, npm: {}}
          - {name: b, npm: {prerelease_tag: rc}}
        """
    )
    assert [r.npm.prerelease_tag for r in spec.repositories] == ["beta", "rc"]
    (plain,) = parse("owner: acme\nrepositories:\n  - {name: a, npm: {}}\n").repositories
    assert plain.npm is not None and plain.npm.prerelease_tag == "next"


@pytest.mark.parametrize("tag", ["latest", "v1", "1.x", "Next", "", "next tag"])
def test_a_bad_prerelease_tag_is_refused(tag: str) -> None:
    text = f"owner: acme\nrepositories:\n  - name: a\n    npm: {{prerelease_tag: '{tag}'}}\n"
    assert errors(text) == [
        f"publishing.yaml:4: repositories[0].npm.prerelease_tag: {tag!r} is not a prerelease"
        " dist-tag; expected a lowercase name starting with a letter (letters, digits, '.', '-',"
        " '_'), not 'latest' and not a version range such as 'v1', such as 'next' or 'beta'"
    ]


_TAG_PATTERN_EXPECTED = (
    "is not a release tag pattern; expected a tag name with one '*' standing for the version"
    " (letters, digits, '.', '-', '_', '@', '+', '/', as git allows them), such as 'v*',"
    " 'release-*', 'widgets@*', 'v*-stable' or 'release/*'"
)


@pytest.mark.parametrize(
    "pattern",
    [
        "v1.0.0",
        "refs/tags/v*",
        "v *",
        "v*..*",
        "-v*",
        "v*/",
        "[0-9]*",
        "v*~1",
        "v?.*",
        "v*.*",
        "**",
    ],
)
def test_a_bad_release_tag_pattern_is_refused(pattern: str) -> None:
    text = f"owner: acme\ndefaults:\n  release_tag_pattern: '{pattern}'\nrepositories: []\n"
    assert errors(text) == [
        f"publishing.yaml:3: defaults.release_tag_pattern: {pattern!r} {_TAG_PATTERN_EXPECTED}"
    ]


BAD: list[tuple[str, str, list[str]]] = [
    (
        "typo-in-repository-key",
        "owner: acme\nrepositories:\n  - name: a\n    visibilty: public\n",
        [
            "publishing.yaml:4: repositories[0].visibilty: unknown key 'visibilty'; did you"
            " mean 'visibility'? expected one of: actions, adopt, container, default_branch,"
            " description, environment, features, gradle, maven, name, npm, nuget,"
            " properties, release_tag_pattern, rollout, rubygems, visibility"
        ],
    ),
    (
        "typo-in-npm-key",
        "owner: acme\nrepositories:\n  - name: a\n    npm:\n      pakage: x\n",
        [
            "publishing.yaml:5: repositories[0].npm.pakage: unknown key 'pakage'; did you mean"
            " 'package'? expected one of: enabled, install_command, node_version, package,"
            " prerelease_tag, release_types, test_command, visibility"
        ],
    ),
    (
        "typo-at-top-level",
        "owner: acme\nrepositorys: []\n",
        [
            "publishing.yaml:1: repositories: is required; add it",
            "publishing.yaml:2: repositorys: unknown key 'repositorys'; did you mean"
            " 'repositories'? expected one of: custom_properties, defaults,"
            " manifest_repository, org_standards, owner, plan, repositories, shards",
        ],
    ),
    (
        "package-in-defaults",
        "owner: acme\ndefaults:\n  npm:\n    package: '@acme/x'\nrepositories: []\n",
        [
            "publishing.yaml:4: defaults.npm.package: unknown key 'package'; expected one of:"
            " enabled, install_command, node_version, prerelease_tag, release_types, test_command,"
            " visibility"
        ],
    ),
    (
        "missing-owner",
        "repositories: []\n",
        ["publishing.yaml:1: owner: is required; add it"],
    ),
    (
        "missing-name",
        "owner: acme\nrepositories:\n  - description: x\n",
        ["publishing.yaml:3: repositories[0].name: is required; add it"],
    ),
    (
        "owner-not-a-login",
        "owner: -acme\nrepositories: []\n",
        [
            "publishing.yaml:1: owner: '-acme' is not a GitHub login; expected 1 to 39"
            " letters, digits or single hyphens, not starting or ending with a hyphen"
        ],
    ),
    (
        "repository-name-github-refuses",
        "owner: acme\nrepositories:\n  - name: my repo\n",
        [
            "publishing.yaml:3: repositories[0].name: 'my repo' is not a repository name"
            " GitHub accepts; expected 1 to 100 letters, digits, '.', '-' or '_', not '.' or"
            " '..' and not ending in '.git'"
        ],
    ),
    (
        "repository-name-too-long",
        "owner: acme\nrepositories:\n  - name: " + "a" * 101 + "\n",
        [
            # A value is quoted as an excerpt of its first 80 characters.
            "publishing.yaml:3: repositories[0].name: '" + "a" * 80 + "'… is not a"
            " repository name GitHub accepts; expected 1 to 100 letters, digits, '.', '-' or"
            " '_', not '.' or '..' and not ending in '.git'"
        ],
    ),
    (
        "repository-name-ending-in-git",
        "owner: acme\nrepositories:\n  - name: tools.git\n",
        [
            "publishing.yaml:3: repositories[0].name: 'tools.git' is not a repository name"
            " GitHub accepts; expected 1 to 100 letters, digits, '.', '-' or '_', not '.' or"
            " '..' and not ending in '.git'"
        ],
    ),
    (
        "duplicate-repository-case-insensitive",
        "owner: acme\nrepositories:\n  - name: Widgets\n  - name: widgets\n",
        [
            "publishing.yaml:4: repositories[1].name: 'widgets' is already declared at"
            " repositories[0] (names are case-insensitive on GitHub); remove one of them"
        ],
    ),
    (
        "visibility-not-allowed",
        "owner: acme\nrepositories:\n  - name: a\n    visibility: secret\n",
        [
            "publishing.yaml:4: repositories[0].visibility: 'secret' is not allowed; expected"
            " 'public', 'private' or 'internal'"
        ],
    ),
    (
        "adopt-wrong-type",
        "owner: acme\nrepositories:\n  - name: a\n    adopt: 'yes'\n",
        [
            "publishing.yaml:4: repositories[0].adopt: expected true or false, got 'yes' (a"
            " string); YAML reads only true and false as booleans"
        ],
    ),
    (
        "description-wrong-type",
        "owner: acme\nrepositories:\n  - name: a\n    description: 12\n",
        [
            "publishing.yaml:4: repositories[0].description: expected a string, got 12 (a whole number)"
        ],
    ),
    (
        "description-multiline",
        'owner: acme\nrepositories:\n  - name: a\n    description: "one\\ntwo"\n',
        [
            "publishing.yaml:4: repositories[0].description: 'one\\ntwo' holds U+000A (a"
            " control character), a control character that would change how the generated"
            " files read; remove it"
        ],
    ),
    (
        "branch-name-invalid",
        "owner: acme\nrepositories:\n  - name: a\n    default_branch: 'feature..x'\n",
        [
            "publishing.yaml:4: repositories[0].default_branch: 'feature..x' is not a valid"
            " branch name; expected letters, digits, '.', '-', '_' and '/' as git allows them,"
            " such as 'main'"
        ],
    ),
    (
        "repositories-not-a-list",
        "owner: acme\nrepositories:\n  name: a\n",
        ["publishing.yaml:2: repositories: expected a list, got a mapping"],
    ),
    (
        "npm-package-outside-scope",
        "owner: Acme\nrepositories:\n  - name: a\n  - name: b\n    npm:\n      package: '@other/b'\n",
        [
            "publishing.yaml:6: repositories[1].npm.package: '@other/b' is outside the owner's"
            " scope; expected '@acme/<name>' (GitHub Packages publishes npm packages only under"
            " the owner's scope)"
        ],
    ),
    (
        "npm-package-unscoped",
        "owner: acme\nrepositories:\n  - name: a\n    npm:\n      package: widgets\n",
        [
            "publishing.yaml:5: repositories[0].npm.package: 'widgets' is not a scoped npm"
            " package name; expected '@<owner>/<name>' in lowercase letters, digits, '-', '.',"
            " '_' or '~'"
        ],
    ),
    (
        "npm-default-package-invalid",
        "owner: acme\nrepositories:\n  - name: .github\n    npm: {}\n",
        [
            "publishing.yaml:4: repositories[0].npm: the default package name '@acme/.github'"
            " is not a valid npm name; set npm.package to a name such as '@acme/github'"
        ],
    ),
    (
        "npm-duplicate-package",
        "owner: acme\nrepositories:\n  - name: a\n    npm: {package: '@acme/x'}\n"
        "  - name: b\n    npm: {package: '@acme/x'}\n",
        [
            "publishing.yaml:6: repositories[1].npm.package: '@acme/x' is already published by"
            " repositories[0]; give each repository its own npm.package"
        ],
    ),
    (
        "node-version-invalid",
        "owner: acme\ndefaults:\n  npm:\n    node_version: latest-ish\nrepositories: []\n",
        [
            "publishing.yaml:4: defaults.npm.node_version: 'latest-ish' is not a Node.js"
            " version; expected a version such as '24' or '24.11' or an alias such as 'lts/*'"
        ],
    ),
    (
        "command-with-shell-syntax",
        "owner: acme\nrepositories:\n  - name: a\n    npm:\n      test_command: npm test && rm -rf /\n",
        [
            "publishing.yaml:5: repositories[0].npm.test_command: 'npm test && rm -rf /' is"
            " not a single command (shell syntax is not run, every word is quoted); put the"
            " steps in a package.json script and name it, such as 'npm run ci-test'"
        ],
    ),
    (
        "command-with-substitution",
        "owner: acme\nrepositories:\n  - name: a\n    npm:\n      install_command: npm ci $(id)\n",
        [
            "publishing.yaml:5: repositories[0].npm.install_command: 'npm ci $(id)' is not a"
            " single command (shell syntax is not run, every word is quoted); put the steps in"
            " a package.json script and name it, such as 'npm run ci-test'"
        ],
    ),
    (
        "command-unclosed-quote",
        'owner: acme\nrepositories:\n  - name: a\n    npm:\n      test_command: "npm test \'x"\n',
        [
            'publishing.yaml:5: repositories[0].npm.test_command: "npm test \'x" is not a'
            " command line (No closing quotation); close its quotes"
        ],
    ),
    (
        "release-type-unknown",
        "owner: acme\nrepositories:\n  - name: a\n    npm:\n      release_types: [deleted]\n",
        [
            "publishing.yaml:5: repositories[0].npm.release_types[0]: 'deleted' is not"
            " allowed; expected 'created', 'published', 'released' or 'prereleased'"
        ],
    ),
    (
        "release-types-empty",
        "owner: acme\nrepositories:\n  - name: a\n    npm:\n      release_types: []\n",
        [
            "publishing.yaml:5: repositories[0].npm.release_types: is empty; expected at least"
            " one item"
        ],
    ),
    (
        "expression-in-a-value",
        "owner: acme\nrepositories:\n  - name: a\n    description: 'x ${{ secrets.T }}'\n",
        [
            "publishing.yaml:4: repositories[0].description: 'x ${{ secrets.T }}' holds '${{',"
            " which GitHub Actions would evaluate as an expression; remove it (manifest values"
            " are never expressions)"
        ],
    ),
    (
        "duplicate-yaml-key",
        "owner: acme\nowner: other\nrepositories: []\n",
        [
            "publishing.yaml:2: (top level): is not valid YAML: while constructing a mapping"
            ' found duplicate key "owner" with value "other" (original value: "acme"); fix it'
        ],
    ),
    (
        "unclosed-double-quote",
        'owner: acme\ndefaults:\n  visibility: private\nrepositories:\n  - name: "widgets\n  - name: gadgets\n',
        [
            "publishing.yaml:5: (top level): is not valid YAML: "
            "this quoted string is never closed; end it with the quote it opens with (or remove the opening quote)"
        ],
    ),
    (
        "unclosed-single-quote",
        "owner: acme\nrepositories:\n  - name: 'widgets\n  - name: gadgets\n",
        [
            "publishing.yaml:3: (top level): is not valid YAML: "
            "this quoted string is never closed; end it with the quote it opens with (or remove the opening quote)"
        ],
    ),
    (
        "unclosed-bracket",
        "owner: acme\ntopics: [a, b\nrepositories:\n  - name: x\n",
        [
            "publishing.yaml:2: (top level): is not valid YAML: "
            "this [ list is never closed (or misses a comma between its items); end it with ] on the same line, or write it as an indented block"
        ],
    ),
    (
        "unclosed-brace",
        "owner: acme\nnpm: {a: 1\nrepositories:\n  - name: x\n",
        [
            "publishing.yaml:2: (top level): is not valid YAML: "
            "this { mapping is never closed (or misses a comma between its items); end it with } on the same line, or write it as an indented block"
        ],
    ),
    (
        "key-indented-less",
        "owner: acme\nrepositories:\n  - name: x\n   description: y\n",
        [
            "publishing.yaml:4: (top level): is not valid YAML: "
            "this line is indented differently from the lines it belongs with; indent every key of one mapping (and every item of one list) by the same number of spaces"
        ],
    ),
    (
        "key-indented-less-deeper",
        "owner: acme\nrepositories:\n  - name: x\n    npm:\n      package: a\n     node: 1\n",
        [
            "publishing.yaml:6: (top level): is not valid YAML: "
            "this line is indented differently from the lines it belongs with; indent every key of one mapping (and every item of one list) by the same number of spaces"
        ],
    ),
    (
        "key-indented-under-a-value",
        "owner: acme\ndefaults:\n  visibility: private\n    adopt: true\n",
        [
            "publishing.yaml:4: (top level): is not valid YAML: "
            "this line is indented deeper than the line above, which already has its value; indent it like the keys beside it (or quote a value holding ': ')"
        ],
    ),
    (
        "top-level-key-without-colon",
        "owner: acme\nrepositories\n  - name: x\n",
        [
            "publishing.yaml:2: (top level): is not valid YAML: "
            "this key has no colon; write 'key: value' (or 'key:' followed by its indented block)"
        ],
    ),
    (
        "key-without-colon-above-a-key",
        "owner: acme\ndefaults:\n  visibility private\n  adopt: true\n",
        [
            "publishing.yaml:3: (top level): is not valid YAML: "
            "this key has no colon; write 'key: value' (or 'key:' followed by its indented block)"
        ],
    ),
    (
        "key-without-colon-in-a-list-item",
        "owner: acme\nrepositories:\n  - name: x\n    description\n    adopt: true\n",
        [
            "publishing.yaml:4: (top level): is not valid YAML: "
            "this key has no colon; write 'key: value' (or 'key:' followed by its indented block)"
        ],
    ),
    (
        "ecosystem-block-true",
        "owner: acme\nrepositories:\n  - name: a\n    npm: true\n    container: true\n",
        [
            "publishing.yaml:4: repositories[0].npm: expected a mapping, got true (a boolean); write 'npm: {}' for every default",
            "publishing.yaml:5: repositories[0].container: expected a mapping, got true (a boolean); write 'container: {}' for every default",
        ],
    ),
    (
        "safe-settings-repository-block",
        "owner: acme\nrepository:\n  private: true\nrepositories: []\n",
        [
            "publishing.yaml:2: repository: unknown key 'repository'; settings every repository gets go under 'defaults' (a safe-settings 'repository' block), each repository's own under 'repositories'; expected one of: custom_properties, defaults, manifest_repository, org_standards, owner, plan, repositories, shards"
        ],
    ),
    (
        "other-tools-repository-keys",
        "owner: acme\nrepositories:\n  - name: a\n    private: false\n    has_wiki: false\n",
        [
            "publishing.yaml:4: repositories[0].private: unknown key 'private'; write 'visibility: public'; expected one of: actions, adopt, container, default_branch, description, environment, features, gradle, maven, name, npm, nuget, properties, release_tag_pattern, rollout, rubygems, visibility",
            "publishing.yaml:5: repositories[0].has_wiki: unknown key 'has_wiki'; write 'features: {wiki: false}'; expected one of: actions, adopt, container, default_branch, description, environment, features, gradle, maven, name, npm, nuget, properties, release_tag_pattern, rollout, rubygems, visibility",
        ],
    ),
    (
        "not-a-mapping",
        "- owner: acme\n",
        [
            "publishing.yaml:1: (top level): expected a mapping with keys owner, defaults and"
            " repositories, got a list"
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_manifest_is_rejected_with_an_exact_message(text: str, expected: list[str]) -> None:
    assert errors(text) == expected


def test_several_errors_are_reported_together_in_file_order() -> None:
    with pytest.raises(ManifestError) as info:
        parse(
            "owner: acme\nrepositories:\n  - name: 'a b'\n    visibility: hidden\n"
            "  - name: ok\n    adopt: 1\n"
        )
    message = str(info.value)
    assert message.splitlines()[0] == "publishing.yaml: 3 errors in the manifest"
    assert [line.split(":")[1] for line in message.splitlines()[1:]] == ["3", "4", "6"]


def test_missing_file_names_the_config_key(tmp_path) -> None:
    from components import load_manifest

    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path / "nope.yaml", "nope.yaml")
    assert str(info.value.issues[0]) == (
        "nope.yaml: (file): does not exist; create it or point the stack config"
        " 'ghpublish:manifest' (MANIFEST= for make) at the manifest"
    )


def test_committed_json_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), "run `make schema`"


def test_json_schema_forbids_unknown_keys_and_documents_fields() -> None:
    schema = json.loads(schema_text())
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"owner", "repositories"}
    repository = schema["$defs"]["Repository"]
    assert repository["additionalProperties"] is False
    assert repository["properties"]["name"]["description"]
