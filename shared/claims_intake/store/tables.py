"""Which DynamoDB tables the store uses, and how to create them from template.yaml (tests, local stack).

template.yaml is the one list of tables: the Lambda functions get their names from environment
variables the template sets; tests and the local stack create the same tables (keys, indexes, TTL)
by reading the template, so there is no second schema to keep in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Tables:
    """Table names. Defaults are the template's logical ids (what the local stack names them)."""

    claims: str = "ClaimsTable"
    uploads: str = "UploadsTable"
    reference: str = "ReferenceTable"
    idempotency: str = "IdempotencyTable"

    ENV = {"claims": "CLAIMS_TABLE", "uploads": "UPLOADS_TABLE",
           "reference": "REFERENCE_TABLE", "idempotency": "IDEMPOTENCY_TABLE"}

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Tables":
        environ = os.environ if environ is None else environ
        defaults = cls()
        return cls(**{f.name: environ.get(cls.ENV[f.name], getattr(defaults, f.name)) for f in fields(cls)})

    def by_logical_id(self) -> dict[str, str]:
        return {"ClaimsTable": self.claims, "UploadsTable": self.uploads,
                "ReferenceTable": self.reference, "IdempotencyTable": self.idempotency}


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML: short-form intrinsics (!Ref, !Sub, !GetAtt...) become {"Fn::X": ...}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


def load_template(path: Path | str = TEMPLATE) -> dict[str, Any]:
    return yaml.load(Path(path).read_text("utf-8"), Loader=_TemplateLoader)


def table_definitions(path: Path | str = TEMPLATE) -> dict[str, dict[str, Any]]:
    """The AWS::DynamoDB::Table resources of the template, by logical id."""
    resources = load_template(path)["Resources"]
    return {name: res["Properties"] for name, res in resources.items() if res["Type"] == "AWS::DynamoDB::Table"}


def create_tables(client, tables: Tables = Tables(), template: Path | str = TEMPLATE) -> None:
    """Create every table of the template under the names in `tables` (moto, DynamoDB Local)."""
    names = tables.by_logical_id()
    for logical_id, props in table_definitions(template).items():
        name = names.get(logical_id, logical_id)
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        client.create_table(**request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
