"""The npm release workflow: test, then publish to GitHub Packages on release."""

from __future__ import annotations

__all__ = ["NPM_REGISTRY", "NPM_TEST_CHECK", "RELEASE_PACKAGE_PATH", "npm_release"]

from .._catalog import pin
from .._spec import RELEASE_ENVIRONMENT, NpmSpec, RepositorySpec
from .._workflow import Concurrency, Job, Permission, Step, Workflow, shell_join
from .common import READ_CODE, checkout, header

RELEASE_PACKAGE_PATH = ".github/workflows/release-package.yml"
NPM_REGISTRY = "https://npm.pkg.github.com"
# The test job's name: the check a pull request reports (and org rulesets may require).
NPM_TEST_CHECK = "npm test"


def _setup_node(npm: NpmSpec, *, publish: bool) -> Step:
    # The publish job's `@<owner>` scope resolves to GitHub Packages through setup-node: it
    # writes a user .npmrc in the runner's temporary directory with the scope's registry and
    # `NODE_AUTH_TOKEN`, for this job only. No managed .npmrc in the repository: it would
    # overwrite the repository's own settings and its registry line would reach every job.
    registry = {"registry-url": NPM_REGISTRY, "scope": npm.scope} if publish else {}
    return Step(
        name="Set up Node.js",
        uses=pin("actions/setup-node"),
        # No dependency cache in release jobs: a poisoned cache would reach the package.
        with_={"node-version": npm.node_version, **registry, "package-manager-cache": False},
    )


def _check_package_name(npm: NpmSpec, repo: RepositorySpec, source: str) -> Step:
    # Manifest values reach the script through the environment only, never as code.
    # The `repository` field links the package to its repository before its first publish,
    # so that the package inherits the repository's access (GitHub has no API to set it).
    return Step(
        name="Check the package name and repository",
        env={
            "PACKAGE": npm.package,
            "MANIFEST_KEY": f"npm.package of the repository '{repo.name}' in {source}",
            "REPOSITORY": repo.full_name,
        },
        run="\n".join(
            [
                'name="$(npm pkg get name | tr -d \'"\')"',
                'if [ "$name" != "$PACKAGE" ]; then',
                "  echo \"::error file=package.json::package.json names '$name' but the manifest"
                " publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
                "  exit 1",
                "fi",
                'if ! npm pkg get repository | grep -qiF "$REPOSITORY"; then',
                "  echo \"::error file=package.json::package.json's repository field does not"
                " name $REPOSITORY; set it to 'github:$REPOSITORY' so that the package is linked"
                ' to the repository and inherits its access"',
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def npm_release(repo: RepositorySpec, source: str) -> Workflow:
    """On a pull request to the default branch: test. On a release: test, then publish
    the npm package to GitHub Packages from the `release` environment."""
    npm = repo.npm
    if npm is None:
        raise ValueError(f"{repo.name} publishes no npm package")
    install = Step(name="Install dependencies", run=shell_join(npm.install_command))
    test = Job(
        id="test",
        name=NPM_TEST_CHECK,
        permissions=(READ_CODE,),
        steps=(
            checkout(),
            _setup_node(npm, publish=False),
            install,
            Step(name="Test", run=shell_join(npm.test_command)),
        ),
    )
    publish = Job(
        id="publish",
        name="Publish to GitHub Packages",
        needs=("test",),
        # Pull requests run the tests only; releases publish, in the protected environment.
        if_="github.event_name == 'release'",
        environment=RELEASE_ENVIRONMENT,
        permissions=(
            READ_CODE,
            Permission("packages", "write", "publish the package to GitHub Packages"),
        ),
        steps=(
            checkout(),
            _setup_node(npm, publish=True),
            _check_package_name(npm, repo, source),
            install,
            Step(
                name="Publish",
                run="npm publish",
                env={"NODE_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"},
                ignore={
                    "use-trusted-publishing": "GitHub Packages has no trusted publishing;"
                    " GITHUB_TOKEN is its short-lived credential"
                },
            ),
        ),
    )
    return Workflow(
        name="Release package",
        on={
            "pull_request": {"branches": [repo.default_branch]},
            "release": {"types": list(npm.release_types)},
        },
        concurrency=Concurrency("release-package-${{ github.ref }}", cancel_in_progress=False),
        jobs=(test, publish),
        header=header(repo, source),
    )
