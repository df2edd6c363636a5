#!/usr/bin/env bash
# The BuildKit daemon of the pipeline's image tests (tests/real/test_pipeline_realengine.py):
# pulumi-docker-build boots Docker Hub's moby/buildkit image for its builder, which cannot be
# pulled here, so the tests start this daemon (its OCI worker, runc from Debian's docker.io)
# and hand it to the provider as a remote builder. Built once from the Go module proxy into a
# cache outside the checkout.
#   scripts/buildkit-env.sh install
set -euo pipefail

VERSION=v0.16.0
BIN="${HOME}/.cache/ghpublish/buildkit"

case "${1:-}" in
  install)
    # `go install` stamps no version into the binary: a file beside it names the one built.
    if [ -x "$BIN/buildkitd" ] && [ "$(cat "$BIN/VERSION" 2>/dev/null)" = "$VERSION" ]; then
      echo "buildkit-env: buildkitd $VERSION in $BIN"
      exit 0
    fi
    mkdir -p "$BIN"
    GOBIN="$BIN" CGO_ENABLED=0 go install "github.com/moby/buildkit/cmd/buildkitd@$VERSION"
    echo "$VERSION" >"$BIN/VERSION"
    echo "buildkit-env: built buildkitd $VERSION into $BIN"
    ;;
  *)
    echo "usage: scripts/buildkit-env.sh install" >&2
    exit 2
    ;;
esac
