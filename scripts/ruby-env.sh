#!/usr/bin/env bash
# The real-RubyGems tests' set-up (tests/real/test_rubygems_release_realgem.py): Debian's
# Ruby (ruby, gem), Bundler and git, which the generated RubyGems workflow runs as a runner
# would; the tests push to a loopback registry (tests/real/realrubygems.py) and fetch nothing.
#   scripts/ruby-env.sh install
set -euo pipefail

case "${1:-}" in
  install)
    missing=()
    for tool in ruby:ruby gem:ruby bundle:ruby-bundler git:git curl:curl; do
      command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      apt-get update -qq
      apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    echo "ruby-env: $(ruby --version); gem $(gem --version); $(bundle --version)"
    ;;
  *)
    echo "usage: scripts/ruby-env.sh install" >&2
    exit 2
    ;;
esac
