"""ghpublish: Pulumi components that standardize how an org's repositories test and publish."""

from ._errors import GhpublishError, ManifestError, ManifestIssue
from ._manifest import load_manifest, parse_manifest
from .npm_publishing import NpmPublishing, NpmPublishingArgs
from .org_publishing import OrgPublishing, OrgPublishingArgs
from .publishing_repository import (
    NpmSettingsArgs,
    PublishingRepository,
    PublishingRepositoryArgs,
)

__all__ = [
    "GhpublishError",
    "ManifestError",
    "ManifestIssue",
    "NpmPublishing",
    "NpmPublishingArgs",
    "NpmSettingsArgs",
    "OrgPublishing",
    "OrgPublishingArgs",
    "PublishingRepository",
    "PublishingRepositoryArgs",
    "load_manifest",
    "parse_manifest",
]
