import boto3
import pytest
from moto import mock_aws

from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_tables
from claims_intake_dev.moto_speedup import speed_up_moto

BUCKET = "claims-intake-test-uploads"

speed_up_moto()


@pytest.fixture
def aws():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-west-2")
        create_tables(dynamodb, Tables())
        s3 = boto3.client("s3", region_name="us-west-2")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        yield dynamodb, s3


@pytest.fixture
def store(aws):
    return ClaimStore(Tables(), client=aws[0])
