"""SFTP for billing software (AWS Transfer Family, template parameter EnableSftp, off by default): one user per
provider, whose home is its own uploads/{NPI}/ folder, so a file it puts there is read by the intake exactly
as any provider upload (docs/pipeline.md), with the folder bound to the billing NPI.

The user is service-managed (an SSH public key) and chrooted by a logical home directory: "/" is
/{bucket}/uploads/{NPI}, and nothing above it exists for the user. Its session policy narrows the shared
SftpUserRole (put and list under uploads/) to that one folder, so even a mapping mistake cannot reach
another provider's folder.
"""

from __future__ import annotations

import json
from typing import Any

from .validators import is_valid_npi

UPLOADS_PREFIX = "uploads/"
USER_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@."


class SftpUserError(ValueError):
    pass


def provider_home(bucket: str, npi: str) -> str:
    return f"/{bucket}/{UPLOADS_PREFIX}{npi}"


def session_policy(bucket: str, npi: str) -> dict[str, Any]:
    """What the user may do with the role's permissions: list, put, read back and replace in its own folder."""
    folder = f"{UPLOADS_PREFIX}{npi}/"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListOwnFolder",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [folder, f"{folder}*"]}},
            },
            {
                "Sid": "PutInOwnFolder",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"],
                "Resource": f"arn:aws:s3:::{bucket}/{folder}*",
            },
        ],
    }


def provider_user_request(
    server_id: str, role_arn: str, bucket: str, npi: str, user_name: str, ssh_public_key: str
) -> dict[str, Any]:
    """The Transfer Family CreateUser request for a provider's SFTP user, or SftpUserError."""
    if not is_valid_npi(npi):
        raise SftpUserError(f"{npi!r} is not a valid NPI")
    if not 3 <= len(user_name) <= 100 or any(c not in USER_NAME_CHARACTERS for c in user_name):
        raise SftpUserError("a user name is 3-100 letters, digits, _ - @ .")
    key = ssh_public_key.strip()
    if not key.startswith(("ssh-rsa ", "ssh-ed25519 ", "ecdsa-sha2-")):
        raise SftpUserError("the SSH public key must be an OpenSSH public key (ssh-ed25519, ssh-rsa or ecdsa)")
    return {
        "ServerId": server_id,
        "UserName": user_name,
        "Role": role_arn,
        "HomeDirectoryType": "LOGICAL",
        "HomeDirectoryMappings": [{"Entry": "/", "Target": provider_home(bucket, npi)}],
        "Policy": json.dumps(session_policy(bucket, npi)),
        "SshPublicKeyBody": key,
        "Tags": [{"Key": "provider_npi", "Value": npi}],
    }


def add_provider_user(
    transfer: Any, server_id: str, role_arn: str, bucket: str, npi: str, user_name: str, ssh_public_key: str
) -> dict[str, Any]:
    """Create the user; returns its home (what the provider sees as /) and the server's user name."""
    request = provider_user_request(server_id, role_arn, bucket, npi, user_name, ssh_public_key)
    transfer.create_user(**request)
    return {"server_id": server_id, "user": user_name, "npi": npi, "home": provider_home(bucket, npi)}
