"""Publish the staff page to its S3 bucket (behind CloudFront) with the config that points it at
the deployed API and the Cognito hosted sign-in. The same files the local server serves."""

from __future__ import annotations

import json
import mimetypes
from typing import Any

import boto3

from . import PAGES, STATIC


def page_config(api_url: str, login_domain: str, client_id: str) -> dict[str, Any]:
    return {
        "apiRoot": api_url.rstrip("/"),
        "auth": "cognito",
        "cognitoDomain": login_domain.rstrip("/"),
        "clientId": client_id,
    }


def publish(bucket: str, config: dict[str, Any], s3=None) -> list[str]:
    """Upload the pages (index.html, portal.html), static/* and config.json; returns the keys written."""
    s3 = s3 or boto3.client("s3")
    written = []
    for entry in STATIC.iterdir():
        if not entry.is_file():
            continue
        key = entry.name if entry.name in PAGES else f"static/{entry.name}"
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=entry.read_bytes(),
            ContentType=mimetypes.guess_type(entry.name)[0] or "application/octet-stream",
        )
        written.append(key)
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config).encode(), ContentType="application/json")
    written.append("config.json")
    return sorted(written)
