"""Who is calling: staff (Cognito group `staff`) see every claim; a provider only its own.

In AWS the API Gateway Cognito authorizer has verified the ID token and puts its claims in
`requestContext.authorizer.claims`; the resolver only reads them. Locally (claims-intake serve, tests) the
development kit's API Gateway emulator turns a development token into the same claims
(claims_intake_dev.dev_auth), so the resolver runs exactly the same code in both places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STAFF_GROUP = "staff"
PROVIDER_NPI_CLAIM = "custom:provider_npi"


class Unauthorized(Exception):
    """No identity at all (no authorizer claims): 401."""


class Forbidden(Exception):
    """An identity that may not do this: 403."""


@dataclass(frozen=True)
class Caller:
    user: str
    groups: frozenset[str]
    provider_npi: str | None = None

    @property
    def is_staff(self) -> bool:
        return STAFF_GROUP in self.groups

    def require_staff(self) -> None:
        if not self.is_staff:
            raise Forbidden("only plan staff (group 'staff') may do this")

    def may_see(self, provider_npi: str | None) -> bool:
        """Staff see everything; a provider sees a claim only when it is the billing provider."""
        return self.is_staff or (self.provider_npi is not None and provider_npi == self.provider_npi)

    def to_output(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "groups": sorted(self.groups),
            "staff": self.is_staff,
            "provider_npi": self.provider_npi,
        }


def _groups(value: Any) -> frozenset[str]:
    """`cognito:groups` arrives as a list, or as text: 'staff', 'a,b' or '[a, b]' (REST API)."""
    if not value:
        return frozenset()
    if isinstance(value, (list, tuple)):
        return frozenset(str(v) for v in value)
    text = str(value).strip().strip("[]")
    return frozenset(part.strip() for part in text.replace(",", " ").split() if part.strip())


def caller_from_event(event: dict[str, Any]) -> Caller:
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    user = claims.get("cognito:username") or claims.get("email") or claims.get("sub")
    if not user:
        raise Unauthorized("no verified identity on the request")
    groups = _groups(claims.get("cognito:groups"))
    provider = claims.get(PROVIDER_NPI_CLAIM) or None
    if STAFF_GROUP not in groups and not provider:
        raise Forbidden("this account is neither plan staff nor linked to a provider")
    return Caller(user=str(user), groups=groups, provider_npi=provider)
