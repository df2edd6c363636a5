//go:build tools

// Package tools pins the docker-build provider's main package so `go mod tidy` keeps it.
package tools

import _ "github.com/pulumi/pulumi-docker-build/provider/cmd/pulumi-resource-docker-build"
