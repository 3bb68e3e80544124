"""Principal tags ("attributes for access control") in the emulator, as Cognito and IAM
apply them (principal_tags.py, docs/principal-tags.md):

* SetPrincipalTagAttributeMap / GetPrincipalTagAttributeMap store and answer a map per
  identity pool and provider, with Cognito's limits and errors;
* a stack of the ``sub`` folder layout (create_local_stack.py with FOLDER_LAYOUT=sub):
  the identity pool maps ``sub`` to the tag ``sub``; each user's credentials reach their
  own ``users/<sub>/`` folder, and a write into another user's folder, or a read of it,
  answers S3's AccessDenied;
* with a map set, a role whose trust policy lacks sts:TagSession gets no credentials:
  InvalidIdentityPoolConfigurationException, as Cognito answers;
* the evaluator (role_policy.py) resolves ``${aws:PrincipalTag/sub}`` in template.yaml's
  own SubFolderPolicy, and a session without the tag is granted nothing by it.

    scripts/with-local-cognito.sh .venv/bin/python -m pytest tests/emulator/test_principal_tags.py
"""

from __future__ import annotations

import base64
import json
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
import create_local_stack  # noqa: E402
import role_policy  # noqa: E402

REGION = "us-east-1"
PASSWORD = "Tagged-Passw0rd-local"
ADA_SUB = "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd"
BEA_SUB = "0b0b0b0b-aaaa-4bbb-8ccc-dddddddddddd"


def admin(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --------------------------------------------------------------------------- the evaluator


def sub_folder_statements(bucket: str) -> list[dict]:
    """template.yaml's SubFolderPolicy, resolved as create_local_stack.py resolves it."""
    names = {"AWS::Partition": "aws", "Bucket": bucket, "Bucket.Arn": f"arn:aws:s3:::{bucket}",
             "FolderLayout": "sub", "AuthenticatedRole": "role"}
    document = create_local_stack.resolve(create_local_stack.template_resource("SubFolderPolicy")["Properties"]["PolicyDocument"], names)
    return role_policy.statements_of([document])


def session(tags: dict | None) -> dict:
    return role_policy.principal_context("us-east-1:0a0a0a0a-1111-4222-8333-444455556666", "us-east-1:pool",
                                         create_local_stack.ACCOUNT_ID, [], True, tags)


def s3(method: str, key: str, context: dict, query: dict | None = None) -> list[role_policy.Authorization]:
    return role_policy.s3_request(method, "b", key, query or {}, {}, b"", context, REGION, True)


def test_the_policy_variable_names_the_sessions_own_folder():
    statements = sub_folder_statements("b")
    ada = session({"sub": ADA_SUB})
    allowed = lambda requests: role_policy.first_denied(statements, requests) is None  # noqa: E731
    assert allowed(s3("PUT", f"users/{ADA_SUB}/a.txt", ada))
    assert allowed(s3("GET", f"users/{ADA_SUB}/a.txt", ada))
    assert allowed(s3("DELETE", f"users/{ADA_SUB}/a.txt", ada))
    assert allowed(s3("GET", "", ada, {"list-type": ["2"], "prefix": [f"users/{ADA_SUB}/"]}))
    assert not allowed(s3("PUT", f"users/{BEA_SUB}/a.txt", ada))
    assert not allowed(s3("GET", "", ada, {"list-type": ["2"], "prefix": [f"users/{BEA_SUB}/"]}))
    assert not allowed(s3("GET", "", ada, {"list-type": ["2"], "prefix": ["users/"]}))
    # A session without the tag: the variable has no value, the statements grant nothing.
    untagged = session(None)
    assert not allowed(s3("PUT", f"users/{ADA_SUB}/a.txt", untagged))
    assert not allowed(s3("PUT", "users/${aws:PrincipalTag/sub}/a.txt", untagged))
    # The tag is a condition key too.
    condition = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                  "Condition": {"StringEquals": {"aws:PrincipalTag/sub": ADA_SUB}}}]
    assert role_policy.first_denied(condition, s3("GET", "x", ada)) is None
    assert role_policy.first_denied(condition, s3("GET", "x", session({"sub": BEA_SUB}))) is not None


# --------------------------------------------------------------------------- the emulator


class TaggedStack:
    """A local stack of the sub folder layout, and its users."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.name = f"tagged-{uuid.uuid4().hex[:8]}"
        self.ids = create_local_stack.create(endpoint, self.name)
        self.provider = f"cognito-idp.{REGION}.amazonaws.com/{self.ids['UserPoolId']}"

    def logins(self, username: str) -> dict:
        idp = admin(self.endpoint, "cognito-idp")
        pool, client = self.ids["UserPoolId"], self.ids["UserPoolClientId"]
        try:
            idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
            idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
        except idp.exceptions.UsernameExistsException:
            pass
        tokens = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]
        return {self.provider: tokens["IdToken"]}

    def user(self, username: str) -> dict:
        identity = admin(self.endpoint, "cognito-identity")
        logins = self.logins(username)
        identity_id = identity.get_id(IdentityPoolId=self.ids["IdentityPoolId"], Logins=logins)["IdentityId"]
        credentials = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        scoped = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretKey"],
            aws_session_token=credentials["SessionToken"], region_name=REGION,
        )
        return {"id": identity_id, "sub": claims(logins[self.provider])["sub"], "s3": scoped.client("s3", endpoint_url=self.endpoint)}


@pytest.fixture(scope="module")
def stack(endpoint) -> TaggedStack:
    patch = pytest.MonkeyPatch()
    patch.setenv("FOLDER_LAYOUT", "sub")
    try:
        return TaggedStack(endpoint)
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def ada(stack) -> dict:
    return stack.user("ada")


@pytest.fixture(scope="module")
def bea(stack) -> dict:
    return stack.user("bea")


def test_the_map_is_stored_and_answered(stack):
    identity = admin(stack.endpoint, "cognito-identity")
    pool = stack.ids["IdentityPoolId"]
    answer = identity.get_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName=stack.provider)
    assert answer["PrincipalTags"] == {"sub": "sub"} and answer["UseDefaults"] is False
    assert answer["IdentityPoolId"] == pool and answer["IdentityProviderName"] == stack.provider
    # Another provider has no map.
    other = identity.get_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName="accounts.google.com")
    assert other.get("PrincipalTags", {}) == {}


def test_bad_maps_are_refused_and_nothing_changes(stack):
    identity = admin(stack.endpoint, "cognito-identity")
    pool = stack.ids["IdentityPoolId"]
    too_many = {f"t{i}": "sub" for i in range(51)}
    for call, code in (
        (lambda: identity.set_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName=stack.provider, PrincipalTags=too_many),
         "InvalidParameterException"),
        (lambda: identity.set_principal_tag_attribute_map(IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000",
                                                          IdentityProviderName=stack.provider, PrincipalTags={"sub": "sub"}),
         "ResourceNotFoundException"),
        (lambda: identity.get_principal_tag_attribute_map(IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000",
                                                          IdentityProviderName=stack.provider),
         "ResourceNotFoundException"),
    ):
        response = error_of(call)
        assert response["Error"]["Code"] == code
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    answer = identity.get_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName=stack.provider)
    assert answer["PrincipalTags"] == {"sub": "sub"}


def test_each_user_writes_only_their_own_sub_folder(stack, ada, bea):
    bucket = stack.ids["BucketName"]
    assert ada["sub"] != bea["sub"]
    own = f"users/{ada['sub']}/notes.txt"
    ada["s3"].put_object(Bucket=bucket, Key=own, Body=b"ada's notes")
    assert ada["s3"].get_object(Bucket=bucket, Key=own)["Body"].read() == b"ada's notes"
    listed = ada["s3"].list_objects_v2(Bucket=bucket, Prefix=f"users/{ada['sub']}/")
    assert [o["Key"] for o in listed["Contents"]] == [own]
    bea["s3"].put_object(Bucket=bucket, Key=f"users/{bea['sub']}/mine.txt", Body=b"bea's")
    for call in (
        lambda: bea["s3"].put_object(Bucket=bucket, Key=f"users/{ada['sub']}/planted.txt", Body=b"not ada's"),
        lambda: bea["s3"].put_object(Bucket=bucket, Key=own, Body=b"overwritten"),
        lambda: bea["s3"].get_object(Bucket=bucket, Key=own),
        lambda: bea["s3"].delete_object(Bucket=bucket, Key=own),
        lambda: bea["s3"].list_objects_v2(Bucket=bucket, Prefix=f"users/{ada['sub']}/"),
        lambda: bea["s3"].put_object(Bucket=bucket, Key=f"users/{bea['id']}/by-identity-id.txt", Body=b"x"),
    ):
        response = error_of(call)
        assert response["Error"]["Code"] == "AccessDenied"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # Nothing of ada's changed, and nothing was planted.
    s3 = admin(stack.endpoint, "s3")
    assert s3.get_object(Bucket=bucket, Key=own)["Body"].read() == b"ada's notes"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="users/").get("Contents", [])]
    assert sorted(keys) == sorted([own, f"users/{bea['sub']}/mine.txt"])


def test_a_trust_policy_without_tag_session_gets_no_credentials(stack, ada):
    identity, iam = admin(stack.endpoint, "cognito-identity"), admin(stack.endpoint, "iam")
    pool = stack.ids["IdentityPoolId"]
    role_name = stack.ids["AuthenticatedRoleArn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    (statement,) = trust["Statement"]
    assert sorted(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    without = {**trust, "Statement": [{**statement, "Action": "sts:AssumeRoleWithWebIdentity"}]}
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(without))
    logins = stack.logins("ada")
    try:
        response = error_of(lambda: identity.get_credentials_for_identity(IdentityId=ada["id"], Logins=logins))
        assert response["Error"]["Code"] == "InvalidIdentityPoolConfigurationException"
        assert response["Error"]["Message"] == "Invalid identity pool configuration. Check assigned IAM roles for this pool."
        # Without a map the same trust policy is enough: no tags, no sts:TagSession.
        identity.set_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName=stack.provider, PrincipalTags={})
        identity.get_credentials_for_identity(IdentityId=ada["id"], Logins=logins)
    finally:
        identity.set_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName=stack.provider, PrincipalTags={"sub": "sub"})
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))
    identity.get_credentials_for_identity(IdentityId=ada["id"], Logins=logins)
