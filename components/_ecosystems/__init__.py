"""The package ecosystems ghpublish publishes to GitHub Packages, one module each.

An ecosystem module holds its manifest block (the pydantic models under `defaults` and
under a repository), its resolved spec, its workflow and its :class:`Ecosystem`
descriptor; registering it here is what makes the manifest, the resolution, the org
component and the pull-request checks know it (see the README's layout section).
"""

from ._ecosystem import Ecosystem
from .container import CONTAINER
from .gradle import GRADLE
from .maven import MAVEN
from .npm import NPM
from .nuget import NUGET
from .rubygems import RUBYGEMS

# In the order of the repository's blocks: packages, then the container image.
ECOSYSTEMS: tuple[Ecosystem, ...] = (NPM, MAVEN, GRADLE, NUGET, RUBYGEMS, CONTAINER)

__all__ = ["CONTAINER", "ECOSYSTEMS", "GRADLE", "MAVEN", "NPM", "NUGET", "RUBYGEMS", "Ecosystem"]
