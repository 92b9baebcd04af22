"""Every API request audited: who (user, staff or the provider's NPI), what (method, path), when, and how it
ended (status code), as one structured log line per request.

The lines go to the API function's log group (KMS-encrypted, kept 90 days; template.yaml) under the
message `api request` with an `audit` object, so a CloudWatch Logs Insights query finds who read or changed
which claim. No PHI: the path carries only claim ids, item ids and upload refs; the query string (a search
can be a member's name) and the body (values, documents) are never logged, only the names of the query
parameters used.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from .auth import PROVIDER_NPI_CLAIM, STAFF_GROUP, _groups

# The function's Powertools logger emits it (JSON, POWERTOOLS_LOG_LEVEL INFO), as the pipeline's lines.
logger = Logger(child=True)

AUDIT_MESSAGE = "api request"


def who(event: Mapping[str, Any]) -> dict[str, Any]:
    """The caller as the authorizer verified it (nothing when unauthenticated)."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    user = claims.get("cognito:username") or claims.get("email") or claims.get("sub")
    return {
        "user": str(user) if user else None,
        "staff": STAFF_GROUP in _groups(claims.get("cognito:groups")),
        "provider_npi": claims.get(PROVIDER_NPI_CLAIM) or None,
    }


class AuditedResolver(APIGatewayRestResolver):
    """The API's resolver, logging one audit line per request once it is answered: whatever answered it
    (a route, a refused validation (422), an unknown route, an error handler), the line has its status."""

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        record: dict[str, Any] = {
            **who(event),
            "method": event.get("httpMethod"),
            "path": event.get("path"),
            "query_parameters": sorted((event.get("queryStringParameters") or {}).keys()),
            "request_id": (event.get("requestContext") or {}).get("requestId"),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        try:
            response = super().resolve(event, context)
        except Exception as error:  # no handler took it: Lambda reports the failure
            record.update(outcome=type(error).__name__, ms=round((time.perf_counter() - started) * 1000, 1))
            logger.info(AUDIT_MESSAGE, extra={"audit": record})
            raise
        record.update(status=response.get("statusCode"), ms=round((time.perf_counter() - started) * 1000, 1))
        logger.info(AUDIT_MESSAGE, extra={"audit": record})
        return response
