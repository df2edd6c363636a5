"""What Java builds share (Maven's and Gradle's blocks and workflows): the JDK setup-java
installs, its versions and distributions."""

from __future__ import annotations

__all__ = [
    "JAVA_DISTRIBUTIONS",
    "JAVA_LTS",
    "MAVEN_SERVER",
    "Distribution",
    "JavaBlock",
    "JavaVersion",
    "setup_java",
]

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from ._catalog import pin
from ._fields import version_rule
from ._release import PackageBlock
from ._workflow import Step

# The current Java LTS release, the default `java_version` of Maven and Gradle.
JAVA_LTS = "25"
# The distributions actions/setup-java installs (its README), `temurin` by default.
JAVA_DISTRIBUTIONS = (
    "corretto",
    "dragonwell",
    "graalvm",
    "jetbrains",
    "liberica",
    "microsoft",
    "oracle",
    "sapmachine",
    "semeru",
    "temurin",
    "zulu",
)
# The settings.xml server setup-java writes for GitHub Packages.
MAVEN_SERVER = "github"
_JAVA = re.compile(r"\d{1,3}(?:\.\d+){0,2}")


java_version = version_rule(
    _JAVA, "Java", f"a major version such as '{JAVA_LTS}' or a full one such as '21.0.5'", JAVA_LTS
)
JavaVersion = Annotated[str, BeforeValidator(java_version)]
Distribution = Literal[JAVA_DISTRIBUTIONS]  # type: ignore[valid-type]


class JavaBlock(PackageBlock):
    """The keys of a Java build's block (Maven's and Gradle's): the JDK setup-java installs."""

    java_version: JavaVersion | None = Field(
        None, description=f"Java version for setup-java (default {JAVA_LTS}, the LTS)."
    )
    distribution: Distribution | None = Field(
        None, description="Java distribution for setup-java (default temurin)."
    )


def setup_java(java: str, distribution: str, *, server: bool) -> Step:
    """setup-java without a dependency cache; with ``server``, a `settings.xml` server
    `github` authenticated by `GITHUB_ACTOR` and `GITHUB_TOKEN` from the environment."""
    credentials = (
        {
            "server-id": MAVEN_SERVER,
            "server-username": "GITHUB_ACTOR",
            "server-password": "GITHUB_TOKEN",
        }
        if server
        else {}
    )
    return Step(
        name="Set up Java",
        uses=pin("actions/setup-java"),
        with_={"distribution": distribution, "java-version": java, **credentials},
    )
