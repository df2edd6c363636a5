"""Reading and validating ``publishing.yaml`` into the resolved :class:`OrgSpec`.

The manifest sits above the registry: its models are built from the registered ecosystems'
blocks. One module per concern: ``_read`` and ``_load`` (YAML with line numbers, issue
messages, parsing), ``_repository`` (repository keys and standards), ``_pipeline`` (with
``_pipeline_workflows``), ``_shards``, ``_plan`` and ``_document`` (the top-level model and
its resolution). The private names below are field rules the components reuse (the
container's from its ecosystem, ``components/_ecosystems/container/_block.py``).
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

from .._core._fields import RELEASE_TYPES
from .._core._fields import _command as _command
from .._core._fields import _repo_path as _repo_path
from .._core._fields import _tag_pattern as _tag_pattern
from .._ecosystems.container._block import _build_args as _build_args
from .._ecosystems.container._block import _image_name as _image_name
from .._ecosystems.container._block import _local_path as _local_path
from .._ecosystems.container._block import _platform as _platform
from .._ecosystems.container._block import _registry_host as _registry_host
from .._ecosystems.container._block import _stage as _stage
from .._ecosystems.container._block import _tag as _tag
from .._ecosystems.container._block import default_tags
from ._document import Manifest, manifest_json_schema
from ._load import load_manifest, parse_manifest, settings_spec
from ._read import manifest_name
from ._shards import matching_shards, select_shard, staggered_schedule
