"""The ghpublish policy pack: `pulumi preview --policy-pack policy` runs this file.

The Pulumi CLI starts it with the stack's config in the environment; the pack reads
``ghpublish:policy`` from it (enforcement levels and the registry, per stack).
"""

import sys
from pathlib import Path

import pulumi.runtime
from pulumi_policy import PolicyPack

# The pack reuses the project's workflow rules (components/_core/_rules.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy.standard import (
    PACK_NAME,
    PolicySettingsError,
    build_policies,
    keep_secrets_in_analysis,
    settings_from_config,
)

try:
    settings = settings_from_config(pulumi.runtime.get_config_env())
except PolicySettingsError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(2)

keep_secrets_in_analysis()
PolicyPack(
    name=PACK_NAME,
    policies=build_policies(settings),
    description="The ghpublish publishing standard, on any stack.",
)
