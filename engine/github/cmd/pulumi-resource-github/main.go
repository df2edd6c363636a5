// Command pulumi-resource-github is ghpublish's build of the Pulumi GitHub resource plugin.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"ghpublish.local/engine/github/provider"
)

// schema.json is written beside this file at build time (tools/engine.py runs
// ghpublish-github-gen -schema); it is a build output, not part of the checkout.
//
//go:embed schema.json
var schema []byte

func main() {
	tfbridge.Main(provider.Package, provider.Version, provider.Info(), schema)
}
