import boto3
import pytest
from moto import mock_aws

from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_tables
from claims_intake_dev.moto_speedup import speed_up_moto


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        create_tables(client, Tables())
        yield client


@pytest.fixture
def store(dynamodb):
    return ClaimStore(Tables(), client=dynamodb)


speed_up_moto()  # otherwise moto's transactions and queries cost more as tables grow (see the module)
