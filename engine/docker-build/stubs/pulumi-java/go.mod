// Stand-in (our own code) for github.com/pulumi/pulumi-java, whose versions the Go module
// proxy here does not serve. pulumi-docker-build imports it only for the Java section of its
// schema's "language" metadata; this module declares just that struct.
module github.com/pulumi/pulumi-java

go 1.21
