"""The one root error type of ghpublish and its kinds."""

from __future__ import annotations

__all__ = ["ConfigError", "GhpublishError", "ManifestError", "ManifestIssue", "WorkflowError"]

from dataclasses import dataclass


class GhpublishError(Exception):
    """Root of every error ghpublish raises on purpose; its message says how to fix it."""


@dataclass(frozen=True)
class ManifestIssue:
    """One problem in a manifest: where it is and what is expected."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}"


# A manifest's errors are listed up to this many, then counted ("… and 12 more").
MAX_ISSUES = 50


class ManifestError(GhpublishError):
    """The manifest is invalid; carries the first ``MAX_ISSUES`` problems found, in file
    order, and how many ``more`` there are."""

    def __init__(self, issues: list[ManifestIssue], more: int = 0) -> None:
        ordered = sorted(issues, key=lambda i: (i.line or 0, i.path, i.message))
        more += max(0, len(ordered) - MAX_ISSUES)
        self.issues = tuple(ordered[:MAX_ISSUES])
        self.more = more
        count = len(self.issues) + more
        head = f"{self.issues[0].file}: {count} error{'s' if count != 1 else ''} in the manifest"
        tail = [f"  … and {more} more"] if more else []
        super().__init__("\n".join([head, *(f"  {issue}" for issue in self.issues), *tail]))


class ConfigError(GhpublishError):
    """A stack config value (`ghpublish:*`) does not fit the manifest."""


class WorkflowError(GhpublishError):
    """A workflow model breaks a rule of the standard (a bug in ghpublish, not in the manifest)."""
