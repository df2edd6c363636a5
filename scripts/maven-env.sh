#!/usr/bin/env bash
# The real-Maven tests' set-up (tests/real/test_maven_real.py): Maven from Debian, and the
# plugins the generated Maven workflow runs (the build lifecycle of tests/fixtures/maven-
# project, help:evaluate, deploy) fetched once from Maven Central into ~/.m2. The tests then
# mirror every remote repository to loopback: nothing they run leaves the machine.
#   scripts/maven-env.sh install
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  install)
    command -v mvn >/dev/null || { apt-get update -qq && apt-get install -y -qq maven >/dev/null; }
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cp -r tests/fixtures/maven-project "$work/project"
    mvn --batch-mode --quiet --file "$work/project/pom.xml" verify help:evaluate \
      -Dexpression=project.version -DforceStdout >/dev/null
    mvn --batch-mode --quiet --file "$work/project/pom.xml" deploy -DskipTests \
      "-DaltDeploymentRepository=local::file://$work/repository" >/dev/null
    echo "maven-env: plugins in ~/.m2/repository"
    ;;
  *)
    echo "usage: scripts/maven-env.sh install" >&2
    exit 2
    ;;
esac
