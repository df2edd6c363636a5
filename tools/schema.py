"""Write the manifest's JSON Schema (schema/publishing.schema.json) for editors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from components._manifest import manifest_json_schema

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "publishing.schema.json"


def schema_text() -> str:
    return json.dumps(manifest_json_schema(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
