"""Notices to providers (SNS): what was wrong with an upload and what to send instead."""

from __future__ import annotations

import json

from .objects import S3Object


def unreadable_file_notice(obj: S3Object, provider: str | None, code: str, message: str) -> dict:
    """The SNS publish request for a file that could not be read (the provider's own file name only)."""
    folder = f"uploads/{provider}/" if provider else "your uploads folder"
    opening = (
        "We could not read the file" if code != "claim_too_large" else "We could not receive one claim of the file"
    )
    text = (
        f"{opening} {obj.filename} you uploaded.\n\n"
        f"Reason: {message}\n\n"
        f"What to do: correct the file and upload it again to {folder}. The original is kept "
        f"(reference {obj.ref}); nothing else you sent is affected."
    )
    return {
        "Subject": "Claims intake: a file could not be read",
        "Message": text,
        "MessageAttributes": {
            "kind": {
                "DataType": "String",
                "StringValue": "unreadable_file" if code != "claim_too_large" else "claim_not_received",
            },
            "code": {"DataType": "String", "StringValue": code},
            "provider": {"DataType": "String", "StringValue": provider or "unknown"},
        },
    }


def reference_load_failed_notice(obj: S3Object, code: str, message: str) -> dict:
    """For the plan's operations staff: a reference file was not loaded (the previous data stays)."""
    return {
        "Subject": "Claims intake: a reference file was not loaded",
        "Message": json.dumps(
            {
                "file": obj.key,
                "reference": obj.ref,
                "code": code,
                "reason": message,
                "what_to_do": "Correct the file and upload it again; the previous data is still in use.",
            }
        ),
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "reference_load_failed"},
            "code": {"DataType": "String", "StringValue": code},
        },
    }
