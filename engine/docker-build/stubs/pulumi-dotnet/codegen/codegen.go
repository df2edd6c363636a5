// Package codegen is a ghpublish stand-in: the C# language metadata of a package schema.
package codegen

// CSharpPackageInfo is the "csharp" entry of a schema's language section.
type CSharpPackageInfo struct {
	PackageReferences    map[string]string `json:"packageReferences,omitempty"`
	RespectSchemaVersion bool              `json:"respectSchemaVersion,omitempty"`
}
