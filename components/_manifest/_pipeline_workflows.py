"""The manifest repository's pipeline: review on pull requests, `pulumi up`, drift check.

Three workflows of the repository that holds the manifest and this program:

- ``ghpublish-review.yml``: on a pull request (``pull_request_target``: the default
  branch's code, the pull request's manifest read through the API as data, a warning when it
  changes anything else), ``make synth`` (lint included) and
  ``make diff BASE=<base sha>`` in markdown to the job summary; read-only, no secrets;
- ``ghpublish-up.yml``: on the default branch (and by hand), the program's hashed lock
  (requirements.lock, no development tools) then ``pulumi up`` through ``pulumi/actions``,
  with the backend and the GitHub credentials
  from secrets;
- ``ghpublish-drift.yml``: on a schedule (and by hand),
  ``pulumi preview --refresh --expect-no-changes``. The preview goes to the job summary
  whatever its outcome (pulumi/actions writes its summary only when the command succeeds,
  so the check runs the CLI itself), and the check says "drift" only when the preview
  reports changes (the CLI's exit code 7, 3.226.0 and later); any other failure is
  reported as a failed check, not as drift.

``up`` and the drift check share one concurrency group with ``queue: max``: they never run
at once, and a drift run never cancels or drops a pending ``up`` (GitHub's default queue
keeps one pending run and cancels the older one).

A sharded manifest's pipeline runs every shard's stack: ``up`` and the drift check have a
job per shard, each in its stack's own group, each drift job on its shard's schedule; the
review synthesizes and diffs each shard.
"""

from __future__ import annotations

__all__ = [
    "CACHE_ENV",
    "CHANGED_FILES",
    "CODE_WARNING_SCRIPT",
    "DEPLOY_PATH",
    "DRIFT_PATH",
    "INSTALL_LOCKED",
    "PIPELINE_ENVIRONMENT",
    "PIPELINE_PATHS",
    "PIPELINE_SECRETS",
    "REVIEW_PATH",
    "pipeline_deploy",
    "pipeline_drift",
    "pipeline_review",
    "pipeline_workflows",
]

from .._core._catalog import pin
from .._core._spec import STANDARD_VERSION, PipelineImage, PipelineShard, PipelineSpec
from .._core._steps import READ_CODE, checkout
from .._core._workflow import Concurrency, Job, Permission, Step, Workflow

REVIEW_PATH = ".github/workflows/ghpublish-review.yml"
DEPLOY_PATH = ".github/workflows/ghpublish-up.yml"
DRIFT_PATH = ".github/workflows/ghpublish-drift.yml"
PIPELINE_PATHS = (REVIEW_PATH, DEPLOY_PATH, DRIFT_PATH)

# The environment the `pulumi` jobs run in: its secrets reach only jobs on the default
# branch (ManifestPipeline creates it with that deployment branch policy).
PIPELINE_ENVIRONMENT = "ghpublish"
# Secrets (of the environment, or of the repository) the `pulumi` steps read, by the
# environment variable they fill.
# The GitHub credential (`GITHUB_TOKEN`) comes from `_credentials`.
PIPELINE_SECRETS = {
    # Pulumi Cloud access token; empty for a self-managed backend.
    "PULUMI_ACCESS_TOKEN": "PULUMI_ACCESS_TOKEN",
    # Passphrase of the stack's secrets provider; empty when it is not `passphrase`.
    "PULUMI_CONFIG_PASSPHRASE": "PULUMI_CONFIG_PASSPHRASE",
}
# Where the program puts the GitHub provider's ETag cache when `ghpublish:githubCachePath`
# is not set.
CACHE_ENV = "GHPUBLISH_GITHUB_CACHE_PATH"
# The backend URL (`pulumi login <url>`); empty for Pulumi Cloud.
BACKEND_SECRET = "PULUMI_BACKEND_URL"
# `up` and the drift check never run at once, and queue in order: none is dropped.
STACK_CONCURRENCY = Concurrency("ghpublish-pulumi", cancel_in_progress=False, queue="max")
# The drift step's exit code when the preview proposes changes (`--expect-no-changes`).
DRIFT_EXIT = 7
# The first Pulumi CLI that exits with DRIFT_EXIT (earlier ones exit 1 or 255 for any error).
DRIFT_EXIT_SINCE = (3, 226, 0)


def _secret(name: str) -> str:
    return "${{ secrets." + name + " }}"


def header(pipeline: PipelineSpec, source: str) -> tuple[str, ...]:
    """The first lines of each pipeline workflow: who manages it and where to change it (by
    pull request on this repository, the manifest's). The renderer writes them inertly."""
    return (
        f"Managed by ghpublish (publishing standard v{STANDARD_VERSION}) from the manifest"
        f" {source}",
        f"in this repository ({pipeline.repository}). Do not edit by hand: changes made here",
        "are overwritten. To change this file, open a pull request on this repository that",
        f"edits {pipeline.path} in {source}.",
    )


def _stacks(pipeline: PipelineSpec) -> tuple[PipelineShard, ...]:
    """What the pipeline runs: each shard's stack, or the one stack (a shard without a
    name: jobs, steps and groups then keep their unsharded names)."""
    return pipeline.shards or (PipelineShard("", pipeline.stack, pipeline.drift_schedule),)


def _synth(shard: PipelineShard) -> Step:
    """`make synth`: installs the pinned requirements into .venv (which `pulumi` then uses),
    runs the program offline under the mock engine and lints every workflow; of one shard."""
    if not shard.name:
        return Step(name="Synthesize and lint", run='make synth MANIFEST="$MANIFEST"')
    return Step(
        name=f"Synthesize and lint shard {shard.name}",
        env={"SHARD": shard.name},
        run='make synth MANIFEST="$MANIFEST" SHARD="$SHARD"',
    )


# What `pulumi up` and the drift check run in: .venv (Pulumi.yaml's virtualenv) holding
# requirements.lock only, every file checked against its hash; never requirements-dev.txt's
# tools (linters, test runners), which `make synth` installs. The review synthesizes and
# lints the same code before it is merged; these jobs do not run `make synth`.
INSTALL_LOCKED = Step(
    name="Install the program's locked requirements",
    run="python -m venv .venv\n"
    ".venv/bin/python -m pip install --disable-pip-version-check --no-deps --require-hashes"
    " -r requirements.lock\n",
)


def _prepare(pipeline: PipelineSpec, *, history: bool = False) -> tuple[Step, ...]:
    """Check out, then set up Python."""
    checkout_step = checkout()
    if history:
        # The diff reads the manifest at the base commit: fetch the whole history.
        checkout_step = Step(
            name=checkout_step.name,
            uses=checkout_step.uses,
            with_={**checkout_step.with_, "fetch-depth": 0},
        )
    return (
        checkout_step,
        Step(
            name="Set up Python",
            uses=pin("actions/setup-python"),
            with_={"python-version": pipeline.python_version},
        ),
    )


def _images(pipeline: PipelineSpec, shard: PipelineShard) -> tuple[PipelineImage, ...]:
    """The images the shard's stack builds (every image, unsharded)."""
    return tuple(image for image in pipeline.images if image.shard == shard.name)


def _suffix(shard: PipelineShard) -> str:
    return f"-{shard.name}" if shard.name else ""


def _label(shard: PipelineShard) -> str:
    return f" ({shard.name})" if shard.name else ""


def _stack_concurrency(shard: PipelineShard) -> Concurrency | None:
    """A shard's own group, where `up` and the drift check of its stack never run at once
    and queue in order (unsharded, the workflow's group does that)."""
    if not shard.name:
        return None
    return Concurrency(
        f"{STACK_CONCURRENCY.group}{_suffix(shard)}", cancel_in_progress=False, queue="max"
    )


# The id of the step that mints the GitHub App installation token.
APP_TOKEN_STEP = "app-token"


def _credentials(pipeline: PipelineSpec, *, drift: bool) -> tuple[tuple[Step, ...], str]:
    """The steps that obtain the GitHub credential, and the expression that holds it.

    The drift check takes the read-only token when one is configured. Otherwise a GitHub
    App (preferred: no person's token, an hour's life, revoked when the job ends) through
    actions/create-github-app-token, for every repository of the installation on the
    owner; else the fine-grained token's secret.
    """
    if drift and pipeline.drift_token_secret is not None:
        return (), _secret(pipeline.drift_token_secret)
    if pipeline.app_client_id is not None:
        mint = Step(
            name="Mint a GitHub App installation token",
            id=APP_TOKEN_STEP,
            uses=pin("actions/create-github-app-token"),
            with_={
                "client-id": pipeline.app_client_id,
                "private-key": _secret(pipeline.app_private_key_secret),
                "owner": "${{ github.repository_owner }}",
                **{f"permission-{name}": level for name, level in pipeline.app_permissions},
            },
            # Every repository of the owner: ghpublish creates new ones, which a token
            # scoped to named repositories could not reach.
            input_notes={
                "owner": "zizmor: ignore[github-app] -- ghpublish administers and creates"
                " every repository of the owner"
            },
        )
        return (mint,), "${{ steps." + APP_TOKEN_STEP + ".outputs.token }}"
    return (), _secret(pipeline.token_secret)


# The platform the runner (ubuntu-24.04, x86-64) builds natively; QEMU emulates the others.
NATIVE_PLATFORM = "linux/amd64"

# Before a repository is checked out into its image's directory: actions/checkout empties
# a directory that holds something else, which would be the manifest repository's files.
_FREE_SCRIPT = "\n".join(
    [
        "while IFS= read -r dir; do",
        '  if [ -e "$dir" ]; then',
        '    echo "::error title=Image checkout::$dir exists in the manifest repository;'
        " build_from_pulumi.path must name a directory it does not hold (the checkout of the"
        " image's repository would empty it)\"",
        "    exit 1",
        "  fi",
        'done <<< "$CHECKOUTS"',
        "",
    ]
)


# After the checkouts: the Docker build provider hashes the whole context directory (but
# what .dockerignore leaves out) to tell a changed context, and a checkout's `.git` differs
# on every run: kept, every `up` would rebuild and every drift check report drift.
_DROP_GIT_SCRIPT = "\n".join(
    [
        "while IFS= read -r dir; do",
        '  rm -rf -- "$dir/.git"',
        'done <<< "$CHECKOUTS"',
        "",
    ]
)


def _image_steps(
    images: tuple[PipelineImage, ...], token: str, *, build: bool = True
) -> tuple[Step, ...]:
    """What `pulumi up` needs to build the images of `build_from_pulumi` (none without
    them): each local path checked out (the image's repository at its default branch, with
    the pipeline's credential, nothing persisted; a git context is read by BuildKit itself),
    QEMU for the platforms the runner does not run natively, and Docker Buildx. The
    registries' credentials are the stack's config (`ghpublish:registryCredentials`).

    The drift check (``build=False``) builds nothing, but the Docker build provider checks
    a local Dockerfile's path on disk in previews too: it gets the checkouts only."""
    if not images:
        return ()
    steps: list[Step] = []
    local = [image for image in images if image.path is not None]
    if local:
        steps.append(
            Step(
                name="Check that the images' checkout directories are free",
                env={"CHECKOUTS": "\n".join(str(image.path) for image in local)},
                run=_FREE_SCRIPT,
            )
        )
    base = checkout()
    for image in local:
        steps.append(
            Step(
                name=f"Check out {image.repository} for its image",
                uses=base.uses,
                with_={
                    **base.with_,
                    "repository": "${{ github.repository_owner }}/" + image.repository,
                    "ref": image.branch,
                    "path": str(image.path),
                    "token": token,
                },
            )
        )
    if local:
        steps.append(
            Step(
                name="Drop the checkouts' git metadata",
                env={"CHECKOUTS": "\n".join(str(image.path) for image in local)},
                run=_DROP_GIT_SCRIPT,
            )
        )
    if not build:
        return tuple(steps)
    platforms = sorted({p for image in images for p in image.platforms})
    if any(p != NATIVE_PLATFORM for p in platforms):
        steps.append(
            Step(
                name="Set up QEMU",
                uses=pin("docker/setup-qemu-action"),
                with_={"platforms": ",".join(platforms), "cache-image": False},
            )
        )
    steps.append(
        Step(
            name="Set up Docker Buildx",
            uses=pin("docker/setup-buildx-action"),
            # No cached buildx binary: a poisoned cache would reach the pushed images.
            with_={"platforms": ",".join(platforms), "cache-binary": False},
        )
    )
    return tuple(steps)


def _pulumi_env(token: str) -> dict[str, str]:
    """What a step running the Pulumi CLI reads: the GitHub credential, the secrets, and
    where the GitHub provider's ETag cache lives, outside the checkout: kept between runs
    where the runner keeps its disk (README, GitHub API budget)."""
    return {
        "GITHUB_TOKEN": token,
        **{var: _secret(secret) for var, secret in PIPELINE_SECRETS.items()},
        CACHE_ENV: "${{ runner.tool_cache }}/ghpublish-github-api-cache",
    }


def _pulumi(pipeline: PipelineSpec, command: str, token: str, stack: str) -> Step:
    return Step(
        name=f"pulumi {command}",
        uses=pin("pulumi/actions"),
        with_={
            "command": command,
            "stack-name": stack,
            "pulumi-version": pipeline.pulumi_version,
            "cloud-url": _secret(BACKEND_SECRET),
            "diff": True,
            "comment-on-summary": True,
        },
        env=_pulumi_env(token),
    )


def _env(source: str) -> dict[str, str]:
    # The manifest path reaches scripts through the environment only, never as code.
    return {"MANIFEST": source}


# Where the review puts the list of paths a pull request changes (one a line).
CHANGED_FILES = "${{ runner.temp }}/ghpublish-changed-files.txt"

# The pull request's manifest and the paths it changes, read through the API as data: the
# manifest replaces the base's copy in the working tree (what `make diff` compares with
# BASE), and nothing else of the pull request reaches the runner.
_FETCH_SCRIPT = "\n".join(
    [
        "# Data only: the manifest's text at the head commit, never a checkout of the head.",
        "gh api -H 'Accept: application/vnd.github.raw' \\",
        '  "repos/$REPOSITORY/contents/$MANIFEST?ref=$HEAD_SHA" > "$RUNNER_TEMP/manifest"',
        'cp "$RUNNER_TEMP/manifest" "$MANIFEST"',
        "# Every path the pull request adds, changes, removes or renames (both names).",
        'gh api --paginate "repos/$REPOSITORY/pulls/$NUMBER/files" \\',
        "  --jq '.[] | .filename, (.previous_filename // empty)' > \"$CHANGED\"",
        "",
    ]
)

# A pull request that changes anything but the manifest: its summary comes from the
# default branch's code, so the change of code is not in it (it runs once merged).
CODE_WARNING_SCRIPT = "\n".join(
    [
        'others="$(grep -v -x -F -e "$MANIFEST" -- "$CHANGED" || true)"',
        '[ -n "$others" ] || exit 0',
        "count=\"$(printf '%s\\n' \"$others\" | wc -l | tr -d ' ')\"",
        'echo "::warning title=Code changes::This pull request changes $count path(s) besides'
        " the manifest. The summary was computed with the default branch's code and does not"
        ' show what they do; review them by hand."',
        "{",
        "  echo '## Code changes are not in this summary'",
        "  echo",
        '  echo "This pull request changes $count path(s) besides the manifest ($MANIFEST)."',
        "  echo \"The diff above was computed with the default branch's code, with the pull"
        " request's manifest as data: what the changed code does is not shown. Review it by"
        ' hand."',
        "  echo",
        "  echo '<pre>'",
        "  printf '%s\\n' \"$others\" | head -n 200 | sed -e 's/&/\\&amp;/g' -e 's/</\\&lt;/g' \\",
        "    -e 's/>/\\&gt;/g'",
        "  echo '</pre>'",
        '} >> "$GITHUB_STEP_SUMMARY"',
        "",
    ]
)


def pipeline_review(pipeline: PipelineSpec, branch: str, source: str) -> Workflow:
    """On a pull request: synth, lint and the manifest diff in the job summary (of each
    shard), computed by the default branch's code with the pull request's manifest as data
    (a pull request cannot make its own summary say anything); a warning when it changes
    more than the manifest; a read-only token, no secrets."""
    base = checkout()
    steps = [
        Step(
            name="Check out the base commit",
            uses=base.uses,
            with_={
                **base.with_,
                "ref": "${{ github.event.pull_request.base.sha }}",
                # The diff reads the manifest at the base commit: the whole history.
                "fetch-depth": 0,
            },
        ),
        Step(
            name="Set up Python",
            uses=pin("actions/setup-python"),
            with_={"python-version": pipeline.python_version},
        ),
        Step(
            name="Fetch the pull request's manifest (data only)",
            env={
                "GH_TOKEN": "${{ github.token }}",
                "REPOSITORY": "${{ github.repository }}",
                "HEAD_SHA": "${{ github.event.pull_request.head.sha }}",
                "NUMBER": "${{ github.event.pull_request.number }}",
                "CHANGED": CHANGED_FILES,
            },
            run=_FETCH_SCRIPT,
        ),
    ]
    for shard in _stacks(pipeline):
        env = {"BASE": "${{ github.event.pull_request.base.sha }}"}
        if shard.name:
            env["SHARD"] = shard.name
        steps += [
            _synth(shard),
            Step(
                name="Diff against the base commit"
                + (f" (shard {shard.name})" if shard.name else ""),
                env=env,
                # EXIT_ZERO: a change is what a pull request is for; an invalid manifest
                # still fails.
                run=(
                    'make diff BASE="$BASE" MANIFEST="$MANIFEST"'
                    + (' SHARD="$SHARD"' if shard.name else "")
                    + ' FORMAT=markdown OUTPUT="$GITHUB_STEP_SUMMARY" EXIT_ZERO=1'
                ),
            ),
        ]
    steps.append(
        Step(
            name="Warn about changes besides the manifest",
            if_="always()",
            env={"CHANGED": CHANGED_FILES},
            run=CODE_WARNING_SCRIPT,
        )
    )
    job = Job(
        id="review",
        name="Synthesize and diff",
        permissions=(
            READ_CODE,
            Permission("pull-requests", "read", "list the paths the pull request changes"),
        ),
        steps=tuple(steps),
    )
    return Workflow(
        name="ghpublish review",
        on={"pull_request_target": {"branches": [branch]}},
        trigger_notes={
            "pull_request_target": "zizmor: ignore[dangerous-triggers] -- runs the base"
            " branch's code only; the pull request's manifest is read through the API as data"
            " and nothing of the head is checked out or run; read-only token, no secrets"
        },
        concurrency=Concurrency(
            "ghpublish-review-${{ github.event.pull_request.number }}", cancel_in_progress=True
        ),
        env=_env(source),
        jobs=(job,),
        header=header(pipeline, source),
    )


def pipeline_deploy(pipeline: PipelineSpec, branch: str, source: str) -> Workflow:
    """On the default branch: the hashed lock, then `pulumi up` with the org administration
    token; a job per shard, each in its stack's concurrency group. A stack that builds
    images from Pulumi gets what the builds need first (:func:`_image_steps`)."""
    mint, token = _credentials(pipeline, drift=False)
    jobs = tuple(
        Job(
            id=f"up{_suffix(shard)}",
            name=f"pulumi up{_label(shard)}",
            permissions=(READ_CODE,),
            timeout_minutes=30,
            environment=PIPELINE_ENVIRONMENT,
            concurrency=_stack_concurrency(shard),
            steps=(
                *_prepare(pipeline),
                INSTALL_LOCKED,
                *mint,
                *_image_steps(_images(pipeline, shard), token),
                _pulumi(pipeline, "up", token, shard.stack),
            ),
        )
        for shard in _stacks(pipeline)
    )
    return Workflow(
        name="ghpublish up",
        # By hand too: the `ghpublish` environment still admits the default branch only.
        on={"push": {"branches": [branch]}, "workflow_dispatch": {}},
        concurrency=None if pipeline.shards else STACK_CONCURRENCY,
        env=_env(source),
        jobs=jobs,
        header=header(pipeline, source),
    )


_PREVIEW_SCRIPT = "\n".join(
    [
        "# An empty PULUMI_BACKEND_URL logs in to Pulumi Cloud (PULUMI_ACCESS_TOKEN).",
        'pulumi login --non-interactive ${PULUMI_BACKEND_URL:+"$PULUMI_BACKEND_URL"}',
        'preview="$RUNNER_TEMP/preview.txt"',
        "status=0",
        'pulumi preview --non-interactive --color never --stack "$STACK" --refresh --diff \\',
        '  --expect-no-changes > "$preview" 2>&1 || status=$?',
        'cat "$preview"',
        "# The preview in the job summary whatever the outcome (GitHub keeps 1 MiB of it).",
        "{",
        '  echo "## pulumi preview --refresh: $STACK"',
        "  echo",
        "  echo '```diff'",
        '  tail -c 900000 "$preview"',
        "  echo '```'",
        '} >> "$GITHUB_STEP_SUMMARY"',
        'echo "status=$status" >> "$GITHUB_OUTPUT"',
        'case "$status" in',
        '  0) echo "result=clean" >> "$GITHUB_OUTPUT" ;;',
        f'  {DRIFT_EXIT}) echo "result=drift" >> "$GITHUB_OUTPUT"; exit 1 ;;',
        '  *) echo "result=error" >> "$GITHUB_OUTPUT"; exit 1 ;;',
        "esac",
        "",
    ]
)

_REPORT_SCRIPT = "\n".join(
    [
        'if [ "$RESULT" = drift ]; then',
        "  echo '::error title=Drift::GitHub differs from the stack (changed by hand?)."
        " See the preview in the job summary; run `pulumi up` to restore the manifest,"
        " or change the manifest to keep the change.'",
        "  {",
        "    echo '## Drift detected'",
        "    echo",
        "    echo 'GitHub differs from what the manifest declares (changed by hand?).'",
        "    echo 'Run `pulumi up` (or re-run the ghpublish up workflow) to restore it,'",
        "    echo 'or change the manifest in a pull request to keep the change.'",
        '  } >> "$GITHUB_STEP_SUMMARY"',
        'elif [ "$RESULT" = error ]; then',
        '  echo "::error title=Drift check failed::pulumi preview failed (exit $STATUS) before'
        " it could compare GitHub with the stack: this is not drift. See its log and the"
        ' job summary."',
        "  {",
        "    echo '## The drift check failed (not drift)'",
        "    echo",
        '    echo "pulumi preview exited with $STATUS: credentials, backend or program'
        ' errors, not a difference between GitHub and the stack."',
        '  } >> "$GITHUB_STEP_SUMMARY"',
        "else",
        "  echo '::error title=Drift check failed::A set-up step failed before the preview"
        " ran: this is not drift. See the failed step.'",
        "  {",
        "    echo '## The drift check did not run (not drift)'",
        "    echo",
        "    echo 'A set-up step (checkout, Python, the locked requirements, the Pulumi CLI or its"
        " credentials) failed before the preview ran.'",
        '  } >> "$GITHUB_STEP_SUMMARY"',
        "fi",
        "",
    ]
)


def pipeline_drift(pipeline: PipelineSpec, source: str) -> Workflow:
    """On a schedule or by hand: fail and report when GitHub no longer matches the stack,
    and report a check that could not run as such, not as drift."""
    mint, token = _credentials(pipeline, drift=True)
    install = Step(
        name="Install the Pulumi CLI",
        uses=pin("pulumi/actions"),
        # Without `command`, pulumi/actions only installs the CLI and puts it on PATH.
        with_={"pulumi-version": pipeline.pulumi_version},
    )
    report = Step(
        name="Report drift or a failed check",
        if_="failure()",
        env={
            "RESULT": "${{ steps.preview.outputs.result }}",
            "STATUS": "${{ steps.preview.outputs.status }}",
        },
        run=_REPORT_SCRIPT,
    )
    schedules = list(dict.fromkeys(shard.drift_schedule for shard in _stacks(pipeline)))

    def job(shard: PipelineShard) -> Job:
        preview = Step(
            name="pulumi preview --refresh --expect-no-changes",
            id="preview",
            env={
                "STACK": shard.stack,
                "PULUMI_BACKEND_URL": _secret(BACKEND_SECRET),
                **_pulumi_env(token),
            },
            run=_PREVIEW_SCRIPT,
        )
        # A scheduled run checks the shards whose schedule fired; by hand, every shard.
        when = None
        if len(schedules) > 1:
            when = (
                "github.event_name != 'schedule' || github.event.schedule == "
                f"'{shard.drift_schedule}'"
            )
        return Job(
            id=f"drift{_suffix(shard)}",
            name=f"Drift check{_label(shard)}",
            permissions=(READ_CODE,),
            timeout_minutes=30,
            environment=PIPELINE_ENVIRONMENT,
            if_=when,
            concurrency=_stack_concurrency(shard),
            steps=(
                *_prepare(pipeline),
                INSTALL_LOCKED,
                install,
                *mint,
                *_image_steps(_images(pipeline, shard), token, build=False),
                preview,
                report,
            ),
        )

    return Workflow(
        name="ghpublish drift check",
        on={"schedule": [{"cron": cron} for cron in schedules], "workflow_dispatch": {}},
        concurrency=None if pipeline.shards else STACK_CONCURRENCY,
        env=_env(source),
        jobs=tuple(job(shard) for shard in _stacks(pipeline)),
        header=header(pipeline, source),
    )


def pipeline_workflows(pipeline: PipelineSpec, branch: str, source: str) -> dict[str, Workflow]:
    """Every pipeline workflow by its path in the manifest repository."""
    return {
        REVIEW_PATH: pipeline_review(pipeline, branch, source),
        DEPLOY_PATH: pipeline_deploy(pipeline, branch, source),
        DRIFT_PATH: pipeline_drift(pipeline, source),
    }
