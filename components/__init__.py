"""ghpublish: Pulumi components that standardize how an org's repositories test and publish."""

from ._core._errors import GhpublishError, ManifestError, ManifestIssue
from ._manifest import load_manifest, parse_manifest
from .container_image import ContainerImage, ContainerImageArgs
from .container_publishing import (
    BuildFromPulumiArgs,
    ContainerPublishing,
    ContainerPublishingArgs,
    ContainerSettingsArgs,
)
from .gradle_publishing import GradlePublishing, GradlePublishingArgs, GradleSettingsArgs
from .manifest_pipeline import ManifestPipeline, ManifestPipelineArgs, PipelineSettingsArgs
from .maven_publishing import MavenPublishing, MavenPublishingArgs, MavenSettingsArgs
from .npm_publishing import NpmPublishing, NpmPublishingArgs
from .nuget_publishing import NuGetPublishing, NuGetPublishingArgs, NuGetSettingsArgs
from .org_publishing import OrgPublishing, OrgPublishingArgs
from .org_standards import OrgStandards, OrgStandardsArgs
from .publishing_repository import (
    ActionsSettingsArgs,
    EnvironmentSettingsArgs,
    NpmSettingsArgs,
    PublishingRepository,
    PublishingRepositoryArgs,
)
from .repository_standards import RepositoryStandards, RepositoryStandardsArgs
from .rubygems_publishing import RubyGemsPublishing, RubyGemsPublishingArgs, RubyGemsSettingsArgs

__all__ = [
    "ActionsSettingsArgs",
    "BuildFromPulumiArgs",
    "ContainerImage",
    "ContainerImageArgs",
    "ContainerPublishing",
    "ContainerPublishingArgs",
    "ContainerSettingsArgs",
    "EnvironmentSettingsArgs",
    "GhpublishError",
    "GradlePublishing",
    "GradlePublishingArgs",
    "GradleSettingsArgs",
    "ManifestError",
    "ManifestIssue",
    "ManifestPipeline",
    "ManifestPipelineArgs",
    "MavenPublishing",
    "MavenPublishingArgs",
    "MavenSettingsArgs",
    "NpmPublishing",
    "NpmPublishingArgs",
    "NpmSettingsArgs",
    "NuGetPublishing",
    "NuGetPublishingArgs",
    "NuGetSettingsArgs",
    "OrgPublishing",
    "OrgPublishingArgs",
    "OrgStandards",
    "OrgStandardsArgs",
    "PipelineSettingsArgs",
    "PublishingRepository",
    "PublishingRepositoryArgs",
    "RepositoryStandards",
    "RepositoryStandardsArgs",
    "RubyGemsPublishing",
    "RubyGemsPublishingArgs",
    "RubyGemsSettingsArgs",
    "load_manifest",
    "parse_manifest",
]
