"""The emulator's SRP sign-in and GetTokensFromRefreshToken, through boto3 over HTTP.

Runs the emulator as a process (as the suite does) and acts as Cognito's SRP
client does, with the formulas of Amplify and aws-cognito-srp: a wrong password
must be refused, the right one accepted, and a refresh must give a new id token
that carries the user's custom attributes.

    .venv/bin/python -m pytest tests/emulator/test_user_pool_sign_in.py
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
from cognito_emulator import SRP_G, SRP_K, SRP_N, srp_pad_hex  # noqa: E402

PASSWORD = "Correct-Horse-9-Battery"

# The `endpoint` fixture (the emulator as a process) is in conftest.py.


@pytest.fixture()
def idp(endpoint):
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture()
def pool(idp):
    pool_id = idp.create_user_pool(
        PoolName=f"srp-{uuid.uuid4().hex[:8]}",
        Schema=[{"Name": "identity_id", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
    username = "ada"
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    return pool_id, client_id, username


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


def srp_sign_in(idp, pool_id: str, client_id: str, username: str, password: str) -> dict:
    """Cognito's SRP exchange from the client side (Amplify's steps)."""
    a = secrets.randbelow(SRP_N - 1) + 1
    a_value = pow(SRP_G, a, SRP_N)
    started = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": username, "SRP_A": format(a_value, "x")},
    )
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    params = started["ChallengeParameters"]
    user_id = params["USER_ID_FOR_SRP"]
    b_value = int(params["SRP_B"], 16)
    salt = int(params["SALT"], 16)
    pool_name = pool_id.split("_", 1)[1]
    u = int(_hash_hex(srp_pad_hex(a_value) + srp_pad_hex(b_value)), 16)
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    x = int(_hash_hex(srp_pad_hex(salt) + inner), 16)
    s = pow((b_value - SRP_K * pow(SRP_G, x, SRP_N)) % SRP_N, a + u * x, SRP_N)
    prk = hmac.new(bytes.fromhex(srp_pad_hex(u)), bytes.fromhex(srp_pad_hex(s)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    now = datetime.now(timezone.utc)
    timestamp = f"{now:%a %b} {now.day} {now:%H:%M:%S} UTC {now.year}"
    message = pool_name.encode() + user_id.encode() + base64.b64decode(params["SECRET_BLOCK"]) + timestamp.encode()
    signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
        **({"Session": started["Session"]} if started.get("Session") else {}),
    )


def claims(token: str) -> dict:
    import json

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_srp_challenge_names_the_user_by_username(idp, pool):
    pool_id, client_id, username = pool
    started = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": username, "SRP_A": "abc123"}
    )
    params = started["ChallengeParameters"]
    assert params["USER_ID_FOR_SRP"] == username
    assert int(params["SRP_B"], 16) % SRP_N != 0
    assert len(base64.b64decode(params["SECRET_BLOCK"])) == 64


def test_srp_with_the_right_password_gives_the_users_tokens(idp, pool):
    pool_id, client_id, username = pool
    result = srp_sign_in(idp, pool_id, client_id, username, PASSWORD)["AuthenticationResult"]
    assert claims(result["IdToken"])["cognito:username"] == username
    assert claims(result["IdToken"])["aud"] == client_id
    assert result["RefreshToken"]


def test_srp_with_a_wrong_password_is_refused(idp, pool):
    pool_id, client_id, username = pool
    with pytest.raises(ClientError) as refused:
        srp_sign_in(idp, pool_id, client_id, username, "Wrong-Horse-9-Battery")
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == "Incorrect username or password."


def test_srp_unknown_user_is_user_not_found(idp, pool):
    _, client_id, _ = pool
    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(
            ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "nobody", "SRP_A": "abc"}
        )
    assert refused.value.response["Error"]["Code"] == "UserNotFoundException"


def test_a_secret_block_answers_once(idp, pool):
    pool_id, client_id, username = pool
    started = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": username, "SRP_A": "abc123"}
    )
    answer = {
        "USERNAME": username,
        "PASSWORD_CLAIM_SECRET_BLOCK": started["ChallengeParameters"]["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"x" * 32).decode(),
        "TIMESTAMP": "Tue Dec 1 17:24:00 UTC 2026",
    }
    for message in ("Incorrect username or password.", "Invalid session for the user."):
        with pytest.raises(ClientError) as refused:
            idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
        assert refused.value.response["Error"]["Message"] == message


def test_get_tokens_from_refresh_token_gives_a_new_id_token_with_custom_attributes(idp, pool):
    pool_id, client_id, username = pool
    first = srp_sign_in(idp, pool_id, client_id, username, PASSWORD)["AuthenticationResult"]
    assert "custom:identity_id" not in claims(first["IdToken"])
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=[{"Name": "custom:identity_id", "Value": "us-east-1:x"}]
    )
    time.sleep(1.1)  # a new iat, so the token differs
    refreshed = idp.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=first["RefreshToken"])
    result = refreshed["AuthenticationResult"]
    assert result["IdToken"] != first["IdToken"]
    assert claims(result["IdToken"])["custom:identity_id"] == "us-east-1:x"
    assert claims(result["IdToken"])["sub"] == claims(first["IdToken"])["sub"]


def test_get_tokens_from_refresh_token_refuses_an_unknown_token(idp, pool):
    _, client_id, _ = pool
    with pytest.raises(ClientError) as refused:
        idp.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken="not-a-refresh-token")
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
