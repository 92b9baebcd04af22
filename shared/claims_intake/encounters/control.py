"""Interchange and group control numbers that never repeat.

In the cloud: one item in the claims table (`pk = COUNTER#x12`, `sk = CONTROL`), raised with an atomic
`ADD` so two writers never get the same number. On a workstation (the CLI): a small file raised under an
exclusive lock. Both hand out a block of consecutive numbers at once (an interchange and its groups).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import ClassVar, Protocol

MAX_CONTROL_NUMBER = 999_999_999  # ISA13 is nine digits


class ControlNumbersExhausted(RuntimeError):
    pass


class ControlNumbers(Protocol):
    def take(self, count: int) -> list[int]:
        """`count` consecutive numbers no one else has been given."""


def _block(last: int, count: int) -> list[int]:
    if last > MAX_CONTROL_NUMBER:
        raise ControlNumbersExhausted(f"control numbers used up (reached {last}); a new sender id is needed")
    return list(range(last - count + 1, last + 1))


class DynamoControlNumbers:
    """The counter item in the claims table (an item in an existing table, not a table of its own)."""

    KEY: ClassVar[dict[str, dict[str, str]]] = {"pk": {"S": "COUNTER#x12"}, "sk": {"S": "CONTROL"}}

    def __init__(self, client, table: str):
        self.client, self.table = client, table

    def take(self, count: int) -> list[int]:
        answer = self.client.update_item(
            TableName=self.table,
            Key=self.KEY,
            UpdateExpression="ADD #n :count",
            ExpressionAttributeNames={"#n": "last_control_number"},
            ExpressionAttributeValues={":count": {"N": str(count)}},
            ReturnValues="UPDATED_NEW",
        )
        return _block(int(answer["Attributes"]["last_control_number"]["N"]), count)


class FileControlNumbers:
    """A counter file for the CLI: read, raise and rewrite under an exclusive lock (fsync'd)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def take(self, count: int) -> list[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            written = handle.read().strip()
            if written and not written.isdigit():
                raise ValueError(f"control number file {self.path} holds '{written[:20]}', not a number")
            last = int(written or 0) + count
            block = _block(last, count)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{last}\n")
            handle.flush()
            os.fsync(handle.fileno())
        return block
