// Package java is a ghpublish stand-in: the Java language metadata of a package schema.
package java

// PackageInfo is the "java" entry of a schema's language section.
type PackageInfo struct {
	BasePackage                     string            `json:"basePackage"`
	BuildFiles                      string            `json:"buildFiles,omitempty"`
	Dependencies                    map[string]string `json:"dependencies,omitempty"`
	GradleNexusPublishPluginVersion string            `json:"gradleNexusPublishPluginVersion,omitempty"`
	GradleTest                      string            `json:"gradleTest"`
}
