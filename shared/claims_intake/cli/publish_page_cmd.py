"""`claims-intake publish-page --bucket B --api-url U --login-domain D --client-id C`: put the staff
page in its S3 bucket, configured for the deployed API and Cognito sign-in (stack outputs)."""

from __future__ import annotations


def register(verbs) -> None:
    parser = verbs.add_parser("publish-page", help="publish the staff page to S3 (after sam deploy)")
    parser.add_argument("--bucket", required=True, help="stack output StaffSiteBucketName")
    parser.add_argument("--api-url", required=True, help="stack output StaffApiUrl")
    parser.add_argument("--login-domain", required=True, help="stack output StaffLoginDomain")
    parser.add_argument("--client-id", required=True, help="stack output StaffUserPoolClientId")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..web.publish import page_config, publish

    for key in publish(args.bucket, page_config(args.api_url, args.login_domain, args.client_id)):
        print(f"s3://{args.bucket}/{key}")
    return 0
