"""The registry: every ecosystem ghpublish publishes with, one line each.

An ecosystem is a folder of ``components/_ecosystems/`` (its manifest block, resolved
spec, resolution and workflow, importing only ``components/_core``) ending in an
:class:`Ecosystem` descriptor; listing it in ``ECOSYSTEMS`` is what makes the manifest,
the resolution, the org component and the pull-request checks know it (see
docs/contributing/adding-an-ecosystem.md). Only the manifest, the components and the
tools, above, import this.
"""

from ._core._ecosystem import Ecosystem
from ._ecosystems.container import CONTAINER
from ._ecosystems.gradle import GRADLE
from ._ecosystems.maven import MAVEN
from ._ecosystems.npm import NPM
from ._ecosystems.nuget import NUGET
from ._ecosystems.rubygems import RUBYGEMS

# In the order of the repository's blocks: packages, then the container image.
ECOSYSTEMS: tuple[Ecosystem, ...] = (NPM, MAVEN, GRADLE, NUGET, RUBYGEMS, CONTAINER)

__all__ = ["CONTAINER", "ECOSYSTEMS", "GRADLE", "MAVEN", "NPM", "NUGET", "RUBYGEMS", "Ecosystem"]
