"""The emulator runs a pool's Pre Token Generation trigger when it issues tokens, as
Cognito does (see pre_token_trigger.py): at sign-in and refresh, with the V2_0 event,
and the claims it answers are in both tokens; a failing trigger fails the sign-in.

The function is the project's own `pre-token` binary (built by `cargo build -p
pre-token`) where the test needs it, and small runtime-API clients in Python for the
answers that binary never gives (an error, no answer in time, a non-JSON answer).

    .venv/bin/python -m pytest tests/emulator/test_pre_token_trigger.py
"""

from __future__ import annotations

import base64
import json
import os
import sys
import textwrap
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[2]
PRE_TOKEN_BINARY = REPO / "target" / "debug" / "pre-token"
PASSWORD = "Correct-Horse-9-Battery"
IDENTITY_ID = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"

# A Lambda function in Python, polling the runtime API as the Rust runtime does. MODE:
# "record" (answers the event with a `tenant` claim in both tokens and records it),
# "error", "slow" (never answers in time) or "garbage" (an answer that is no JSON).
STAND_IN = textwrap.dedent('''
    import json, os, time, urllib.request
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
    mode, record = os.environ["MODE"], os.environ.get("RECORD")
    while True:
        with urllib.request.urlopen(api + "next") as next_event:
            request_id = next_event.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(next_event.read())
        if record:
            with open(record, "a") as log:
                log.write(json.dumps(event) + "\\n")
        if mode == "error":
            body, kind = json.dumps({"errorType": "Boom", "errorMessage": "no claims today"}).encode(), "error"
        elif mode == "slow":
            time.sleep(30)
            continue
        elif mode == "garbage":
            body, kind = b"not json", "response"
        else:
            event["response"]["claimsAndScopeOverrideDetails"] = {
                "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "t1", "sub": "forged"}},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "t1"}, "scopesToAdd": ["extra"]},
            }
            body, kind = json.dumps(event).encode(), "response"
        urllib.request.urlopen(urllib.request.Request(api + request_id + "/" + kind, data=body, method="POST")).read()
''')


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def control(endpoint: str, method: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{endpoint}/_emulator/lambda-functions",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return {"status": error.code, **json.loads(error.read())}


@pytest.fixture()
def idp(endpoint):
    return boto3.client(
        "cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def function_arn() -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:pre-token-{uuid.uuid4().hex[:8]}"


def pool_with_trigger(idp, arn: str | None, version: str = "V2_0", tier: str | None = None):
    config: dict = {
        "PoolName": f"trigger-{uuid.uuid4().hex[:8]}",
        "Schema": [{"Name": "identity_id", "AttributeDataType": "String", "Mutable": True}],
    }
    if arn:
        config["LambdaConfig"] = {"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": version}}
    if tier:
        config["UserPoolTier"] = tier
    pool_id = idp.create_user_pool(**config)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="ada", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="ada", Password=PASSWORD, Permanent=True)
    return pool_id, client_id


def sign_in(idp, client_id: str) -> dict:
    return idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD}
    )["AuthenticationResult"]


def refresh(idp, client_id: str, refresh_token: str) -> dict:
    return idp.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
    )["AuthenticationResult"]


def stand_in(endpoint: str, tmp_path: Path, arn: str, mode: str) -> Path:
    script = tmp_path / "function.py"
    script.write_text(STAND_IN)
    record = tmp_path / "events.jsonl"
    answer = control(endpoint, "POST", {
        "functionArn": arn, "command": [sys.executable, str(script)],
        "environment": {"MODE": mode, "RECORD": str(record)},
    })
    assert answer.get("functionArn") == arn, answer
    return record


def test_sign_in_and_refresh_send_the_v2_event_and_apply_its_answer(endpoint, idp, tmp_path):
    arn = function_arn()
    record = stand_in(endpoint, tmp_path, arn, "record")
    pool_id, client_id = pool_with_trigger(idp, arn)
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="ada", UserAttributes=[{"Name": "custom:identity_id", "Value": IDENTITY_ID}]
    )
    try:
        tokens = sign_in(idp, client_id)
        access, id_token = claims(tokens["AccessToken"]), claims(tokens["IdToken"])
        assert access["tenant"] == "t1" and id_token["tenant"] == "t1"
        assert access["scope"].split() == ["aws.cognito.signin.user.admin", "extra"]
        # An excluded claim is never changed.
        assert id_token["sub"] != "forged"
        refreshed = refresh(idp, client_id, tokens["RefreshToken"])
        assert claims(refreshed["AccessToken"])["tenant"] == "t1"

        events = [json.loads(line) for line in record.read_text().splitlines()]
        # One invocation per issue of tokens, for both of them.
        assert [e["triggerSource"] for e in events] == ["TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]
        first = events[0]
        assert first["version"] == "2" and first["userPoolId"] == pool_id and first["userName"] == "ada"
        assert first["callerContext"]["clientId"] == client_id
        assert first["request"]["userAttributes"]["custom:identity_id"] == IDENTITY_ID
        assert first["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
        assert first["request"]["userAttributes"]["sub"] == access["sub"]
        assert first["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
        assert first["response"] == {"claimsAndScopeOverrideDetails": None}
        assert control(endpoint, "GET")["functions"][0]["coldStarts"] == 1
    finally:
        control(endpoint, "DELETE")


def test_admin_initiate_auth_runs_the_trigger_too(endpoint, idp, tmp_path):
    arn = function_arn()
    stand_in(endpoint, tmp_path, arn, "record")
    pool_id, client_id = pool_with_trigger(idp, arn)
    try:
        tokens = idp.admin_initiate_auth(
            UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        assert claims(tokens["AccessToken"])["tenant"] == "t1"
    finally:
        control(endpoint, "DELETE")


@pytest.mark.parametrize(
    ("mode", "error_code"),
    [("error", "UserLambdaValidationException"), ("garbage", "InvalidLambdaResponseException"),
     ("slow", "UnexpectedLambdaException")],
)
def test_a_failing_trigger_fails_the_sign_in(endpoint, idp, tmp_path, mode, error_code):
    arn = function_arn()
    stand_in(endpoint, tmp_path, arn, mode)
    _, client_id = pool_with_trigger(idp, arn)
    try:
        with pytest.raises(ClientError) as refused:
            sign_in(idp, client_id)
        assert refused.value.response["Error"]["Code"] == error_code
        if mode == "error":
            assert "PreTokenGeneration failed with error no claims today" in refused.value.response["Error"]["Message"]
    finally:
        control(endpoint, "DELETE")


def test_a_trigger_with_no_local_function_fails_the_sign_in(idp):
    _, client_id = pool_with_trigger(idp, function_arn())
    with pytest.raises(ClientError) as refused:
        sign_in(idp, client_id)
    assert refused.value.response["Error"]["Code"] == "UnexpectedLambdaException"


def test_a_pool_without_a_trigger_issues_tokens_as_before(idp):
    _, client_id = pool_with_trigger(idp, None)
    assert "tenant" not in claims(sign_in(idp, client_id)["AccessToken"])


def test_access_token_customization_needs_essentials_or_plus(idp):
    arn = function_arn()
    with pytest.raises(ClientError) as refused:
        pool_with_trigger(idp, arn, tier="LITE")
    assert refused.value.response["Error"]["Code"] == "FeatureUnavailableInTierException"
    # V1_0 (id token only) is in every plan; moving that Lite pool to V2_0 is refused.
    pool_id = idp.create_user_pool(
        PoolName="lite", UserPoolTier="LITE",
        LambdaConfig={"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V1_0"}},
    )["UserPool"]["Id"]
    with pytest.raises(ClientError) as refused:
        idp.update_user_pool(
            UserPoolId=pool_id, LambdaConfig={"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V2_0"}}
        )
    assert refused.value.response["Error"]["Code"] == "FeatureUnavailableInTierException"
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTier"] == "LITE"


def test_registration_refuses_what_it_cannot_run(endpoint):
    assert control(endpoint, "POST", {"functionArn": "nope", "command": ["/bin/true"]})["status"] == 400
    assert control(endpoint, "POST", {"functionArn": function_arn(), "command": ["/no/such/file"]})["status"] == 400


@pytest.mark.skipif(not os.access(PRE_TOKEN_BINARY, os.X_OK), reason="cargo build -p pre-token first")
def test_the_pre_token_function_puts_identity_id_in_both_tokens_once_linked(endpoint, idp, tmp_path):
    arn = function_arn()
    log = tmp_path / "pre-token.log"
    control(endpoint, "POST", {
        "functionArn": arn, "command": [str(PRE_TOKEN_BINARY)], "environment": {"RUST_LOG": "info"},
        "logFile": str(log),
    })
    pool_id, client_id = pool_with_trigger(idp, arn)
    try:
        # Not linked yet: the tokens are Cognito's own, and the sign-in works.
        tokens = sign_in(idp, client_id)
        assert "identity_id" not in claims(tokens["AccessToken"])
        assert "identity_id" not in claims(tokens["IdToken"])
        # Linked (what the link function writes), then refreshed: both tokens carry it.
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username="ada", UserAttributes=[{"Name": "custom:identity_id", "Value": IDENTITY_ID}]
        )
        refreshed = refresh(idp, client_id, tokens["RefreshToken"])
        assert claims(refreshed["AccessToken"])["identity_id"] == IDENTITY_ID
        assert claims(refreshed["IdToken"])["identity_id"] == IDENTITY_ID
        assert claims(refreshed["IdToken"])["custom:identity_id"] == IDENTITY_ID
        # A value that is no IdentityId is not copied, and the sign-in still works.
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username="ada", UserAttributes=[{"Name": "custom:identity_id", "Value": "x"}]
        )
        assert "identity_id" not in claims(sign_in(idp, client_id)["AccessToken"])
    finally:
        control(endpoint, "DELETE")
    logged = log.read_text()
    assert "claim_added" in logged and "not_linked" in logged and "malformed_attribute" in logged
    # Never the user's ids or name in the function's log.
    assert IDENTITY_ID not in logged and "ada" not in logged
