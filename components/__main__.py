"""The component package's entry point: a Pulumi provider hosting every exported component.

`pulumi package add ./components` runs this file (PulumiPlugin.yaml sits beside it); the
SDK's host infers the package schema from each component's annotations: the ``args``
TypedDict of its ``__init__`` (inputs) and its ``pulumi.Output`` attributes (outputs).
``tools/package_schema.py`` writes the same schema offline to schema/package.schema.json.
"""

import sys
from inspect import isclass
from pathlib import Path

import pulumi

# Run as `python components/` (how the Python runtime starts a plugin): make the
# `components` package importable from the project root.
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PACKAGE = "ghpublish"
VERSION = "0.1.0"


def exported_components() -> list[type[pulumi.ComponentResource]]:
    """Every component ``components.__all__`` exports, in name order."""
    import components

    found = [getattr(components, name) for name in components.__all__]
    return sorted(
        (c for c in found if isclass(c) and issubclass(c, pulumi.ComponentResource)),
        key=lambda c: c.__name__,
    )


if __name__ == "__main__":
    from pulumi.provider.experimental import component_provider_host

    component_provider_host(exported_components(), name=PACKAGE, version=VERSION)
