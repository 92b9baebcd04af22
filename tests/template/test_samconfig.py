"""samconfig.toml: `sam deploy` runs without --guided, with parameters the template declares."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

from claims_intake_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]


def test_each_environment_deploys_a_stack_of_its_own_with_known_parameters():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    parameters = load_template(ROOT / "template.yaml")["Parameters"]
    stacks = set()
    for environment in ("default", "prod"):
        deploy = config[environment]["deploy"]["parameters"]
        stacks.add(config[environment]["global"]["parameters"]["stack_name"])
        assert deploy["resolve_s3"] and deploy["confirm_changeset"]
        assert "CAPABILITY_IAM" in deploy["capabilities"].split()
        overrides = dict(item.split("=", 1) for item in shlex.split(deploy["parameter_overrides"]))
        assert set(overrides) <= set(parameters)
        assert overrides["Stage"] in parameters["Stage"]["AllowedValues"]
    assert stacks == {"claims-intake-dev", "claims-intake-prod"}
