// Package provider describes how ghpublish bridges terraform-provider-github into the Pulumi
// package "github": the same tokens, property names and configuration defaults as the
// published pulumi-github 6.15.0, so its Python SDK (pulumi_github) talks to this plugin.
package provider

import (
	"github.com/integrations/terraform-provider-github/v6/github"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

// Version is the Pulumi package version this build answers as; set with
// -ldflags "-X ghpublish.local/engine/github/provider.Version=...".
var Version = "6.15.0"

// Package is the Pulumi package name; Module its single module.
const (
	Package = "github"
	Module  = "index"
)

// Info is the bridge description of the provider.
//
// Every Terraform resource "github_<name>" becomes "github:index/<camelName>:<PascalName>"
// (tokens.MakeStandard in one module); that already yields each published token, so no
// resource needs a Tok of its own. The published build also replays its token and
// max-items-one history (MustApplyAutoAliases over its bridge metadata file); we have no such
// history, and instead the mapping of the resources ghpublish uses is checked against the
// published schema (ghpublish-github-gen -dump-mapping, tests/test_engine_build.py).
func Info() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(github.NewProvider(Version, "")()),
		Name:    Package,
		Version: Version,

		Description:             "A Pulumi package for creating and managing GitHub resources (ghpublish build).",
		Keywords:                []string{"pulumi", "github"},
		License:                 "Apache-2.0",
		GitHubOrg:               "integrations",
		TFProviderModuleVersion: "v6",
		Config: map[string]*tfbridge.SchemaInfo{
			"base_url": {Default: &tfbridge.DefaultInfo{
				EnvVars: []string{"GITHUB_BASE_URL"},
				Value:   "https://api.github.com/",
			}},
			"token": {
				Default: &tfbridge.DefaultInfo{EnvVars: []string{"GITHUB_TOKEN"}},
				Secret:  tfbridge.True(),
			},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			// terraform-provider-github now declares reviewers as a block of at most one; the
			// published package keeps the list it has always had (pulumi_github sends a list).
			"github_repository_environment": {Fields: map[string]*tfbridge.SchemaInfo{
				"reviewers": {MaxItemsOne: tfbridge.False()},
			}},
			// Replacement order and replace-on-change settings of the published provider.
			"github_actions_environment_secret":     {DeleteBeforeReplace: true},
			"github_repository_collaborator":        {DeleteBeforeReplace: true},
			"github_repository_deploy_key":          {DeleteBeforeReplace: true},
			"github_repository_autolink_reference":  {DeleteBeforeReplace: true},
			"github_actions_organization_secret":    replaceOnSelectedRepositories(),
			"github_codespaces_organization_secret": replaceOnSelectedRepositories(),
			"github_dependabot_organization_secret": replaceOnSelectedRepositories(),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			// The one data source whose published name is not the standard one.
			"github_app": {Tok: tfbridge.MakeDataSource(Package, Module, "getGithubApp")},
		},
		EnableZeroDefaultSchemaVersion: true,
		EnableAccurateBridgePreview:    true,
		EnableRawStateDelta:            true,
	}
	info.MustComputeTokens(tokens.SingleModule("github_", Module, tokens.MakeStandard(Package)))
	info.SetAutonaming(255, "-")
	return info
}

func replaceOnSelectedRepositories() *tfbridge.ResourceInfo {
	return &tfbridge.ResourceInfo{Fields: map[string]*tfbridge.SchemaInfo{
		"selected_repository_ids": {ForceNew: tfbridge.True()},
	}}
}
