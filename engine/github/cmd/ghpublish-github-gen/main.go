// Command ghpublish-github-gen is a build-time helper for ghpublish's GitHub provider:
//
//	ghpublish-github-gen -schema FILE   writes the Pulumi package schema generated from
//	                                    provider.Info() (embedded by pulumi-resource-github)
//	ghpublish-github-gen -dump-mapping  prints, as JSON, each resource's Pulumi token and its
//	                                    input properties: Pulumi name, Terraform name, and
//	                                    whether a one-element block is flattened (max-items-one)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"ghpublish.local/engine/github/provider"
)

// property is one input (or, in a nested block, one property): its Terraform name, whether a
// list/set block of at most one element is exposed as a single object, and the properties of
// a nested block (a Pulumi object type lists its computed properties too: Output marks them).
type property struct {
	TF          string               `json:"tf"`
	MaxItemsOne bool                 `json:"maxItemsOne,omitempty"`
	Output      bool                 `json:"output,omitempty"`
	Inputs      map[string]*property `json:"inputs,omitempty"`
}

type resource struct {
	TF     string               `json:"tf"`
	Inputs map[string]*property `json:"inputs"`
}

type mapping struct {
	Version     string               `json:"version"`
	Config      map[string]*property `json:"config"`
	Resources   map[string]*resource `json:"resources"`
	DataSources map[string]string    `json:"dataSources"`
}

// inputs maps a Terraform schema's settable attributes and blocks to Pulumi names; in a nested
// block (top false) its computed-only attributes too, marked Output.
func inputs(schema shim.SchemaMap, fields map[string]*tfbridge.SchemaInfo, top bool) map[string]*property {
	out := map[string]*property{}
	schema.Range(func(key string, s shim.Schema) bool {
		settable := s.Optional() || s.Required()
		if (top && key == "id") || (top && !settable) {
			return true
		}
		info := fields[key]
		p := &property{TF: key, MaxItemsOne: tfbridge.IsMaxItemsOne(s, info), Output: !settable}
		if block, ok := s.Elem().(shim.Resource); ok {
			var nested map[string]*tfbridge.SchemaInfo
			if info != nil && info.Elem != nil {
				nested = info.Elem.Fields
			}
			p.Inputs = inputs(block.Schema(), nested, false)
		}
		out[tfbridge.TerraformToPulumiNameV2(key, schema, fields)] = p
		return true
	})
	return out
}

func dumpMapping(info tfbridge.ProviderInfo) mapping {
	m := mapping{
		Version:     info.Version,
		Config:      inputs(info.P.Schema(), info.Config, true),
		Resources:   map[string]*resource{},
		DataSources: map[string]string{},
	}
	names := []string{}
	info.P.ResourcesMap().Range(func(key string, _ shim.Resource) bool {
		names = append(names, key)
		return true
	})
	sort.Strings(names)
	for _, name := range names {
		ri := info.Resources[name]
		tf := info.P.ResourcesMap().Get(name)
		m.Resources[string(ri.Tok)] = &resource{TF: name, Inputs: inputs(tf.Schema(), ri.Fields, true)}
	}
	for name, di := range info.DataSources {
		m.DataSources[string(di.Tok)] = name
	}
	return m
}

func main() {
	schemaOut := flag.String("schema", "", "write the generated Pulumi package schema to this file")
	dump := flag.Bool("dump-mapping", false, "print the token and property mapping as JSON")
	flag.Parse()
	if *schemaOut == "" && !*dump {
		flag.Usage()
		os.Exit(2)
	}
	info := provider.Info()
	if *dump {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(dumpMapping(info)); err != nil {
			fail(err)
		}
	}
	if *schemaOut != "" {
		// Missing upstream docs are reported as warnings; the schema is still complete.
		sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
		spec, err := tfgen.GenerateSchema(info, sink)
		if err != nil {
			fail(err)
		}
		data, err := json.MarshalIndent(spec, "", "    ")
		if err != nil {
			fail(err)
		}
		if err := os.WriteFile(*schemaOut, append(data, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ghpublish-github-gen:", err)
	os.Exit(1)
}
