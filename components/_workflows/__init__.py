"""The workflows of the publishing standard: pure functions from spec to model.

A new workflow is a module here (a function returning a :class:`Workflow`) and a
golden file in ``tests/golden/``. No Pulumi import in this layer.
"""

from .common import READ_CODE, checkout, header
from .container import DOCKER_PUBLISH_PATH, SOURCE_LABEL, docker_publish, needs_qemu
from .pipeline import PIPELINE_PATHS, pipeline_workflows

__all__ = [
    "DOCKER_PUBLISH_PATH",
    "PIPELINE_PATHS",
    "READ_CODE",
    "SOURCE_LABEL",
    "checkout",
    "docker_publish",
    "header",
    "needs_qemu",
    "pipeline_workflows",
]
