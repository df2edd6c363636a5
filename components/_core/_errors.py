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


class ManifestError(GhpublishError):
    """The manifest is invalid; carries every problem found, in file order."""

    def __init__(self, issues: list[ManifestIssue]) -> None:
        self.issues = tuple(sorted(issues, key=lambda i: (i.line or 0, i.path, i.message)))
        count = len(self.issues)
        head = f"{self.issues[0].file}: {count} error{'s' if count != 1 else ''} in the manifest"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in self.issues)]))


class ConfigError(GhpublishError):
    """A stack config value (`ghpublish:*`) does not fit the manifest."""


class WorkflowError(GhpublishError):
    """A workflow model breaks a rule of the standard (a bug in ghpublish, not in the manifest)."""
