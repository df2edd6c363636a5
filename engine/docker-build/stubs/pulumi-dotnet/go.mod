// Stand-in (our own code) for github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3, whose
// versions the Go module proxy here does not serve. pulumi-docker-build imports it only for the
// C# section of its schema's "language" metadata; this module declares just that struct.
module github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3

go 1.21
