"""An IdentityId that disappears or is merged away, seen through boto3 as any SDK sees it
(identity_lifecycle.py): DeleteIdentities, a deleted identity's user getting a new id,
and a merge after which the old id gets no credentials.

    .venv/bin/python -m pytest tests/emulator/test_identity_lifecycle.py
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
PASSWORD = "Lifecycle-Passw0rd-local"

# The `endpoint` fixture (the emulator as a process) is in conftest.py.


def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def control(endpoint: str, route: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{endpoint}/_emulator/{route}", data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def error_code(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


class Stack:
    """A user pool, its app client and identity pool, and users signed in to it."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.ids = create_local_stack.create(endpoint, f"lifecycle-{uuid.uuid4().hex[:8]}")
        self.idp = client(endpoint, "cognito-idp")
        self.identity = client(endpoint, "cognito-identity")

    @property
    def pool(self) -> str:
        return self.ids["IdentityPoolId"]

    def logins(self, username: str) -> dict:
        """A new user's (or an existing user's fresh) id token as the pool's login."""
        pool, app = self.ids["UserPoolId"], self.ids["UserPoolClientId"]
        try:
            self.idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
                                       UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
            self.idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "UsernameExistsException"
        tokens = self.idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
        return {f"cognito-idp.{REGION}.amazonaws.com/{pool}": tokens["AuthenticationResult"]["IdToken"]}

    def get_id(self, logins: dict) -> str:
        return self.identity.get_id(IdentityPoolId=self.pool, Logins=logins)["IdentityId"]

    def credentials(self, identity_id: str, logins: dict | None):
        kwargs = {"IdentityId": identity_id}
        if logins is not None:
            kwargs["Logins"] = logins
        return self.identity.get_credentials_for_identity(**kwargs)

    def listed(self) -> set[str]:
        answer = self.identity.list_identities(IdentityPoolId=self.pool, MaxResults=60)
        return {i["IdentityId"] for i in answer["Identities"]}


@pytest.fixture(scope="module")
def stack(endpoint) -> Stack:
    return Stack(endpoint)


def test_a_deleted_identitys_user_gets_a_new_id_and_the_old_one_is_not_found(stack):
    logins = stack.logins("dora")
    old = stack.get_id(logins)
    assert stack.get_id(logins) == old, "one id per login"
    assert stack.credentials(old, logins)["IdentityId"] == old

    assert stack.identity.delete_identities(IdentityIdsToDelete=[old])["UnprocessedIdentityIds"] == []
    assert old not in stack.listed()
    assert error_code(lambda: stack.credentials(old, logins))[0] == "ResourceNotFoundException"
    assert error_code(lambda: stack.identity.describe_identity(IdentityId=old))[0] == "ResourceNotFoundException"

    new = stack.get_id(logins)
    assert new != old, "the same token mints a new identity"
    assert new.startswith(f"{REGION}:")
    assert stack.get_id(stack.logins("dora")) == new, "and keeps it"
    assert stack.credentials(new, logins)["IdentityId"] == new
    assert new in stack.listed()


def raw_delete(endpoint: str, ids: list) -> tuple[int, dict]:
    """DeleteIdentities sent as bytes (boto3 checks the list's length itself; other SDKs may not)."""
    request = urllib.request.Request(
        endpoint, method="POST", data=json.dumps({"IdentityIdsToDelete": ids}).encode(),
        headers={"X-Amz-Target": "AWSCognitoIdentityService.DeleteIdentities",
                 "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_delete_identities_takes_one_to_sixty_ids_and_ignores_unknown_ones(stack):
    unknown = f"{REGION}:{uuid.uuid4()}"
    assert stack.identity.delete_identities(IdentityIdsToDelete=[unknown])["UnprocessedIdentityIds"] == []
    kept = stack.get_id(stack.logins("kai"))
    sixty_one = [kept] + [f"{REGION}:{uuid.uuid4()}" for _ in range(60)]
    for ids in (sixty_one, [], [kept, "not an id"]):
        status, body = raw_delete(stack.endpoint, ids)
        assert (status, body["__type"]) == (400, "InvalidParameterException"), ids[:2]
    assert kept in stack.listed(), "a refused call deletes nothing"
    assert raw_delete(stack.endpoint, sixty_one[:60]) == (200, {"UnprocessedIdentityIds": []})
    assert kept not in stack.listed()


def test_an_unprocessed_id_is_reported_and_stays(endpoint, stack):
    kept = stack.get_id(stack.logins("ugo"))
    gone = stack.get_id(stack.logins("vic"))
    assert control(endpoint, "identities/unprocessed", {"identityIds": [kept]})[0] == 200
    answer = stack.identity.delete_identities(IdentityIdsToDelete=[kept, gone])
    assert answer["UnprocessedIdentityIds"] == [{"IdentityId": kept, "ErrorCode": "InternalServerError"}]
    assert kept in stack.listed() and gone not in stack.listed()
    assert stack.get_id(stack.logins("ugo")) == kept, "the unprocessed identity is still the user's"
    # Once only: the retry deletes it.
    assert stack.identity.delete_identities(IdentityIdsToDelete=[kept])["UnprocessedIdentityIds"] == []
    assert kept not in stack.listed()


def test_a_merge_keeps_the_destination_and_refuses_the_old_id(endpoint, stack):
    source_logins = stack.logins("mia")
    source = stack.get_id(source_logins)
    destination = stack.get_id(stack.logins("max"))
    status, answer = control(endpoint, "identities/merge", {"source": source, "destination": destination})
    assert (status, answer) == (200, {"identityId": destination, "merged": source})

    assert stack.get_id(source_logins) == destination, "the source's login now answers the surviving id"
    assert stack.credentials(destination, source_logins)["IdentityId"] == destination
    code, message = error_code(lambda: stack.credentials(source, source_logins))
    assert code == "NotAuthorizedException" and "Logins don't match" in message
    code, message = error_code(lambda: stack.credentials(source, None))
    assert (code, message) == ("NotAuthorizedException", f"Identity '{source}' is disabled.")
    described = stack.identity.describe_identity(IdentityId=source)
    assert described.get("Logins", []) == [], "the disabled identity holds no login"
    assert source in stack.listed(), "ListIdentities includes disabled identities"


@pytest.mark.parametrize("body", [{}, {"source": "a", "destination": "a"},
                                  {"source": f"{REGION}:{uuid.uuid4()}", "destination": f"{REGION}:{uuid.uuid4()}"}])
def test_a_bad_merge_is_refused_and_changes_nothing(endpoint, body):
    status, answer = control(endpoint, "identities/merge", body)
    assert status == 400 and answer["error"]
