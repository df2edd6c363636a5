"""The ghpublish stack: read config, build the org component, export its outputs."""

import pulumi

from components import GhpublishError, OrgPublishing

config = pulumi.Config("ghpublish")
try:
    org = OrgPublishing(
        "org",
        {
            "manifest": config.get("manifest") or "publishing.yaml",
            "github_token": pulumi.Config("github").get_secret("token"),
            "registry_token": config.get_secret("registryToken"),
            "registry_username": config.get("registryUsername"),
            "shard": config.get("shard"),
        },
    )
except GhpublishError as error:
    raise pulumi.RunError(str(error)) from None

pulumi.export("owner", org.owner)
pulumi.export("repositories", org.repositories)
