"""Credentials from GetCredentialsForIdentity are scoped by the identity pool's role.

Two layers:

* the evaluator (role_policy.py) against template.yaml's own AuthenticatedRole, resolved
  to local names the way create_local_stack.py creates it: what one user may and may not
  do in the bucket and the directory;
* the emulator as a process, with a stack from create_local_stack.py and two real
  users: their credentials reach S3 and DynamoDB through boto3, and a refusal comes back
  in each service's own error shape, while the tests' admin keys pass as before.

    .venv/bin/python -m pytest tests/emulator/test_scoped_credentials.py
"""

from __future__ import annotations

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
from role_policy import Authorization, UnsupportedPolicy, evaluate  # noqa: E402

REGION = "us-east-1"
ACCOUNT = create_local_stack.ACCOUNT_ID
BUCKET = "stack-123456789012-us-east-1"
TABLE = "stack-directory"
ADA = "us-east-1:0a0a0a0a-1111-4222-8333-444455556666"
BEA = "us-east-1:0b0b0b0b-1111-4222-8333-444455556666"
POOL = "us-east-1:00000000-aaaa-4bbb-8ccc-dddddddddddd"
PASSWORD = "Scoped-Passw0rd-local"


# --------------------------------------------------------------------------
# The evaluator, on the template's AuthenticatedRole
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def statements() -> list[dict]:
    names = {
        **create_local_stack.parameter_defaults(),
        "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
        "AWS::StackName": "stack", "IdentityPool": POOL, "Api": "local",
        "Bucket": BUCKET, "Bucket.Arn": f"arn:aws:s3:::{BUCKET}",
        "DirectoryTable": TABLE, "DirectoryTable.Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}",
    }
    _, policies = create_local_stack.role_request(create_local_stack.template_resource("AuthenticatedRole"), names, "r")
    return role_policy.statements_of(p["PolicyDocument"] for p in policies)


def principal(identity_id: str = ADA) -> dict:
    login = f"cognito-idp.{REGION}.amazonaws.com/{REGION}_pool:CognitoSignIn:sub-1"
    return role_policy.principal_context(identity_id, POOL, ACCOUNT, [login], True)


def s3(method: str, key: str, query: dict | None = None, headers: dict | None = None, body: bytes = b"",
       who: str = ADA) -> list[Authorization]:
    return role_policy.s3_request(method, BUCKET, key, query or {}, headers or {}, body, principal(who), REGION, False)


def allowed(statements: list[dict], requests: list[Authorization]) -> bool:
    return role_policy.first_denied(statements, requests) is None


def dynamodb(operation: str, body: dict, who: str = ADA) -> list[Authorization]:
    return role_policy.dynamodb_requests(operation, body, lambda table: "pk" if table == TABLE else None,
                                         principal(who), REGION, ACCOUNT, False)


def test_own_object_is_readable_writable_and_its_tags_readable(statements):
    own = f"private/{ADA}/notes.txt"
    assert allowed(statements, s3("PUT", own, {"x-id": ["PutObject"]}))
    assert allowed(statements, s3("GET", own, {"x-id": ["GetObject"]}))
    assert allowed(statements, s3("HEAD", own))
    assert allowed(statements, s3("DELETE", own))
    assert allowed(statements, s3("GET", own, {"tagging": [""]}))
    assert allowed(statements, s3("GET", f"private/{ADA}/docs/ünï code.txt"))
    # Multipart uploads are PutObject too.
    assert allowed(statements, s3("POST", own, {"uploads": [""]}))
    assert allowed(statements, s3("PUT", own, {"uploadId": ["u"], "partNumber": ["1"]}))


def test_owner_tags_are_not_writable_by_the_owner(statements):
    own = f"private/{ADA}/notes.txt"
    denied = role_policy.first_denied(statements, s3("PUT", own, {"tagging": [""]}))
    assert denied and denied.action == "s3:PutObjectTagging"
    assert not allowed(statements, s3("DELETE", own, {"tagging": [""]}))


def test_another_identitys_object_is_denied(statements):
    theirs = f"private/{BEA}/notes.txt"
    for method, query in (("GET", {}), ("HEAD", {}), ("PUT", {}), ("DELETE", {}), ("GET", {"tagging": [""]})):
        denied = role_policy.first_denied(statements, s3(method, theirs, query))
        assert denied is not None, (method, query)
        assert denied.resource == f"arn:aws:s3:::{BUCKET}/{theirs}"
    # Not by a prefix that merely starts like one's own id, nor outside private/.
    assert not allowed(statements, s3("GET", f"private/{ADA}x/notes.txt"))
    assert not allowed(statements, s3("GET", f"public/{ADA}/notes.txt"))
    assert not allowed(statements, s3("GET", f"private/{ADA}"))
    # Copying their object into one's own folder reads it: denied.
    copy = s3("PUT", f"private/{ADA}/copy.txt", headers={"x-amz-copy-source": f"/{BUCKET}/private/{BEA}/notes.txt"})
    assert role_policy.first_denied(statements, copy).action == "s3:GetObject"
    # DeleteObjects names each key.
    delete = f"<Delete><Object><Key>private/{ADA}/a</Key></Object><Object><Key>private/{BEA}/b</Key></Object></Delete>"
    denied = role_policy.first_denied(statements, s3("POST", "", {"delete": [""]}, body=delete.encode()))
    assert denied.resource.endswith(f"private/{BEA}/b")


def test_list_bucket_only_under_ones_own_prefix(statements):
    assert allowed(statements, s3("GET", "", {"list-type": ["2"], "prefix": [f"private/{ADA}/"]}))
    assert allowed(statements, s3("GET", "", {"list-type": ["2"], "prefix": [f"private/{ADA}/docs/"]}))
    denied = role_policy.first_denied(statements, s3("GET", "", {"list-type": ["2"], "prefix": [f"private/{BEA}/"]}))
    assert denied and denied.action == "s3:ListBucket" and denied.resource == f"arn:aws:s3:::{BUCKET}"
    assert not allowed(statements, s3("GET", "", {"list-type": ["2"], "prefix": ["private/"]}))
    assert not allowed(statements, s3("GET", "", {"list-type": ["2"]}))
    assert not allowed(statements, s3("GET", "", {"list-type": ["2"], "prefix": [""]}))
    # Nothing else on the bucket.
    assert not allowed(statements, s3("GET", "", {"policy": [""]}))
    assert not allowed(statements, s3("PUT", "", {"notification": [""]}))
    assert not allowed(statements, s3("GET", "", {"versions": [""], "prefix": [f"private/{ADA}/"]}))


def test_get_item_of_ones_own_identity_item_only(statements):
    own = {"TableName": TABLE, "Key": {"pk": {"S": f"identity#{ADA}"}}}
    assert allowed(statements, dynamodb("GetItem", own))
    # Also with the table's ARN as TableName.
    assert allowed(statements, dynamodb("GetItem", {**own, "TableName": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"}))
    theirs = {"TableName": TABLE, "Key": {"pk": {"S": f"identity#{BEA}"}}}
    denied = role_policy.first_denied(statements, dynamodb("GetItem", theirs))
    assert denied and denied.action == "dynamodb:GetItem"
    assert denied.context["dynamodb:LeadingKeys"] == [f"identity#{BEA}"]
    for key in (f"user#{REGION}_pool#sub-1", f"unattributed#{ADA}", f"event#{BUCKET}#private/{ADA}/f#1"):
        assert not allowed(statements, dynamodb("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": key}}})), key
    # No other action, even on one's own item, and no other table.
    for operation in ("PutItem", "UpdateItem", "DeleteItem"):
        assert not allowed(statements, dynamodb(operation, {**own, "Item": own["Key"]})), operation
    assert not allowed(statements, dynamodb("GetItem", {**own, "TableName": "other"}))
    assert not allowed(statements, dynamodb("BatchGetItem", {"RequestItems": {TABLE: {"Keys": [own["Key"]]}}}))
    # A transaction is authorized item by item (IAM has no TransactGetItems action).
    assert allowed(statements, dynamodb("TransactGetItems", {"TransactItems": [{"Get": own}]}))
    assert not allowed(statements, dynamodb("TransactGetItems", {"TransactItems": [{"Get": own}, {"Get": theirs}]}))
    assert not allowed(statements, dynamodb("Scan", {"TableName": TABLE}))
    assert not allowed(statements, dynamodb("Query", {"TableName": TABLE}))


def test_evaluation_rules():
    allow = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/${aws:PrincipalAccount}/*"}
    request = Authorization("s3:GetObject", f"arn:aws:s3:::b/{ACCOUNT}/k", {"aws:PrincipalAccount": [ACCOUNT]},
                            role_policy.S3_KEYS)
    assert evaluate([allow], request)
    # Actions match case-insensitively; resources do not.
    assert evaluate([allow], Authorization("S3:getobject", request.resource, request.context, request.known))
    assert not evaluate([allow], Authorization("s3:GetObject", request.resource.upper(), request.context, request.known))
    # An explicit Deny wins; no statement is an implicit deny.
    assert not evaluate([allow, {**allow, "Effect": "Deny"}], request)
    assert not evaluate([], request)
    # A variable's value is literal, never a wildcard.
    starred = Authorization("s3:GetObject", "arn:aws:s3:::b/x/k", {"aws:PrincipalAccount": ["*"]}, role_policy.S3_KEYS)
    assert not evaluate([allow], starred)
    # A variable the request lacks leaves the statement out.
    assert not evaluate([allow], Authorization("s3:GetObject", request.resource, {}, role_policy.S3_KEYS))
    # NotAction.
    assert evaluate([{"Effect": "Allow", "NotAction": "s3:Put*", "Resource": "*"}], request)


def test_condition_operators():
    def holds(condition: dict, context: dict, known=frozenset({"k", "m"})) -> bool:
        statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
        return evaluate([statement], Authorization("s3:GetObject", "arn:aws:s3:::b/k", context, known))

    assert holds({"StringEquals": {"k": ["a", "b"]}}, {"k": ["b"]})
    assert not holds({"StringEquals": {"k": "a"}}, {})
    assert holds({"StringNotEquals": {"k": "a"}}, {})
    assert holds({"StringLike": {"k": "a?c*"}}, {"k": ["abcdef"]})
    assert holds({"StringEqualsIgnoreCase": {"k": "ABC"}}, {"k": ["abc"]})
    assert holds({"StringLikeIfExists": {"k": "a"}}, {})
    assert not holds({"StringLikeIfExists": {"k": "a"}}, {"k": ["b"]})
    assert holds({"Null": {"k": "true"}}, {}) and not holds({"Null": {"k": "false"}}, {})
    assert holds({"Bool": {"k": "false"}}, {"k": ["false"]})
    # ForAllValues: every value matches, and an absent key matches too (IAM's rule).
    assert holds({"ForAllValues:StringEquals": {"m": ["x", "y"]}}, {"m": ["x", "y"]})
    assert not holds({"ForAllValues:StringEquals": {"m": ["x"]}}, {"m": ["x", "y"]})
    assert holds({"ForAllValues:StringEquals": {"m": ["x"]}}, {})
    assert holds({"ForAnyValue:StringEquals": {"m": ["y"]}}, {"m": ["x", "y"]})
    assert not holds({"ForAnyValue:StringEquals": {"m": ["y"]}}, {})
    # Several operators, and several keys: all must hold.
    assert not holds({"StringEquals": {"k": "a"}, "Null": {"m": "false"}}, {"k": ["a"]})
    # What the evaluator cannot decide is said, not guessed.
    with pytest.raises(UnsupportedPolicy):
        holds({"StringEquals": {"s3:x-amz-acl": "private"}}, {})
    with pytest.raises(UnsupportedPolicy):
        holds({"NumericLessThan": {"k": "3"}}, {"k": ["1"]})


# --------------------------------------------------------------------------
# The emulator: credentials of two real users against its S3 and DynamoDB
# --------------------------------------------------------------------------


# The `endpoint` fixture (the emulator as a process) is in conftest.py.


def admin(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


class Stack:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.name = f"scoped-{uuid.uuid4().hex[:8]}"
        self.ids = create_local_stack.create(endpoint, self.name)

    def user(self, username: str) -> dict:
        """A confirmed, signed-in user's IdentityId and identity pool credentials."""
        idp, identity = admin(self.endpoint, "cognito-idp"), admin(self.endpoint, "cognito-identity")
        pool, client = self.ids["UserPoolId"], self.ids["UserPoolClientId"]
        idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])
        idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
        tokens = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]
        logins = {f"cognito-idp.{REGION}.amazonaws.com/{pool}": tokens["IdToken"]}
        identity_id = identity.get_id(IdentityPoolId=self.ids["IdentityPoolId"], Logins=logins)["IdentityId"]
        credentials = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretKey"],
            aws_session_token=credentials["SessionToken"], region_name=REGION,
        )
        return {
            "id": identity_id,
            "s3": session.client("s3", endpoint_url=self.endpoint),
            "dynamodb": session.client("dynamodb", endpoint_url=self.endpoint),
        }


@pytest.fixture(scope="module")
def stack(endpoint) -> Stack:
    return Stack(endpoint)


@pytest.fixture(scope="module")
def ada(stack) -> dict:
    return stack.user("ada")


@pytest.fixture(scope="module")
def bea(stack) -> dict:
    return stack.user("bea")


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def test_the_pool_has_the_templates_role(stack):
    roles = admin(stack.endpoint, "cognito-identity").get_identity_pool_roles(IdentityPoolId=stack.ids["IdentityPoolId"])
    assert roles["Roles"] == {"authenticated": stack.ids["AuthenticatedRoleArn"]}
    policies = admin(stack.endpoint, "iam").list_role_policies(RoleName=stack.ids["AuthenticatedRoleArn"].rsplit("/", 1)[1])
    assert sorted(policies["PolicyNames"]) == ["invoke-link", "own-usage", "private-folder"]


def test_a_user_reads_and_writes_their_own_folder(stack, ada):
    bucket, key = stack.ids["BucketName"], f"private/{ada['id']}/notes.txt"
    ada["s3"].put_object(Bucket=bucket, Key=key, Body=b"ada's notes")
    assert ada["s3"].get_object(Bucket=bucket, Key=key)["Body"].read() == b"ada's notes"
    listed = ada["s3"].list_objects_v2(Bucket=bucket, Prefix=f"private/{ada['id']}/")
    assert [o["Key"] for o in listed["Contents"]] == [key]
    admin(stack.endpoint, "s3").put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "owner-username", "Value": "ada"}]})
    assert ada["s3"].get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [{"Key": "owner-username", "Value": "ada"}]


def test_another_users_object_answers_s3s_access_denied(stack, ada, bea):
    bucket, key = stack.ids["BucketName"], f"private/{ada['id']}/secret.txt"
    ada["s3"].put_object(Bucket=bucket, Key=key, Body=b"ada only")
    for call in (
        lambda: bea["s3"].get_object(Bucket=bucket, Key=key),
        lambda: bea["s3"].get_object_tagging(Bucket=bucket, Key=key),
        lambda: bea["s3"].put_object(Bucket=bucket, Key=key, Body=b"overwritten"),
        lambda: bea["s3"].list_objects_v2(Bucket=bucket, Prefix=f"private/{ada['id']}/"),
        lambda: bea["s3"].list_objects_v2(Bucket=bucket),
        lambda: ada["s3"].put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "owner-sub", "Value": "x"}]}),
    ):
        response = error_of(call)
        assert response["Error"]["Code"] == "AccessDenied"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "is not authorized to perform" in response["Error"]["Message"]
    # HEAD: S3's bodiless 403.
    assert error_of(lambda: bea["s3"].head_object(Bucket=bucket, Key=key))["Error"]["Code"] == "403"
    # Nothing was overwritten, and the admin keys still reach everything.
    assert admin(stack.endpoint, "s3").get_object(Bucket=bucket, Key=key)["Body"].read() == b"ada only"


def test_the_directory_answers_only_ones_own_identity_item(stack, ada, bea):
    table = stack.ids["DirectoryTableName"]
    admin(stack.endpoint, "dynamodb").put_item(TableName=table, Item={
        "pk": {"S": f"identity#{ada['id']}"}, "kind": {"S": "identity"}, "objects": {"N": "2"}, "bytes": {"N": "19"}})
    item = ada["dynamodb"].get_item(TableName=table, Key={"pk": {"S": f"identity#{ada['id']}"}}, ConsistentRead=True)
    assert item["Item"]["objects"] == {"N": "2"}
    # Their own item does not exist yet: an empty answer, not a refusal.
    assert "Item" not in bea["dynamodb"].get_item(TableName=table, Key={"pk": {"S": f"identity#{bea['id']}"}})
    response = error_of(lambda: bea["dynamodb"].get_item(TableName=table, Key={"pk": {"S": f"identity#{ada['id']}"}}))
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert f"dynamodb:GetItem on resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}" in response["Error"]["Message"]
    assert error_of(lambda: ada["dynamodb"].scan(TableName=table))["Error"]["Code"] == "AccessDeniedException"
    assert error_of(lambda: ada["dynamodb"].put_item(
        TableName=table, Item={"pk": {"S": f"identity#{ada['id']}"}}))["Error"]["Code"] == "AccessDeniedException"


def test_the_call_log_names_what_was_denied(endpoint, stack, ada, bea):
    bucket = stack.ids["BucketName"]
    error_of(lambda: bea["s3"].get_object(Bucket=bucket, Key=f"private/{ada['id']}/secret.txt"))
    import urllib.request

    with urllib.request.urlopen(f"{endpoint}/_emulator/calls") as answer:
        calls = json.load(answer)["calls"]
    assert calls[-1]["denied"] == "s3:GetObject"


def test_a_pool_without_roles_issues_unscoped_credentials(endpoint, stack, ada):
    """As before roles existed here: what the suites' own pools (created without roles) rely on."""
    identity = admin(endpoint, "cognito-identity")
    provider = f"cognito-idp.{REGION}.amazonaws.com/{stack.ids['UserPoolId']}"
    bare = identity.create_identity_pool(
        IdentityPoolName=f"{stack.name}_bare".replace("-", "_"), AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": stack.ids["UserPoolClientId"]}],
    )["IdentityPoolId"]
    tokens = admin(endpoint, "cognito-idp").initiate_auth(
        ClientId=stack.ids["UserPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD})["AuthenticationResult"]
    logins = {provider: tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=bare, Logins=logins)["IdentityId"]
    credentials = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                      aws_secret_access_key=credentials["SecretKey"], aws_session_token=credentials["SessionToken"])
    # Another identity's folder (ada's in the stack's pool) is readable: nothing scopes these.
    s3.list_objects_v2(Bucket=stack.ids["BucketName"], Prefix=f"private/{ada['id']}/")


def test_refusing_trust_policies_and_bad_role_arns(endpoint, stack):
    identity, iam = admin(endpoint, "cognito-identity"), admin(endpoint, "iam")
    # A role whose trust policy names another identity pool: Cognito refuses to assume it.
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": POOL}}}]}
    other = iam.create_role(RoleName=f"{stack.name}-foreign", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    pool_id = stack.ids["IdentityPoolId"]
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": other})
    try:
        response = error_of(lambda: stack.user("cyd"))
        assert response["Error"]["Code"] == "InvalidIdentityPoolConfigurationException"
    finally:
        identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": stack.ids["AuthenticatedRoleArn"]})
    with pytest.raises(ClientError):
        identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": "arn:aws:iam::role/no-account"})


def test_preflights_are_answered_from_the_buckets_cors_rules(endpoint, stack, ada):
    """As S3 does: for an object that exists too, and listing the headers asked for."""
    import urllib.error
    import urllib.request

    bucket = stack.ids["BucketName"]
    origin = "http://127.0.0.1:5999"
    create_local_stack.put_bucket_cors(endpoint, bucket, origin)
    key = f"private/{ada['id']}/notes.txt"
    ada["s3"].put_object(Bucket=bucket, Key=key, Body=b"x")

    def preflight(path: str, from_origin: str) -> tuple[int, dict]:
        request = urllib.request.Request(f"{endpoint}/{bucket}/{path}", method="OPTIONS", headers={
            "Origin": from_origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-security-token"})
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    from urllib.parse import quote

    for path in (quote(key) + "?tagging=", quote(key), quote(f"private/{ada['id']}/missing.txt")):
        status, headers = preflight(path, origin)
        assert status == 200, path
        assert headers["Access-Control-Allow-Origin"] == origin
        assert headers["Access-Control-Allow-Headers"] == "authorization,x-amz-date,x-amz-security-token"
    assert preflight(quote(key), "http://elsewhere.example")[0] == 403
