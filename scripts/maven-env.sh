#!/usr/bin/env bash
# The real-Maven tests' set-up (tests/real/test_maven_real.py, test_gradle_real.py): Maven
# from Debian, and the plugins the generated Maven and Gradle workflows run (the build
# lifecycle of tests/fixtures/maven-project, the pinned help:evaluate the package job reads
# the pom with, deploy to a file repository, the pinned deploy-file the publish job pushes
# with) fetched once from Maven Central into ~/.m2. The tests then mirror every remote
# repository to loopback: nothing they run leaves the machine.
#   scripts/maven-env.sh install
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  install)
    command -v mvn >/dev/null || { apt-get update -qq && apt-get install -y -qq maven >/dev/null; }
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cp -r tests/fixtures/maven-project "$work/project"
    mvn --batch-mode --quiet --file "$work/project/pom.xml" verify \
      org.apache.maven.plugins:maven-help-plugin:3.5.2:evaluate \
      -Dexpression=project.id "-Doutput=$work/id" >/dev/null
    mvn --batch-mode --quiet --file "$work/project/pom.xml" deploy -DskipTests \
      "-DaltDeploymentRepository=local::default::file://$work/repository" >/dev/null
    pom="$work/repository/com/acme/tools/1.2.3/tools-1.2.3.pom"
    (cd "$work" && mvn --batch-mode --quiet \
      org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file -DrepositoryId=local \
      "-Durl=file://$work/pushed" "-Dfile=$pom" -Dpackaging=pom -DgroupId=com.acme \
      -DartifactId=tools -Dversion=1.2.3 -DgeneratePom=false \
      "-Dfiles=${pom%.pom}.jar" -Dclassifiers= -Dtypes=jar >/dev/null)
    echo "maven-env: plugins in ~/.m2/repository"
    ;;
  *)
    echo "usage: scripts/maven-env.sh install" >&2
    exit 2
    ;;
esac
