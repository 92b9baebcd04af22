"""Development sign-in: the one way local servers turn a bearer token into the claims API Gateway's Cognito
authorizer would pass. Never part of the runtime: the deployed API verifies Cognito tokens.

- `Bearer <CLAIMS_INTAKE_DEV_TOKEN>` (default `dev-staff`): a staff member named `dev-staff`.
- `Bearer dev-provider-<NPI>`: the provider with that billing NPI (sees only its own claims).
- anything else (no token, `garbage`, an unsigned JWT): no claims, the API answers 401.
"""

from __future__ import annotations

import os

from claims_intake.api.auth import PROVIDER_NPI_CLAIM, STAFF_GROUP

DEV_STAFF_TOKEN_ENV = "CLAIMS_INTAKE_DEV_TOKEN"
DEFAULT_DEV_STAFF_TOKEN = "dev-staff"
DEV_PROVIDER_PREFIX = "dev-provider-"
LOCAL_CLAIMS = {
    "sub": "local-staff",
    "cognito:username": "local-staff",
    "email": "staff@localhost",
    "cognito:groups": STAFF_GROUP,
    "token_use": "id",
}


def dev_staff_token() -> str:
    return os.environ.get(DEV_STAFF_TOKEN_ENV, DEFAULT_DEV_STAFF_TOKEN)


def dev_claims(authorization: str | None) -> dict[str, str] | None:
    """Authorizer claims for a development token, or None (the request is then unauthorized)."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization.removeprefix("Bearer ").strip()
    if token == dev_staff_token():
        return {"sub": "dev-staff", "cognito:username": "dev-staff", "cognito:groups": STAFF_GROUP}
    if token.startswith(DEV_PROVIDER_PREFIX) and token[len(DEV_PROVIDER_PREFIX) :].isdigit():
        npi = token[len(DEV_PROVIDER_PREFIX) :]
        return {"sub": f"provider-{npi}", "cognito:username": f"provider-{npi}", PROVIDER_NPI_CLAIM: npi}
    return None


def token_claims(authorization: str | None) -> dict[str, str]:
    """A development token's claims; {} (unauthorized: 401) for no token or any other token, so a local
    stack reachable from a network is not an open door to staff."""
    return dev_claims(authorization) or {}
