"""The ghpublish stack: read config, build the org component, export its outputs."""

import os

import pulumi

from components import GhpublishError, OrgPublishing
from components._registry_credentials import stack_registry_config

config = pulumi.Config("ghpublish")
# The GitHub credential as the provider reads it: `github:token`, else `GITHUB_TOKEN` (the
# provider schema's default for `token`), which the pipeline's workflows set.
github_token = pulumi.Config("github").get_secret("token")
if github_token is None and os.environ.get("GITHUB_TOKEN"):
    github_token = pulumi.Output.secret(os.environ["GITHUB_TOKEN"])


async def main() -> pulumi.Inputs:
    """The org component (its repositories registered a batch at a time) and its outputs."""
    try:
        org = await OrgPublishing.create(
            "org",
            {
                "manifest": config.get("manifest") or "publishing.yaml",
                "github_token": github_token,
                # Per registry host its own credential (ghpublish:registryCredentials; the
                # older ghpublish:registryToken is ghcr.io's only): the GitHub token never.
                **stack_registry_config(config),  # type: ignore[typeddict-item]
                "shard": config.get("shard"),
                # The GitHub provider's ETag cache, kept between runs (README, GitHub API
                # budget): the config, else where the pipeline's workflows keep it.
                "github_cache_path": config.get("githubCachePath")
                or os.environ.get("GHPUBLISH_GITHUB_CACHE_PATH"),
                # Per repository, the commit its image's git ref points at: a moved ref
                # rebuilds.
                "revisions": config.get_object("revisions"),
                # Rulesets that exist already (retained elsewhere): imported by ID, not created.
                "rulesets": config.get_object("rulesets"),
                # `make rehearse` against a simulated GitHub: no image is built or pushed.
                "rehearsal": config.get_bool("rehearsal") or False,
            },
        )
    except GhpublishError as error:
        raise pulumi.RunError(str(error)) from None
    outputs: pulumi.Inputs = {"owner": org.owner, "repositories": org.repositories}
    if org.registry_logins:
        # Which config key each registry host gets: reviewable in plans, never a value.
        outputs["registryCredentials"] = org.registry_logins
    return outputs


pulumi.run(main)
