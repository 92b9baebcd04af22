"""Which DynamoDB tables the store uses.

template.yaml is the one list of tables: the Lambda functions get their names from environment variables the
template sets; the development kit creates the same tables (keys, indexes, TTL) from the template for tests and
the local stack (claims_intake_dev.local.moto_stack), so there is no second schema to keep in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar


@dataclass(frozen=True)
class Tables:
    """Table names. Defaults are the template's logical ids (what tests name them)."""

    claims: str = "ClaimsTable"
    uploads: str = "UploadsTable"
    reference: str = "ReferenceTable"
    idempotency: str = "IdempotencyTable"

    ENV: ClassVar[dict[str, str]] = {
        "claims": "CLAIMS_TABLE",
        "uploads": "UPLOADS_TABLE",
        "reference": "REFERENCE_TABLE",
        "idempotency": "IDEMPOTENCY_TABLE",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Tables:
        environ = os.environ if environ is None else environ
        defaults = cls()
        return cls(**{f.name: environ.get(cls.ENV[f.name], getattr(defaults, f.name)) for f in fields(cls)})

    def by_logical_id(self) -> dict[str, str]:
        return {
            "ClaimsTable": self.claims,
            "UploadsTable": self.uploads,
            "ReferenceTable": self.reference,
            "IdempotencyTable": self.idempotency,
        }
