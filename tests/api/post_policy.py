"""What S3 does with a browser POST upload, for the parts moto leaves out: the signed policy's conditions.

S3 refuses a POST whose form does not satisfy every condition of its policy, or that carries a field no
condition covers (AWS S3 API reference, "Creating a POST policy": conditions `{"field": value}` or
["eq", "$field", value] match exactly, ["starts-with", "$field", prefix] by prefix, ["content-length-range",
min, max] bound the file's size; field names are case-insensitive; `policy`, `x-amz-signature`, `file` and
`x-ignore-*` fields need no condition). moto 5.2 checks none of this, so the tests read the policy the API
signed and apply these rules to the form a browser would send.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

UNCONDITIONED = {"policy", "x-amz-signature", "file"}


def signed_policy(fields: dict[str, str]) -> dict[str, Any]:
    return json.loads(base64.b64decode(fields["policy"]))


def violations(fields: dict[str, str], bucket: str, size: int, now: datetime | None = None) -> list[str]:
    """Why S3 would refuse this form and a file of `size` bytes (empty: it would accept it)."""
    policy = signed_policy(fields)
    form = {name.lower(): value for name, value in fields.items()} | {"bucket": bucket}
    problems = []
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    if (now or datetime.now(UTC)) > expiration:
        problems.append("policy expired")
    covered = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            ((name, expected),) = condition.items()
            condition = ["eq", f"${name}", expected]
        operator = condition[0].lower()
        if operator == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if not low <= size <= high:
                problems.append(f"size {size} outside [{low}, {high}]")
            continue
        name = condition[1].lstrip("$").lower()
        covered.add(name)
        actual = form.get(name)
        if operator == "eq" and actual != condition[2]:
            problems.append(f"{name}: {actual!r} is not {condition[2]!r}")
        elif operator == "starts-with" and not (actual or "").startswith(condition[2]):
            problems.append(f"{name}: {actual!r} does not start with {condition[2]!r}")
    uncovered = {name for name in form if name not in covered | UNCONDITIONED and not name.startswith("x-ignore-")}
    problems.extend(f"field {name} is in no condition" for name in sorted(uncovered))
    return problems
