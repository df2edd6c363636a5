"""The workflows of the publishing standard: pure functions from spec to model.

A new workflow is a module here (a function returning a :class:`Workflow`) and a
golden file in ``tests/golden/``. No Pulumi import in this layer.
"""

from .common import READ_CODE, checkout, header
from .npm import NPM_REGISTRY, RELEASE_PACKAGE_PATH, npm_release

__all__ = ["NPM_REGISTRY", "READ_CODE", "RELEASE_PACKAGE_PATH", "checkout", "header", "npm_release"]
