"""The emulator's fault control: the next N calls of a Cognito operation answer as a
throttled or unavailable Cognito does, seen through boto3 as any SDK sees them.

    .venv/bin/python -m pytest tests/emulator/test_cognito_faults.py
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
import create_local_stack  # noqa: E402

REGION = "us-east-1"
PASSWORD = "Faults-Passw0rd-local"

# The `endpoint` fixture (the emulator as a process) is in conftest.py.


def client(endpoint: str, service: str):
    """A client that makes exactly one attempt per call, so each call meets one answer."""
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def control(endpoint: str, method: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{endpoint}/_emulator/faults", data=data, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Stack:
    """A user pool, its app client and identity pool, and one signed-in user's GetId."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.ids = create_local_stack.create(endpoint, f"faults-{uuid.uuid4().hex[:8]}")
        idp = client(endpoint, "cognito-idp")
        pool, app = self.ids["UserPoolId"], self.ids["UserPoolClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="fay", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "fay@example.com"}])
        idp.admin_set_user_password(UserPoolId=pool, Username="fay", Password=PASSWORD, Permanent=True)
        tokens = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "fay", "PASSWORD": PASSWORD})["AuthenticationResult"]
        self.logins = {f"cognito-idp.{REGION}.amazonaws.com/{pool}": tokens["IdToken"]}

    @property
    def identity_pool(self) -> str:
        return self.ids["IdentityPoolId"]

    def get_id(self) -> dict:
        """GetId's answer: {"id": ...} or {"code", "status"} of the error."""
        try:
            answer = client(self.endpoint, "cognito-identity").get_id(
                IdentityPoolId=self.identity_pool, Logins=self.logins)
            return {"id": answer["IdentityId"]}
        except ClientError as error:
            return {"code": error.response["Error"]["Code"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.fixture(scope="module")
def stack(endpoint) -> Stack:
    return Stack(endpoint)


@pytest.fixture(autouse=True)
def no_faults_left(endpoint):
    yield
    control(endpoint, "DELETE")


def test_the_next_calls_are_unavailable_then_the_service_answers_again(endpoint, stack):
    status, state = control(endpoint, "POST", {"operation": "GetId", "kind": "unavailable", "count": 2,
                                              "pool": stack.identity_pool})
    assert status == 200
    assert state["faults"] == [{"operation": "GetId", "kind": "unavailable", "remaining": 2, "answered": 0,
                                "pool": stack.identity_pool}]
    unavailable = {"code": "InternalErrorException", "status": 500}
    assert [stack.get_id(), stack.get_id()] == [unavailable, unavailable]
    answered = stack.get_id()
    assert answered["id"].startswith(f"{REGION}:"), answered
    assert stack.get_id() == answered, "the same IdentityId, as before the faults"
    # A used-up fault stays listed, with how many calls it answered, until replaced or cleared.
    assert control(endpoint, "GET") == (200, {"faults": [{"operation": "GetId", "kind": "unavailable",
                                                          "remaining": 0, "answered": 2, "pool": stack.identity_pool}]})


def test_throttled_is_cognitos_too_many_requests(endpoint, stack):
    control(endpoint, "POST", {"operation": "GetId", "kind": "throttled", "count": 1})
    assert stack.get_id() == {"code": "TooManyRequestsException", "status": 400}
    assert "id" in stack.get_id()


def test_faults_are_logged_as_calls(endpoint, stack):
    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_emulator/calls", method="DELETE")):
        pass
    control(endpoint, "POST", {"operation": "GetId", "kind": "throttled", "count": 1, "pool": stack.identity_pool})
    stack.get_id()
    stack.get_id()
    with urllib.request.urlopen(f"{endpoint}/_emulator/calls") as response:
        calls = [c for c in json.loads(response.read())["calls"] if c["operation"] == "GetId"]
    assert calls == [
        {"service": "cognito-identity", "operation": "GetId", "pool": stack.identity_pool,
         "fault": "TooManyRequestsException"},
        {"service": "cognito-identity", "operation": "GetId", "pool": stack.identity_pool},
    ]


def test_a_fault_for_another_pool_or_operation_leaves_these_calls_alone(endpoint, stack):
    control(endpoint, "POST", {"operation": "GetId", "kind": "unavailable", "count": 5,
                               "pool": "us-east-1:00000000-0000-4000-8000-000000000000"})
    control(endpoint, "POST", {"operation": "GetCredentialsForIdentity", "kind": "unavailable", "count": 5})
    assert "id" in stack.get_id()
    remaining = {f["operation"]: (f["remaining"], f["answered"]) for f in control(endpoint, "GET")[1]["faults"]}
    assert remaining == {"GetId": (5, 0), "GetCredentialsForIdentity": (5, 0)}


def test_count_zero_and_delete_remove_faults(endpoint, stack):
    control(endpoint, "POST", {"operation": "GetId", "kind": "unavailable", "count": 3})
    assert control(endpoint, "POST", {"operation": "GetId", "kind": "unavailable", "count": 0}) == (200, {"faults": []})
    assert "id" in stack.get_id()
    control(endpoint, "POST", {"operation": "GetId", "kind": "throttled", "count": 3, "pool": stack.identity_pool})
    assert control(endpoint, "DELETE") == (200, {"faults": []})
    assert "id" in stack.get_id()


@pytest.mark.parametrize("body, names", [
    ({"kind": "unavailable", "count": 1}, "'operation'"),
    ({"operation": "GetId", "kind": "slow", "count": 1}, "'kind'"),
    ({"operation": "GetId", "kind": "throttled"}, "'count'"),
    ({"operation": "GetId", "kind": "throttled", "count": -1}, "'count'"),
    ({"operation": "GetId", "kind": "throttled", "count": True}, "'count'"),
    ({"operation": "GetId", "kind": "throttled", "count": 1, "pool": 7}, "'pool'"),
    ([], "JSON object"),
])
def test_bad_requests_are_refused_with_the_reason(endpoint, body, names):
    status, answer = control(endpoint, "POST", body)
    assert status == 400
    assert names in answer["error"]
    assert control(endpoint, "GET") == (200, {"faults": []})
