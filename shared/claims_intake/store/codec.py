"""Python values <-> DynamoDB attribute values, without ever passing through float.

DynamoDB numbers come back as Decimal; money stays Decimal (or a '0.00' string inside documents),
integers come back as int, and the only floats we store (OCR confidences) go in as Decimal.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_storable(value: Any) -> Any:
    """Floats to Decimal (via their text, so 0.93 stays 0.93), tuples to lists, dates to ISO text."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool) or value is None or isinstance(value, (int, str, Decimal)):
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_storable(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(to_storable(value)) for key, value in values.items()}


def to_value(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(to_storable(value)))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def plain(value: Any) -> Any:
    """A stored document back to JSON-like values: integral numbers to int, others to float.

    Only for documents (claim output, provenance), where money is already text; typed money
    attributes are read as Decimal and never go through here.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def iso(moment: datetime) -> str:
    """UTC timestamps in one fixed-width format, so they sort as text in sort keys."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def as_iso(moment: datetime | date | str) -> str:
    if isinstance(moment, datetime):
        return iso(moment)
    if isinstance(moment, date):
        return iso(datetime(moment.year, moment.month, moment.day, tzinfo=UTC))
    return iso(datetime.fromisoformat(moment.replace("Z", "+00:00")))


def encode_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode()


def decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, json.JSONDecodeError) as problem:
        raise ValueError("invalid page token") from problem
    if not isinstance(key, dict):
        raise ValueError("invalid page token")
    return key
