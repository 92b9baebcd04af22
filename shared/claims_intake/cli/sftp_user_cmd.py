"""`claims-intake sftp-user --server-id S --role-arn R --bucket B --npi NPI --user NAME --ssh-key FILE`.

Adds a provider's SFTP user to the stack's Transfer Family server (template parameter EnableSftp; the
stack's outputs SftpServerId, SftpUserRoleArn, UploadsBucketName): its home is uploads/{NPI}/ and nothing
else (claims_intake/sftp.py). Exit codes: 0 added, 2 a bad argument (invalid NPI, user name or key).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..sftp import SftpUserError, add_provider_user
from .output import print_json

EXIT_BAD_ARGUMENT = 2


def register(verbs) -> None:
    parser = verbs.add_parser("sftp-user", help="add a provider's SFTP user, confined to its uploads/{NPI}/ folder")
    parser.add_argument("--server-id", required=True, help="the Transfer Family server (output SftpServerId)")
    parser.add_argument("--role-arn", required=True, help="the users' role (output SftpUserRoleArn)")
    parser.add_argument("--bucket", required=True, help="the uploads bucket (output UploadsBucketName)")
    parser.add_argument("--npi", required=True, help="the provider's billing NPI: its folder uploads/{NPI}/")
    parser.add_argument("--user", required=True, help="the SFTP user name")
    parser.add_argument("--ssh-key", required=True, type=Path, help="file holding the user's OpenSSH public key")
    parser.add_argument("--region", help="AWS region (default: from the environment or profile)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import boto3

    try:
        key = args.ssh_key.read_text()
    except OSError as problem:
        print(f"error: cannot read {args.ssh_key}: {problem.strerror}", file=sys.stderr)
        return EXIT_BAD_ARGUMENT
    transfer = boto3.client("transfer", **({"region_name": args.region} if args.region else {}))
    try:
        added = add_provider_user(transfer, args.server_id, args.role_arn, args.bucket, args.npi, args.user, key)
    except SftpUserError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_ARGUMENT
    print_json(added)
    return 0
