"""SFTP for billing software: each provider's user is confined to its own uploads/{NPI}/ folder (a logical home
and a session policy), the template keeps the endpoint off by default, and the CLI adds users."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from claims_intake.cli import main
from claims_intake.sftp import SftpUserError, add_provider_user, provider_user_request, session_policy

ROOT = Path(__file__).resolve().parents[2]
NPI, OTHER_NPI = "1456700024", "1456700016"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3x7ZgQk3Yk9m0mJQd0e0N3sF0h8p2eN3m4o5p6q7r8 billing@bay-housing"
ROLE = "arn:aws:iam::123456789012:role/sftp-users"


@pytest.fixture
def transfer():
    with mock_aws():
        client = boto3.client("transfer", region_name="us-west-2")
        server = client.create_server(Protocols=["SFTP"], IdentityProviderType="SERVICE_MANAGED")["ServerId"]
        yield client, server


def test_a_provider_user_lives_in_its_own_folder(transfer):
    client, server = transfer
    added = add_provider_user(client, server, ROLE, "claims-bucket", NPI, "bay-housing", KEY)
    assert added["home"] == f"/claims-bucket/uploads/{NPI}"
    user = client.describe_user(ServerId=server, UserName="bay-housing")["User"]
    assert user["HomeDirectoryType"] == "LOGICAL"
    assert user["HomeDirectoryMappings"] == [{"Entry": "/", "Target": f"/claims-bucket/uploads/{NPI}"}]
    assert user["Role"] == ROLE
    policy = json.loads(user["Policy"])
    resources = [statement["Resource"] for statement in policy["Statement"]]
    assert f"arn:aws:s3:::claims-bucket/uploads/{NPI}/*" in resources
    assert not any(OTHER_NPI in json.dumps(statement) for statement in policy["Statement"])


def test_the_session_policy_names_no_other_folder():
    policy = json.dumps(session_policy("claims-bucket", NPI))
    assert "uploads/*" not in policy and f"uploads/{NPI}/" in policy and "rfi/" not in policy


@pytest.mark.parametrize(
    ("npi", "user", "key", "problem"),
    [
        ("1456700025", "bay", KEY, "not a valid NPI"),
        ("../1456700024", "bay", KEY, "not a valid NPI"),
        (NPI, "b", KEY, "user name"),
        (NPI, "bay/../x", KEY, "user name"),
        (NPI, "bay", "-----BEGIN OPENSSH PRIVATE KEY-----", "public key"),
    ],
)
def test_bad_users_are_refused_before_anything_is_created(npi, user, key, problem):
    with pytest.raises(SftpUserError, match=problem):
        provider_user_request("s-1", ROLE, "claims-bucket", npi, user, key)


def test_the_cli_adds_a_user(transfer, tmp_path, capsys, monkeypatch):
    client, server = transfer
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    key_file = tmp_path / "id.pub"
    key_file.write_text(KEY + "\n")
    arguments = ["sftp-user", "--server-id", server, "--role-arn", ROLE, "--bucket", "claims-bucket"]
    assert main([*arguments, "--npi", NPI, "--user", "bay-housing", "--ssh-key", str(key_file)]) == 0
    assert json.loads(capsys.readouterr().out)["home"] == f"/claims-bucket/uploads/{NPI}"
    assert client.describe_user(ServerId=server, UserName="bay-housing")["User"]["UserName"] == "bay-housing"
    assert main([*arguments, "--npi", "123", "--user", "bay-housing", "--ssh-key", str(key_file)]) == 2
    assert "not a valid NPI" in capsys.readouterr().err


def _template() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)


def test_the_endpoint_is_a_template_parameter_off_by_default():
    template = _template()
    assert template["Parameters"]["EnableSftp"]["Default"] == "false"
    sftp = {name: r for name, r in template["Resources"].items() if name.startswith("Sftp")}
    assert {"SftpServer", "SftpUserRole", "SftpLoggingRole"} <= set(sftp)
    assert all(resource.get("Condition") == "UseSftp" for resource in sftp.values())
