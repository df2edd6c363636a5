"""The program's behaviour, byte for byte, against the committed digests.

`tests/fixtures/behaviour-digests.json` holds the sha256 of every `plan.json` and generated
file `make synth` writes for the example manifest, each shard of `examples/sharded` and the
fuzzed manifests of `tests/fixtures/behaviour/`, of every golden file and of the schemas
(tools/behaviour.py). A reshape of the code must leave all of them as they are; a change of
behaviour regenerates them (`python -m tools.behaviour`) in a commit that says why.
"""

from __future__ import annotations

import json

from tools.behaviour import DIGESTS, compute


def test_behaviour_is_byte_identical() -> None:
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))
    actual = compute()
    for section in ("golden", "schema"):
        assert actual[section] == expected[section], section
    assert actual["synth"].keys() == expected["synth"].keys()
    for name, digests in expected["synth"].items():
        assert actual["synth"][name] == digests, f"synth output of {name} changed"
