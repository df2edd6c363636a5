"""Reading and validating ``publishing.yaml`` into the resolved :class:`OrgSpec`.

All validation and every manifest error live in this package, one module per concern:
``_load`` (YAML with line numbers, issue messages, parsing), ``_fields`` (shared field
rules), ``_repository`` (repository keys and standards), one module per block (``_npm``,
``_container``, ``_pipeline``, ``_shards``) and ``_document`` (the top-level model and
its resolution). The private names below are the field rules the components reuse.
"""

from __future__ import annotations

__all__ = [
    "RELEASE_TYPES",
    "Manifest",
    "default_tags",
    "load_manifest",
    "manifest_json_schema",
    "manifest_name",
    "matching_shards",
    "parse_manifest",
    "select_shard",
    "settings_spec",
    "staggered_schedule",
]

from ._container import _build_args as _build_args
from ._container import _image_name as _image_name
from ._container import _local_path as _local_path
from ._container import _platform as _platform
from ._container import _registry_host as _registry_host
from ._container import _stage as _stage
from ._container import _tag as _tag
from ._container import default_tags
from ._document import Manifest, manifest_json_schema
from ._fields import RELEASE_TYPES
from ._fields import _command as _command
from ._fields import _repo_path as _repo_path
from ._fields import _tag_pattern as _tag_pattern
from ._load import load_manifest, parse_manifest, settings_spec
from ._read import manifest_name
from ._shards import matching_shards, select_shard, staggered_schedule
