"""A real part a test needs: skipped locally without it, failed without it under CI=true."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from tools.ghsim import DescriptionMissingError, load_description, served

__all__ = ["ci", "described_or_skip", "unavailable"]


def ci() -> bool:
    """Whether this is CI (`CI=true`), where every real part is required."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skips the calling test, or fails it under CI=true."""
    if ci():
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pragma: no cover


def described_or_skip() -> None:
    """GitHub's OpenAPI description, which the simulated GitHub needs (`make ghsim-spec`)."""
    try:
        load_description(served())
    except DescriptionMissingError as error:
        unavailable(str(error))
