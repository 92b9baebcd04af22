"""The page published to S3 is the page the local server serves, with the cloud sign-in config."""

import json

import boto3
from moto import mock_aws

from claims_intake.cli import main
from claims_intake_dev.web_server import STATIC


def test_publish_page_puts_the_page_and_its_config_in_the_bucket(capsys):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="staff-site")
        assert (
            main(
                [
                    "publish-page",
                    "--bucket",
                    "staff-site",
                    "--api-url",
                    "https://abc.execute-api.us-west-2.amazonaws.com/dev/",
                    "--login-domain",
                    "https://claims-intake-dev.auth.us-west-2.amazoncognito.com",
                    "--client-id",
                    "client123",
                ]
            )
            == 0
        )
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="staff-site")["Contents"]}
        scripts = {f"static/{entry.name}" for entry in STATIC.iterdir() if entry.suffix in (".js", ".css")}
        assert {"static/app.js", "static/search.js", "static/review.js", "static/style.css"} <= scripts
        assert keys == {"index.html", "portal.html", "config.json"} | scripts
        config = json.loads(s3.get_object(Bucket="staff-site", Key="config.json")["Body"].read())
        assert config == {
            "apiRoot": "https://abc.execute-api.us-west-2.amazonaws.com/dev",
            "auth": "cognito",
            "cognitoDomain": "https://claims-intake-dev.auth.us-west-2.amazoncognito.com",
            "clientId": "client123",
        }
        page = s3.get_object(Bucket="staff-site", Key="static/app.js")
        assert page["ContentType"] in ("text/javascript", "application/javascript")
        assert page["Body"].read() == STATIC.joinpath("app.js").read_bytes()
    assert "s3://staff-site/config.json" in capsys.readouterr().out
