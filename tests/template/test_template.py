"""Security properties of template.yaml, checked offline.

The template is parsed with cfn-lint's own decoder (it understands !Ref, !Sub, !GetAtt, …)
and, for what only exists after the SAM transform (the API's OpenAPI body), transformed
with the SAM translator that the pinned SAM CLI ships.

Every property is a `check_*` function taking the template text. The `test_*` functions
run them against template.yaml; `test_check_fails_on_mutated_template` proves that each
check can fail by running it against a copy of the template with that property broken.

    .venv/bin/python -m pytest tests/template
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import cfnlint.decode
import pytest

import stack_conditions

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

FUNCTIONS = {
    # logical id: (binary, role, log group)
    "LinkFunction": ("link", "LinkFunctionRole", "LinkLogGroup"),
    "AuthorizerFunction": ("authorizer", "AuthorizerFunctionRole", "AuthorizerLogGroup"),
    "WhoamiFunction": ("whoami", "WhoamiFunctionRole", "WhoamiLogGroup"),
    "ObjectOwnerFunction": ("object-owner", "ObjectOwnerFunctionRole", "ObjectOwnerLogGroup"),
    "PreTokenFunction": ("pre-token", "PreTokenFunctionRole", "PreTokenLogGroup"),
    "ReconcileFunction": ("reconciler", "ReconcileFunctionRole", "ReconcileLogGroup"),
    "ForgetFunction": ("forget", "ForgetFunctionRole", "ForgetLogGroup"),
}
# The bucket's name, spelled out so that the queue policy names it without a !Ref
# (StackIdPart: the first group of the stack id's UUID; see test_bucket_name.py).
BUCKET_NAME = "cognito-bridge-${AWS::AccountId}-${AWS::Region}-${StackIdPart}"
# What object-owner may tag: the private folders of this bucket only.
S3_PRIVATE_TAGS = "${Bucket.Arn}/private/*"
OBJECT_EVENTS_QUEUE_ARN = "${ObjectEventsQueue.Arn}"
# object-owner's directory actions, each on its own item keys (dynamodb:LeadingKeys):
# owners (identity#), usage (object#, unattributed#) and a folder job's progress (sweep#).
OBJECT_OWNER_KEYS = ["identity#*", "unattributed#*", "subfolder#*", "object#*", "sweep#*"]
OBJECT_OWNER_DIRECTORY = {
    action: OBJECT_OWNER_KEYS
    for action in (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
    )
}
# object-owner lists the private folders of the bucket in use (folder jobs), nothing else.
OBJECT_OWNER_LIST_CONDITION = json.dumps({"StringLike": {"s3:prefix": ["private/*"]}}, sort_keys=True)
# The conditions that hold with every parameter at its default (create mode).
CREATE_MODE = frozenset({"CreatesUserPool", "CreatesIdentityPool", "CreatesBucket"})
EXISTING_BUCKET_PRIVATE_TAGS = "arn:${AWS::Partition}:s3:::${ExistingBucketName}/private/*"
IDENTITY_POOL_ARN = "arn:${AWS::Partition}:cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/${IdentityPool}"
S3_PRIVATE_OBJECTS = "arn:${AWS::Partition}:s3:::${Bucket}/private/${!cognito-identity.amazonaws.com:sub}/*"
LINK_INVOKE_ARN = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/POST/link"
# Item-level actions a link transaction and a lookup need (IAM has no TransactWriteItems
# action: a transaction is authorized by the actions inside it).
DIRECTORY_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"}
# link alone also marks a link as written to the user pool (one attribute, UpdateItem).
LINK_DIRECTORY_ACTIONS = DIRECTORY_ACTIONS | {"dynamodb:UpdateItem"}
DIRECTORY_TABLE_ARN = "${DirectoryTable.Arn}"
# The forget function's directory actions, on a forgotten user's items only
# (tests/template/test_forget.py checks them in both modes).
FORGET_KEYS = ["user#*", "identity#*", "unattributed#*", "forget#*", "forgotten#*", "forgotten-identity#*"]
FORGET_DIRECTORY_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}
WHOAMI_IAM_INVOKE_ARN = (
    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/GET/iam/whoami"
)


# --------------------------------------------------------------------------- helpers


def decode(text: str) -> dict:
    template, matches = cfnlint.decode.decode_str(text)
    assert not matches, f"template does not parse: {matches}"
    return template


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def render(value) -> str:
    """An intrinsic as one comparable string: !Ref X -> ${X}, !GetAtt X.Y -> ${X.Y}, !Sub s -> s."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return "${" + arg + "}"
        if fn == "Fn::GetAtt":
            return "${" + (".".join(arg) if isinstance(arg, list) else arg) + "}"
        if fn == "Fn::Sub":
            return arg if isinstance(arg, str) else arg[0]
    raise AssertionError(f"unexpected value {value!r}")


def resources(t: dict, type_: str) -> dict:
    return {k: v for k, v in t["Resources"].items() if v["Type"] == type_}


def props(t: dict, logical_id: str) -> dict:
    return t["Resources"][logical_id].get("Properties", {})


def function_props(t: dict, logical_id: str) -> dict:
    """A function's properties with Globals.Function merged in (the function wins)."""
    merged = dict(t.get("Globals", {}).get("Function", {}))
    merged.update(props(t, logical_id))
    return merged


def with_conditions(value, true_conditions=CREATE_MODE):
    """value with every !If resolved: conditions named in true_conditions hold, the others do not
    (the default, CREATE_MODE, is what the parameters' defaults give); !Ref AWS::NoValue is dropped."""
    if isinstance(value, list):
        resolved = [with_conditions(v, true_conditions) for v in value]
        return [v for v in resolved if v != {"Ref": "AWS::NoValue"}]
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            condition, when_true, when_false = value["Fn::If"]
            return with_conditions(when_true if condition in true_conditions else when_false, true_conditions)
        return {k: with_conditions(v, true_conditions) for k, v in value.items()}
    return value


def allow_grants(role_props: dict, true_conditions=CREATE_MODE) -> set[tuple[str, str, str]]:
    """(action, rendered resource, json of condition) for every Allow statement of a role's inline
    policies, with the template's conditions resolved (see with_conditions)."""
    grants = set()
    documents = [p["PolicyDocument"] for p in with_conditions(role_props.get("Policies", []), true_conditions)]
    if "PolicyDocument" in role_props:  # a managed policy
        documents.append(with_conditions(role_props["PolicyDocument"], true_conditions))
    for document in documents:
        for st in as_list(document["Statement"]):
            assert st["Effect"] == "Allow", f"unexpected {st['Effect']} in {document}"
            assert "NotAction" not in st and "NotResource" not in st
            condition = json.dumps(st.get("Condition", {}), sort_keys=True)
            for action in as_list(st["Action"]):
                for resource in as_list(st["Resource"]):
                    grants.add((action, render(resource), condition))
    return grants


def lambda_trust(role_props: dict) -> None:
    (st,) = as_list(role_props["AssumeRolePolicyDocument"]["Statement"])
    assert st == {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}


def transformed(text: str, parameters: dict | None = None) -> dict:
    """The template after the SAM transform, as CloudFormation would receive it."""
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    t = json.loads(json.dumps(decode(text)))
    for resource in t["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/key"  # sam package does this

    class NoManagedPolicies:
        def load(self):
            return {}

    return transform(t, parameters or {}, NoManagedPolicies())


def openapi(text: str, parameters: dict | None = None) -> dict:
    out = transformed(text, parameters)
    (api,) = [r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    return api["Properties"]["Body"]


def security_schemes(body: dict) -> dict:
    return body.get("components", {}).get("securitySchemes") or body.get("securityDefinitions", {})


# ---------------------------------------------------------------------------- checks


def check_identity_id_attribute_is_mutable(text: str) -> None:
    schema = {a["Name"]: a for a in props(decode(text), "UserPool")["Schema"]}
    attr = schema["identity_id"]
    assert attr["AttributeDataType"] == "String"
    assert attr["Mutable"] is True, "AdminUpdateUserAttributes can only write a mutable attribute"
    limits = attr["StringAttributeConstraints"]
    # "<region>:<uuid>" is about 52 characters; Cognito allows 2048.
    assert 1 <= int(limits["MinLength"]) <= 46
    assert 52 <= int(limits["MaxLength"]) <= 256


def check_client_reads_but_cannot_write_identity_id(text: str) -> None:
    t = decode(text)
    client = props(t, "UserPoolClient")
    assert "custom:identity_id" in client["ReadAttributes"]
    assert "email" in client["ReadAttributes"]
    # Without WriteAttributes every mutable attribute is writable by the user.
    assert "WriteAttributes" in client and client["WriteAttributes"], "WriteAttributes must be explicit"
    assert "custom:identity_id" not in client["WriteAttributes"]
    assert not [a for a in client["WriteAttributes"] if a.startswith("custom:")]
    assert "email_verified" not in client["WriteAttributes"]
    # Sign-up writes the pool's required attributes through this client.
    required = {a["Name"] for a in props(t, "UserPool")["Schema"] if a.get("Required")}
    assert required <= set(client["WriteAttributes"]), "sign-up must be able to write required attributes"


def check_client_is_public_with_safe_flows(text: str) -> None:
    client = props(decode(text), "UserPoolClient")
    assert client["GenerateSecret"] is False
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    flows = client["ExplicitAuthFlows"]
    # Either a plain list or !If [PasswordAuthEnabled, with password flow, without].
    variants = flows["Fn::If"][1:] if isinstance(flows, dict) else [flows]
    for variant in variants:
        assert {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= set(variant)
        assert set(variant) <= {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"}
    if isinstance(flows, dict):
        assert flows["Fn::If"][0] == "PasswordAuthEnabled"
        assert "ALLOW_USER_PASSWORD_AUTH" not in flows["Fn::If"][2], "password auth must be off by default"
    else:
        assert "ALLOW_USER_PASSWORD_AUTH" not in flows


def check_identity_pool_disallows_unauthenticated(text: str) -> None:
    t = decode(text)
    pool = props(t, "IdentityPool")
    assert pool["AllowUnauthenticatedIdentities"] is False
    assert pool.get("AllowClassicFlow", False) is False
    (provider,) = pool["CognitoIdentityProviders"]
    assert render(provider["ClientId"]) == "${UserPoolClient}"
    assert render(provider["ProviderName"]) == "${UserPool.ProviderName}"
    assert provider["ServerSideTokenCheck"] is True
    (attachment,) = resources(t, "AWS::Cognito::IdentityPoolRoleAttachment").values()
    assert render(attachment["Properties"]["IdentityPoolId"]) == "${IdentityPool}"
    roles = attachment["Properties"]["Roles"]
    assert set(roles) == {"authenticated"}, "no unauthenticated role"
    assert render(roles["authenticated"]) == "${AuthenticatedRole.Arn}"


def check_authenticated_role_trust(text: str) -> None:
    role = props(decode(text), "AuthenticatedRole")
    # FolderLayout's sts:TagSession is test_folder_layout.py's: here, the default layout.
    (st,) = as_list(with_conditions(role["AssumeRolePolicyDocument"]["Statement"]))
    assert st["Effect"] == "Allow"
    assert st["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
    assert st["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = st["Condition"]
    assert set(condition) == {"StringEquals", "ForAnyValue:StringLike"}
    assert render(condition["StringEquals"]["cognito-identity.amazonaws.com:aud"]) == "${IdentityPool}"
    assert condition["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] == "authenticated"


OWN_IDENTITY_ITEM_ONLY = json.dumps(
    {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["identity#${cognito-identity.amazonaws.com:sub}"]}},
    sort_keys=True,
)


def check_authenticated_role_permissions(text: str) -> None:
    role = props(decode(text), "AuthenticatedRole")
    prefix_condition = json.dumps(
        {
            "StringLike": {
                "s3:prefix": [
                    "private/${cognito-identity.amazonaws.com:sub}/",
                    "private/${cognito-identity.amazonaws.com:sub}/*",
                ]
            }
        },
        sort_keys=True,
    )
    assert allow_grants(role) == {
        ("execute-api:Invoke", LINK_INVOKE_ARN, "{}"),
        ("execute-api:Invoke", WHOAMI_IAM_INVOKE_ARN, "{}"),
        ("s3:GetObject", S3_PRIVATE_OBJECTS, "{}"),
        ("s3:PutObject", S3_PRIVATE_OBJECTS, "{}"),
        ("s3:DeleteObject", S3_PRIVATE_OBJECTS, "{}"),
        ("s3:ListBucket", "${Bucket.Arn}", prefix_condition),
        # The owner tags and the usage item of the user's own objects: pinned with their
        # conditions in test_authenticated_role.py.
        ("s3:GetObjectTagging", S3_PRIVATE_OBJECTS, "{}"),
        ("dynamodb:GetItem", DIRECTORY_TABLE_ARN, OWN_IDENTITY_ITEM_ONLY),
    }
    assert "ManagedPolicyArns" not in role


def expected_function_grants(logical_id: str) -> set[tuple[str, str, str]]:
    log_group = FUNCTIONS[logical_id][2]
    # !GetAtt <LogGroup>.Arn is "...:log-group:<name>:*": the streams of that one group.
    grants = {
        ("logs:CreateLogStream", "${" + log_group + ".Arn}", "{}"),
        ("logs:PutLogEvents", "${" + log_group + ".Arn}", "{}"),
    }
    directory = {(action, DIRECTORY_TABLE_ARN, "{}") for action in DIRECTORY_ACTIONS}
    if logical_id == "LinkFunction":
        grants |= {
            ("cognito-idp:AdminUpdateUserAttributes", "${UserPool.Arn}", "{}"),
            ("cognito-identity:GetId", IDENTITY_POOL_ARN, "{}"),
            ("dynamodb:UpdateItem", DIRECTORY_TABLE_ARN, "{}"),
        } | directory
    if logical_id == "AuthorizerFunction":
        grants |= {("cognito-identity:GetId", IDENTITY_POOL_ARN, "{}")} | directory
    if logical_id == "ObjectOwnerFunction":
        # Polls its queue and sends a folder job's next page to it.
        grants |= {
            (action, OBJECT_EVENTS_QUEUE_ARN, "{}")
            for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SendMessage")
        }
        grants |= {(action, S3_PRIVATE_TAGS, "{}") for action in ("s3:GetObjectTagging", "s3:PutObjectTagging")}
        grants |= {("s3:ListBucket", "${Bucket.Arn}", OBJECT_OWNER_LIST_CONDITION)}
        grants |= {
            (action, DIRECTORY_TABLE_ARN, json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": keys}}, sort_keys=True))
            for action, keys in OBJECT_OWNER_DIRECTORY.items()
        }
        # A late event of a forgotten folder: the tombstone of its IdentityId, read only.
        grants |= {("dynamodb:GetItem", DIRECTORY_TABLE_ARN, json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["forgotten-identity#*"]}}, sort_keys=True))}
    if logical_id == "ReconcileFunction":
        # tests/template/test_user_deletion.py checks these in both modes.
        progress = json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["reconcile#*"]}}, sort_keys=True)
        grants |= {
            ("cognito-idp:AdminGetUser", "${UserPool.Arn}", "{}"),
            ("dynamodb:Scan", DIRECTORY_TABLE_ARN, "{}"),
            ("dynamodb:GetItem", DIRECTORY_TABLE_ARN, progress),
            ("dynamodb:PutItem", DIRECTORY_TABLE_ARN, progress),
            ("sqs:SendMessage", "${ForgetQueue.Arn}", "{}"),
        }
    if logical_id == "ForgetFunction":
        # tests/template/test_forget.py checks these in both modes and with ForgetObjects=delete.
        keys = json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": FORGET_KEYS}}, sort_keys=True)
        grants |= {
            ("cognito-identity:DeleteIdentities", IDENTITY_POOL_ARN, "{}"),
            ("dynamodb:Scan", DIRECTORY_TABLE_ARN, "{}"),
            *((action, DIRECTORY_TABLE_ARN, keys) for action in FORGET_DIRECTORY_ACTIONS),
            *((action, "${ForgetQueue.Arn}", "{}") for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")),
            *((action, "${Bucket.Arn}", OBJECT_OWNER_LIST_CONDITION) for action in ("s3:ListBucket", "s3:ListBucketVersions")),
            *((action, S3_PRIVATE_TAGS, "{}") for action in ("s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging")),
        }
    return grants


def check_function_permissions(text: str) -> None:
    t = decode(text)
    assert set(resources(t, "AWS::Serverless::Function")) == set(FUNCTIONS)
    for logical_id, (_, role_id, _) in FUNCTIONS.items():
        fn = function_props(t, logical_id)
        assert render(fn["Role"]) == "${" + role_id + ".Arn}", f"{logical_id} must use its own role"
        assert "Policies" not in fn, f"{logical_id}: SAM Policies would add permissions"
        role = props(t, role_id)
        lambda_trust(role)
        assert "ManagedPolicyArns" not in role, f"{role_id}: managed policies grant Resource *"
        assert allow_grants(role) == expected_function_grants(logical_id), logical_id
    # Nothing else in the stack grants permissions, but the policy for an adopted
    # authenticated role (test_adopt_mode.py), which exists only in adopt mode, and the
    # users/<sub>/ folders' (test_folder_layout.py), only with FolderLayout sub or both.
    assert not resources(t, "AWS::IAM::Policy")
    managed = resources(t, "AWS::IAM::ManagedPolicy")
    assert set(managed) == {"ExistingAuthenticatedRolePolicy", "SubFolderPolicy"}
    assert managed["ExistingAuthenticatedRolePolicy"].get("Condition") == "UsesExistingIdentityPool"


def check_directory_table_is_durable_and_encrypted(text: str) -> None:
    t = decode(text)
    (logical_id,) = resources(t, "AWS::DynamoDB::Table")
    assert logical_id == "DirectoryTable"
    resource = t["Resources"]["DirectoryTable"]
    # The only record of who owns which private/ folder: kept on delete and on replacement
    # (deleted only if the stack's very first creation fails, when it holds nothing).
    assert resource.get("DeletionPolicy") == "RetainExceptOnCreate"
    assert resource.get("UpdateReplacePolicy") == "Retain"
    assert "Condition" not in resource, "the directory exists in every mode"
    table = resource["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST", "on-demand: no capacity to throttle at"
    assert "ProvisionedThroughput" not in table
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    # The published schema: one string partition key, no sort key, no indexes.
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert "GlobalSecondaryIndexes" not in table and "LocalSecondaryIndexes" not in table
    # A fixed name would block replacement and collide between stacks.
    assert "TableName" not in table
    # object-owner's tombstones (object# items of removed keys) expire by themselves.
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    # Every link write, by any writer, reaches object-owner (DirectoryLinkPipe): the new image.
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def check_directory_access_is_item_level_on_the_table_only(text: str) -> None:
    t = decode(text)
    readers_writers = {}
    item_actions = LINK_DIRECTORY_ACTIONS | set(OBJECT_OWNER_DIRECTORY)
    stream_actions = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
    grantors = {**resources(t, "AWS::IAM::Role"), **resources(t, "AWS::IAM::ManagedPolicy")}
    for role_id in grantors:
        for action, resource, condition in allow_grants(props(t, role_id), true_conditions(t, role_id)):
            if not action.startswith("dynamodb:"):
                assert "DirectoryTable" not in resource, f"{role_id}: {action} on the table"
                continue
            assert action != "dynamodb:TransactWriteItems", "IAM has no such action; grant the item actions"
            if resource == "${DirectoryTable.StreamArn}":
                # Only the pipe reads the stream, and only the stream.
                assert role_id == "DirectoryLinkPipeRole" and action in stream_actions, f"{role_id}: {action}"
            elif role_id in ("ReconcileFunctionRole", "ForgetFunctionRole") and action == "dynamodb:Scan":
                # The reconciler's sweep of the user# items, and forget's search of a user's
                # earlier identity# items: the table has no index of them.
                assert resource == DIRECTORY_TABLE_ARN and condition == "{}", f"{role_id}: {action} on {resource}"
            elif role_id == "ForgetFunctionRole":
                # Forgetting deletes a user's items, and only on their keys.
                assert action in FORGET_DIRECTORY_ACTIONS, f"{role_id}: {action}"
                assert resource == DIRECTORY_TABLE_ARN and "LeadingKeys" in condition, f"{role_id}: {action} on any item"
            else:
                assert action in item_actions, f"{role_id}: {action} (no scans, queries or deletes)"
                assert resource == DIRECTORY_TABLE_ARN, f"{role_id}: {action} on {resource}, not the table alone"
            readers_writers.setdefault(role_id, set()).add(action)
    assert readers_writers == {
        "LinkFunctionRole": LINK_DIRECTORY_ACTIONS,
        "AuthorizerFunctionRole": DIRECTORY_ACTIONS,
        "ObjectOwnerFunctionRole": set(OBJECT_OWNER_DIRECTORY),
        # Each signed-in user reads their own identity# item (its usage), nothing else, in
        # create mode and in adopt mode.
        "AuthenticatedRole": {"dynamodb:GetItem"},
        "ExistingAuthenticatedRolePolicy": {"dynamodb:GetItem"},
        "DirectoryLinkPipeRole": stream_actions,
        "ReconcileFunctionRole": {"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:PutItem"},
        "ForgetFunctionRole": {"dynamodb:Scan"} | FORGET_DIRECTORY_ACTIONS,
    }


# Wildcard resources that name no narrower ARN, and the actions allowed on them: X-Ray's
# writes take no resource; API Gateway's account-wide logging role writes any API's logs.
XRAY_WRITE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
API_GATEWAY_LOG_GROUPS = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
API_GATEWAY_LOG_ACTIONS = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
}


def true_conditions(t: dict, logical_id: str) -> frozenset[str]:
    """The conditions that hold where the resource exists: create mode, or the first adopt
    mode (stack_conditions.MODES) for a resource that exists only in adopt mode."""
    for mode in stack_conditions.MODES.values():
        holding = stack_conditions.true_conditions(t, mode)
        if t["Resources"][logical_id].get("Condition") in (None, *holding):
            return holding
    # An optional feature's resource (e.g. CreateApiGatewayLoggingRole's).
    return stack_conditions.true_conditions(t) | {t["Resources"][logical_id]["Condition"]}


# Every mode, with and without every optional feature that adds grants.
FEATURES = {"EnableTracing": "true", "CreateApiGatewayLoggingRole": "true"}


def check_no_wildcards_in_allow_statements(text: str) -> None:
    t = decode(text)
    scenarios = [(mode, features) for mode in stack_conditions.MODES.values() for features in ({}, FEATURES)]
    for mode, features in scenarios:
        holding = stack_conditions.true_conditions(t, {**mode, **features})
        grantors = {**resources(t, "AWS::IAM::Role"), **resources(t, "AWS::IAM::ManagedPolicy")}
        for role_id, grantor in grantors.items():
            if "Condition" in grantor and grantor["Condition"] not in holding:
                continue
            for action, resource, _ in allow_grants(props(t, role_id), holding):
                assert "*" not in action, f"{role_id}: wildcard action {action}"
                if "*" not in resource:
                    continue
                if resource == "*":
                    assert action in XRAY_WRITE_ACTIONS, f"{role_id}: {action} on every resource"
                elif resource == API_GATEWAY_LOG_GROUPS:
                    assert role_id == "ApiGatewayLoggingRole" and action in API_GATEWAY_LOG_ACTIONS, (
                        f"{role_id}: {action} on every log group"
                    )
                else:
                    assert resource in (S3_PRIVATE_OBJECTS, S3_PRIVATE_TAGS, EXISTING_BUCKET_PRIVATE_TAGS) and action.startswith("s3:"), (
                        f"{role_id}: wildcard resource {resource} for {action}"
                    )


def check_link_route_uses_aws_iam(text: str) -> None:
    t = decode(text)
    events = function_props(t, "LinkFunction")["Events"]
    (event,) = events.values()
    assert event["Type"] == "Api"
    assert event["Properties"]["Path"] == "/link" and event["Properties"]["Method"].upper() == "POST"
    assert render(event["Properties"]["RestApiId"]) == "${Api}"
    assert event["Properties"]["Auth"]["Authorizer"] == "AWS_IAM"
    body = openapi(text)
    post = body["paths"]["/link"]["post"]
    assert post["security"] == [{"AWS_IAM": []}]
    assert security_schemes(body)["AWS_IAM"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    # No integration credentials: API Gateway calls the function through its resource
    # policy, not with the caller's credentials (SAM's default arn:aws:iam::*:user/*).
    assert "credentials" not in post["x-amazon-apigateway-integration"]


def check_lambda_authorizer_is_default(text: str) -> None:
    t = decode(text)
    auth = props(t, "Api")["Auth"]
    assert auth["DefaultAuthorizer"] == "BridgeAuthorizer"
    assert auth["AddDefaultAuthorizerToCorsPreflight"] is False
    (name,) = auth["Authorizers"]
    authorizer = auth["Authorizers"][name]
    assert render(authorizer["FunctionArn"]) == "${AuthorizerFunction.Arn}"
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    assert authorizer["Identity"]["ReauthorizeEvery"] == {"Ref": "AuthorizerCacheTtl"}

    for ttl in (0, 300, 3600):
        body = openapi(text, {"AuthorizerCacheTtl": ttl})
        lambda_auth = security_schemes(body)["BridgeAuthorizer"]["x-amazon-apigateway-authorizer"]
        assert lambda_auth["type"] == "request"
        assert lambda_auth["identitySource"] == "method.request.header.Authorization"
        assert lambda_auth["authorizerResultTtlInSeconds"] == ttl
    routes = 0
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "options":
                assert "security" not in operation, f"preflight {path} must not need auth"
            elif (path, method) in (("/link", "post"), ("/iam/whoami", "get")):
                assert operation["security"] == [{"AWS_IAM": []}], f"{method} {path} uses AWS_IAM"
                continue
            else:
                assert operation["security"] == [{"BridgeAuthorizer": []}], f"{method} {path}"
                routes += 1
    assert ("/whoami" in body["paths"]) and routes >= 1


def check_authorizer_cache_ttl_parameter(text: str) -> None:
    ttl = decode(text)["Parameters"]["AuthorizerCacheTtl"]
    assert ttl["Type"] == "Number"
    assert int(ttl["MinValue"]) == 0 and int(ttl["MaxValue"]) == 3600 and int(ttl["Default"]) == 300


def static_origin(value) -> str:
    """A static Access-Control-Allow-Origin: the one origin, or '*' when AllowedOrigin lists several."""
    condition, several, one = value["Fn::If"]
    assert (condition, several) == ("SeveralOrigins", "'*'"), value
    return render(one)


def check_cors_and_gateway_responses(text: str) -> None:
    api = props(decode(text), "Api")
    assert static_origin(api["Cors"]["AllowOrigin"]) == "'${AllowedOrigin}'"
    assert "Authorization" in api["Cors"]["AllowHeaders"] and "X-Amz-Security-Token" in api["Cors"]["AllowHeaders"]
    for response in ("UNAUTHORIZED", "ACCESS_DENIED"):
        headers = api["GatewayResponses"][response]["ResponseParameters"]["Headers"]
        assert "Access-Control-Allow-Origin" in headers, response
        assert static_origin(headers["Access-Control-Allow-Origin"]) == "'${AllowedOrigin}'", response


def check_bucket_is_private_encrypted_tls_only(text: str) -> None:
    t = decode(text)
    bucket = props(t, "Bucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "BucketEncryption" in bucket, "default encryption must be explicit"
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "AccessControl" not in bucket
    # The bucket's own policy (DeletionTrailBucketPolicy: test_user_deletion.py).
    policy = resources(t, "AWS::S3::BucketPolicy")["BucketPolicy"]
    assert render(policy["Properties"]["Bucket"]) == "${Bucket}"
    tls = [
        st
        for st in as_list(policy["Properties"]["PolicyDocument"]["Statement"])
        if st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
    ]
    assert len(tls) == 1
    (st,) = tls
    assert st["Effect"] == "Deny" and st["Principal"] == "*" and st["Action"] in ("s3:*", ["s3:*"])
    assert {render(r) for r in as_list(st["Resource"])} == {"${Bucket.Arn}", "${Bucket.Arn}/*"}
    assert not [s for s in as_list(policy["Properties"]["PolicyDocument"]["Statement"]) if s["Effect"] == "Allow"]


def check_log_groups_with_retention(text: str) -> None:
    t = decode(text)
    # The functions' groups, and the API's access logs (test_operations.py).
    assert set(resources(t, "AWS::Logs::LogGroup")) == {group for _, _, group in FUNCTIONS.values()} | {"ApiAccessLogGroup"}
    for logical_id, (binary, _, group) in FUNCTIONS.items():
        fn = function_props(t, logical_id)
        assert render(fn["LoggingConfig"]["LogGroup"]) == "${" + group + "}", logical_id
        log_group = props(t, group)
        assert "RetentionInDays" in log_group, f"{group} would keep logs forever"
        assert render(log_group["RetentionInDays"]) == "${LogRetentionDays}"
        # The conventional name of the function's group, so `sam logs` and the console find it.
        assert render(fn["FunctionName"]) == "${AWS::StackName}-" + binary
        assert render(log_group["LogGroupName"]) == "/aws/lambda/${AWS::StackName}-" + binary
    days = t["Parameters"]["LogRetentionDays"]
    assert int(days["Default"]) in [int(d) for d in days["AllowedValues"]]


def check_functions_build_and_size(text: str) -> None:
    t = decode(text)
    for logical_id, (binary, _, _) in FUNCTIONS.items():
        resource = t["Resources"][logical_id]
        fn = function_props(t, logical_id)
        assert fn["Runtime"] == "provided.al2023" and fn["Architectures"] == ["arm64"]
        assert resource["Metadata"] == {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": binary}}
        # The function's own crate (see template.yaml), whose package builds that binary.
        assert fn["CodeUri"] == f"crates/{binary}"
        assert (ROOT / fn["CodeUri"] / "src" / "main.rs").is_file()
        assert f'name = "{binary}"' in (ROOT / fn["CodeUri"] / "Cargo.toml").read_text()
        # Behind API Gateway (29 s); object-owner is behind its queue instead (a page of a
        # folder job, 1,000 objects, within its timeout; test_adopt_mode.py).
        # The reconciler runs on a schedule, up to Lambda's 900 s, and stops a minute before.
        # forget is behind its queue too (a folder of 1,000 objects in keep mode).
        limit = {"ObjectOwnerFunction": 300, "ReconcileFunction": 900, "ForgetFunction": 300}.get(logical_id, 29)
        assert 128 <= fn["MemorySize"] <= 512 and 1 <= fn["Timeout"] <= limit, logical_id
    authorizer = function_props(t, "AuthorizerFunction")
    assert 128 <= authorizer["MemorySize"] <= 256 and authorizer["Timeout"] <= 6


def check_function_environment(text: str) -> None:
    t = decode(text)

    def env(logical_id):
        variables = with_conditions(function_props(t, logical_id)["Environment"]["Variables"])
        return {k: render(v) for k, v in variables.items()}

    verifier = {"USER_POOL_ID": "${UserPool}", "USER_POOL_CLIENT_IDS": "${UserPoolClient}"}
    assert env("LinkFunction") == {
        **verifier,
        "IDENTITY_POOL_ID": "${IdentityPool}",
        "DIRECTORY_TABLE": "${DirectoryTable}",
        "ALLOWED_ORIGIN": "${AllowedOrigin}",
        "RUST_LOG": "${LogLevel}",
    }
    authorizer = env("AuthorizerFunction")
    ttl = authorizer.pop("VERIFIED_TOKEN_CACHE_TTL_SECONDS")
    assert 0 <= int(ttl) <= 86_400
    assert authorizer == {
        **verifier,
        "IDENTITY_POOL_ID": "${IdentityPool}",
        # The stack's own client cannot write custom:identity_id (test_adopt_mode.py: false
        # for an adopted pool).
        "TRUST_TOKEN_IDENTITY_ID": "true",
        "REQUIRE_LINKED": "${RequireLinked}",
        # One budget for every wait of a request, half the function's Timeout
        # (crates/authorizer/tests/authorizer_deadline.rs checks the pair).
        "AUTHORIZER_DEADLINE_MS": "3000",
        "DIRECTORY_TABLE": "${DirectoryTable}",
        "TOKEN_USE": "${TokenUse}",
        "ROUTE_SCOPES": "${RouteScopes}",
        "ROUTE_GROUPS": "${RouteGroups}",
        "RUST_LOG": "${LogLevel}",
    }
    assert env("WhoamiFunction") == {"ALLOWED_ORIGIN": "${AllowedOrigin}", "RUST_LOG": "${LogLevel}"}
    assert env("ObjectOwnerFunction") == {
        "DIRECTORY_TABLE": "${DirectoryTable}",
        "BUCKET_NAME": "${Bucket}",
        "OBJECT_EVENTS_QUEUE_URL": "${ObjectEventsQueue}",
        "FOLDER_LAYOUT": "${FolderLayout}",
        # Off by default (tests/template/test_folder_layout.py checks every setting).
        "SUB_FOLDER_OWNER_USERNAME": "off",
        "USER_POOL_ID": "${UserPool}",
        # tests/template/test_forgotten_folder_events.py checks what it allows.
        "FORGET_OBJECTS": "${ForgetObjects}",
        "RUST_LOG": "${LogLevel}",
    }
    assert t["Parameters"]["RequireLinked"]["AllowedValues"] == ["true", "false"]


def check_outputs(text: str) -> None:
    outputs = with_conditions(decode(text)["Outputs"])
    assert set(outputs) == {
        "AuthorizerFunctionArn",
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "IdentityPoolId",
        "BucketName",
        "DirectoryTableName",
        "ObjectEventsQueueUrl",
        "ObjectEventsDeadLetterQueueUrl",
        "HostedUiUrl",
        "ApiAccessLogGroupName",
        "AlarmTopicArn",
        "PreTokenFunctionArn",
        "Region",
        "FolderLayout",
        "ForgetQueueUrl",
        "ForgetQueueArn",
        "ForgetDeadLetterQueueUrl",
        "ForgetFunctionArn",
    }
    for name, output in outputs.items():
        assert len(output.get("Description", "")) > 20, f"{name} needs a description"
    assert render(outputs["ApiUrl"]["Value"]).startswith("https://${Api}.execute-api.${AWS::Region}.")
    assert render(outputs["ApiUrl"]["Value"]).endswith("/${StageName}")
    assert render(outputs["UserPoolId"]["Value"]) == "${UserPool}"
    assert render(outputs["UserPoolClientId"]["Value"]) == "${UserPoolClient}"
    assert render(outputs["IdentityPoolId"]["Value"]) == "${IdentityPool}"
    assert render(outputs["BucketName"]["Value"]) == "${Bucket}"
    assert render(outputs["DirectoryTableName"]["Value"]) == "${DirectoryTable}"
    assert render(outputs["Region"]["Value"]) == "${AWS::Region}"
    assert render(outputs["ObjectEventsQueueUrl"]["Value"]) == "${ObjectEventsQueue}"
    assert render(outputs["ObjectEventsDeadLetterQueueUrl"]["Value"]) == "${ObjectEventsDeadLetterQueue}"
    assert render(outputs["AuthorizerFunctionArn"]["Value"]) == "${AuthorizerFunction.Arn}"
    assert "Condition" not in outputs["AuthorizerFunctionArn"], "for an API of the team's own, in every mode"
    assert render(outputs["PreTokenFunctionArn"]["Value"]) == "${PreTokenFunction.Arn}"


def check_object_events_reach_object_owner(text: str) -> None:
    """Bucket -> queue (private/ creations only) -> object-owner, with failed records only retried."""
    t = decode(text)
    bucket_resource = t["Resources"]["Bucket"]
    bucket = bucket_resource["Properties"]
    assert render(bucket["BucketName"]) == BUCKET_NAME
    # FolderLayout's users/ entries are test_folder_layout.py's: here, the default layout.
    created, removed = with_conditions(bucket["NotificationConfiguration"]["QueueConfigurations"])
    # Usage is what the folders hold: creations and removals both reach the function.
    assert (created["Event"], removed["Event"]) == ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
    for notification in (created, removed):
        assert render(notification["Queue"]) == OBJECT_EVENTS_QUEUE_ARN
        assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "private/"}]
    assert set(bucket.get("NotificationConfiguration", {})) == {"QueueConfigurations"}
    # S3 checks at creation that it may send: the policy must exist before the bucket.
    assert "ObjectEventsQueuePolicy" in as_list(bucket_resource.get("DependsOn", []))
    (mapping,) = function_props(t, "ObjectOwnerFunction")["Events"].values()
    assert mapping["Type"] == "SQS"
    assert render(mapping["Properties"]["Queue"]) == OBJECT_EVENTS_QUEUE_ARN
    assert mapping["Properties"]["BatchSize"] == 10
    assert mapping["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
    # At most this many instances write one user's usage at once (SQS's minimum is 2).
    assert render(mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]) == "${ObjectOwnerMaximumConcurrency}"
    parameter = t["Parameters"]["ObjectOwnerMaximumConcurrency"]
    assert parameter["Type"] == "Number" and int(parameter["MinValue"]) >= 2 and int(parameter["MaxValue"]) <= 1000
    assert int(parameter["MinValue"]) <= int(parameter["Default"]) <= int(parameter["MaxValue"])


def check_object_events_queue_is_encrypted_with_a_dead_letter_queue(text: str) -> None:
    t = decode(text)
    # The forget queues are checked with the forget function's resources.
    forget = {"ForgetQueue", "ForgetDeadLetterQueue"}
    assert set(resources(t, "AWS::SQS::Queue")) - forget == {"ObjectEventsQueue", "ObjectEventsDeadLetterQueue"}
    queue, dlq = props(t, "ObjectEventsQueue"), props(t, "ObjectEventsDeadLetterQueue")
    for name, q in (("queue", queue), ("dead-letter queue", dlq)):
        assert q.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in q, f"the {name} is not encrypted"
    redrive = queue["RedrivePolicy"]
    assert render(redrive["deadLetterTargetArn"]) == "${ObjectEventsDeadLetterQueue.Arn}"
    assert 1 < int(redrive["maxReceiveCount"]) <= 10
    assert "RedrivePolicy" not in dlq
    # Lambda's advice for an SQS source: visibility >= 6 x the function's timeout.
    assert int(queue["VisibilityTimeout"]) >= 6 * int(function_props(t, "ObjectOwnerFunction")["Timeout"])
    # The dead-letter queue keeps a message longer than the queue did.
    assert int(dlq["MessageRetentionPeriod"]) > int(queue.get("MessageRetentionPeriod", 345600))


def check_only_this_bucket_may_send_object_events(text: str) -> None:
    t = decode(text)
    # S3's policy exists with the stack's own bucket only (test_adopt_mode.py: EventBridge's).
    policy = t["Resources"]["ObjectEventsQueuePolicy"]
    assert policy.get("Condition") == t["Resources"]["Bucket"].get("Condition") == "CreatesBucket"
    assert [render(q) for q in policy["Properties"]["Queues"]] == ["${ObjectEventsQueue}"]
    (st,) = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert st["Effect"] == "Allow" and st["Principal"] == {"Service": "s3.amazonaws.com"}
    assert as_list(st["Action"]) == ["sqs:SendMessage"]
    assert render(st["Resource"]) == OBJECT_EVENTS_QUEUE_ARN
    assert render(st["Condition"]["ArnEquals"]["aws:SourceArn"]) == "arn:${AWS::Partition}:s3:::" + BUCKET_NAME
    assert render(st["Condition"]["StringEquals"]["aws:SourceAccount"]) == "${AWS::AccountId}"


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_template(check, template_text):
    check(template_text)


# (check, text in template.yaml, replacement): each replacement breaks exactly the
# property its check guards, so a check that cannot fail shows up here.
MUTATIONS = [
    (check_object_events_reach_object_owner, "          - Event: s3:ObjectCreated:*\n", "          - Event: s3:ObjectCreated:Put\n"),
    (check_object_events_reach_object_owner, "                  - Name: prefix\n                    Value: private/\n", "                  - Name: prefix\n                    Value: \"\"\n"),
    (check_object_events_reach_object_owner, "    DependsOn: ObjectEventsQueuePolicy\n", ""),
    (check_object_events_reach_object_owner, "            FunctionResponseTypes: [ReportBatchItemFailures]\n            ScalingConfig:\n", "            ScalingConfig:\n"),
    (check_object_events_reach_object_owner, "            BatchSize: 10\n", "            BatchSize: 100\n"),
    (check_object_events_reach_object_owner, "          - Event: s3:ObjectRemoved:*\n", "          - Event: s3:ObjectRemoved:DeleteMarkerCreated\n"),
    (check_object_events_reach_object_owner, "              MaximumConcurrency: !Ref ObjectOwnerMaximumConcurrency\n", "              MaximumConcurrency: 1000\n"),
    (check_object_events_reach_object_owner, "    MinValue: 2\n    MaxValue: 1000\n", "    MinValue: 1\n    MaxValue: 1000\n"),
    (check_object_events_queue_is_encrypted_with_a_dead_letter_queue, "      SqsManagedSseEnabled: true\n      MessageRetentionPeriod: 1209600\n", "      MessageRetentionPeriod: 1209600\n"),
    (check_object_events_queue_is_encrypted_with_a_dead_letter_queue, "ObjectEventsDeadLetterQueue.Arn\n        maxReceiveCount: 5\n", "ObjectEventsDeadLetterQueue.Arn\n        maxReceiveCount: 1000\n"),
    (check_object_events_queue_is_encrypted_with_a_dead_letter_queue, "      VisibilityTimeout: 720\n", "      VisibilityTimeout: 180\n"),
    (check_object_events_queue_is_encrypted_with_a_dead_letter_queue, "        deadLetterTargetArn: !GetAtt ObjectEventsDeadLetterQueue.Arn\n", "        deadLetterTargetArn: !GetAtt ObjectEventsQueue.Arn\n"),
    (check_only_this_bucket_may_send_object_events, "                  - arn:${AWS::Partition}:s3:::cognito-bridge-${AWS::AccountId}-${AWS::Region}-${StackIdPart}\n", "                  - arn:${AWS::Partition}:s3:::*\n"),
    (check_only_this_bucket_may_send_object_events, "            Principal: { Service: s3.amazonaws.com }\n            Action: sqs:SendMessage\n", "            Principal: \"*\"\n            Action: sqs:SendMessage\n"),
    (check_only_this_bucket_may_send_object_events, "            Principal: { Service: s3.amazonaws.com }\n            Action: sqs:SendMessage\n", "            Principal: { Service: s3.amazonaws.com }\n            Action: sqs:*\n"),
    (check_function_permissions, "                  - !Sub ${Bucket.Arn}/private/*\n", "                  - !Sub ${Bucket.Arn}/*\n"),
    (check_function_permissions, "                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]\n                Resource: !GetAtt ObjectEventsQueue.Arn\n", "                Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:PurgeQueue]\n                Resource: !GetAtt ObjectEventsQueue.Arn\n"),
    (check_function_permissions, "                Action: [dynamodb:UpdateItem, dynamodb:PutItem, dynamodb:ConditionCheckItem]\n                Resource: !GetAtt DirectoryTable.Arn\n                Condition:\n                  ForAllValues:StringLike:\n                    dynamodb:LeadingKeys: [\"identity#*\", \"unattributed#*\", \"subfolder#*\", \"object#*\", \"sweep#*\"]\n", "                Action: [dynamodb:UpdateItem, dynamodb:PutItem, dynamodb:ConditionCheckItem]\n                Resource: !GetAtt DirectoryTable.Arn\n                Condition:\n                  ForAllValues:StringLike:\n                    dynamodb:LeadingKeys: [\"*\"]\n"),
    (check_no_wildcards_in_allow_statements, "                  - !Sub arn:${AWS::Partition}:s3:::${ExistingBucketName}/private/*\n", "                  - !Sub arn:${AWS::Partition}:s3:::${ExistingBucketName}/*\n"),
    (check_directory_access_is_item_level_on_the_table_only, "                Action: [dynamodb:UpdateItem, dynamodb:PutItem, dynamodb:ConditionCheckItem]\n", "                Action: [dynamodb:UpdateItem, dynamodb:PutItem, dynamodb:ConditionCheckItem, dynamodb:DeleteItem]\n"),
    (check_directory_table_is_durable_and_encrypted, "        AttributeName: expiresAt\n", "        AttributeName: ttl\n"),
    (check_function_environment, "          ALLOWED_ORIGIN: !Ref AllowedOrigin\n          RUST_LOG: !Ref LogLevel\n      Events:\n        Whoami:", "          RUST_LOG: !Ref LogLevel\n      Events:\n        Whoami:"),
    (check_function_environment, "          OBJECT_EVENTS_QUEUE_URL: !Ref ObjectEventsQueue\n", ""),
    (check_outputs, "    Value: !Ref ObjectEventsDeadLetterQueue\n", "    Value: !GetAtt ObjectEventsDeadLetterQueue.Arn\n"),
    (check_log_groups_with_retention, "        LogGroup: !Ref ObjectOwnerLogGroup\n", "        LogGroup: !Ref LinkLogGroup\n"),
    (check_functions_build_and_size, "      CodeUri: crates/object-owner\n", "      CodeUri: crates/link\n"),
    (check_identity_id_attribute_is_mutable, "Mutable: true\n          StringAttributeConstraints", "Mutable: false\n          StringAttributeConstraints"),
    (check_identity_id_attribute_is_mutable, 'MaxLength: "64"', 'MaxLength: "2048"'),
    (check_client_reads_but_cannot_write_identity_id, "      WriteAttributes:\n        - email\n        - name\n", ""),
    (check_client_reads_but_cannot_write_identity_id, "      WriteAttributes:\n        - email\n", "      WriteAttributes:\n        - custom:identity_id\n        - email\n"),
    (check_client_reads_but_cannot_write_identity_id, "        - custom:identity_id\n      # Explicit", "      # Explicit"),
    (check_client_reads_but_cannot_write_identity_id, "      WriteAttributes:\n        - email\n", "      WriteAttributes:\n"),
    (check_client_is_public_with_safe_flows, "GenerateSecret: false", "GenerateSecret: true"),
    (check_client_is_public_with_safe_flows, "PreventUserExistenceErrors: ENABLED", "PreventUserExistenceErrors: LEGACY"),
    (check_client_is_public_with_safe_flows, "        - [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]\n", "        - [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_PASSWORD_AUTH]\n"),
    (check_identity_pool_disallows_unauthenticated, "AllowUnauthenticatedIdentities: false", "AllowUnauthenticatedIdentities: true"),
    (check_identity_pool_disallows_unauthenticated, "ServerSideTokenCheck: true", "ServerSideTokenCheck: false"),
    (check_identity_pool_disallows_unauthenticated, "        authenticated: !GetAtt AuthenticatedRole.Arn", "        authenticated: !GetAtt AuthenticatedRole.Arn\n        unauthenticated: !GetAtt AuthenticatedRole.Arn"),
    (check_authenticated_role_trust, "                cognito-identity.amazonaws.com:amr: authenticated", "                cognito-identity.amazonaws.com:amr: unauthenticated"),
    (check_authenticated_role_trust, "                cognito-identity.amazonaws.com:aud: !Ref IdentityPool\n", "                cognito-identity.amazonaws.com:aud: us-east-1:00000000-0000-4000-8000-000000000000\n"),
    (check_authenticated_role_permissions, "                  - !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/POST/link\n", "                  - !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*/*\n"),
    (check_authenticated_role_permissions, "                Resource: !Sub arn:${AWS::Partition}:s3:::${Bucket}/private/${!cognito-identity.amazonaws.com:sub}/*\n", "                Resource: !Sub arn:${AWS::Partition}:s3:::${Bucket}/private/*\n"),
    (check_authenticated_role_permissions, "                Condition:\n                  StringLike:\n                    s3:prefix:\n                      - private/", "                XCondition:\n                  StringLike:\n                    s3:prefix:\n                      - private/"),
    (check_function_permissions, "Action: cognito-idp:AdminUpdateUserAttributes", "Action: [cognito-idp:AdminUpdateUserAttributes, cognito-idp:AdminGetUser]"),
    (check_function_permissions, "                  - !GetAtt UserPool.Arn\n", "                  - !Sub arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*\n"),
    (check_function_permissions, "      Role: !GetAtt WhoamiFunctionRole.Arn\n", "      Role: !GetAtt WhoamiFunctionRole.Arn\n      Policies: [AmazonCognitoReadOnly]\n"),
    (check_function_permissions, "                Resource: !GetAtt WhoamiLogGroup.Arn\n", "                Resource: !GetAtt WhoamiLogGroup.Arn\n              - Effect: Allow\n                Action: cognito-identity:GetId\n                Resource: !Sub arn:${AWS::Partition}:cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/${IdentityPool}\n"),
    (check_no_wildcards_in_allow_statements, "                Action: execute-api:Invoke\n", "                Action: execute-api:*\n"),
    (check_no_wildcards_in_allow_statements, "\n              - !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/POST/link\n", "\n              - !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/*\n"),
    (check_link_route_uses_aws_iam, "            Path: /link\n            Method: POST\n            Auth:\n              Authorizer: AWS_IAM", "            Path: /link\n            Method: POST\n            Auth:\n              Authorizer: NONE"),
    (check_lambda_authorizer_is_default, "            Path: /iam/whoami\n            Method: GET\n            Auth:\n              Authorizer: AWS_IAM", "            Path: /iam/whoami\n            Method: GET\n            Auth:\n              Authorizer: NONE"),
    (check_link_route_uses_aws_iam, "on the users' role.\n              InvokeRole: NONE\n", "on the users' role.\n"),
    (check_lambda_authorizer_is_default, "DefaultAuthorizer: BridgeAuthorizer", "DefaultAuthorizer: NONE"),
    (check_lambda_authorizer_is_default, "AddDefaultAuthorizerToCorsPreflight: false", "AddDefaultAuthorizerToCorsPreflight: true"),
    (check_lambda_authorizer_is_default, "ReauthorizeEvery: !Ref AuthorizerCacheTtl", "ReauthorizeEvery: 300"),
    (check_lambda_authorizer_is_default, "Headers: [Authorization]", "Headers: [X-Token]"),
    (check_authorizer_cache_ttl_parameter, "    MaxValue: 3600", "    MaxValue: 86400"),
    (check_cors_and_gateway_responses, "        ACCESS_DENIED:\n          ResponseParameters:\n            Headers:\n              Access-Control-Allow-Origin:", "        ACCESS_DENIED:\n          ResponseParameters:\n            Headers:\n              X-Allow-Origin:"),
    (check_bucket_is_private_encrypted_tls_only, "RestrictPublicBuckets: true", "RestrictPublicBuckets: false"),
    (check_bucket_is_private_encrypted_tls_only, "      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault:\n              SSEAlgorithm: AES256\n", ""),
    (check_bucket_is_private_encrypted_tls_only, "ObjectOwnership: BucketOwnerEnforced", "ObjectOwnership: ObjectWriter"),
    (check_bucket_is_private_encrypted_tls_only, 'aws:SecureTransport: "false"', 'aws:SecureTransport: "true"'),
    (check_log_groups_with_retention, "      LogGroupName: !Sub /aws/lambda/${AWS::StackName}-whoami\n      RetentionInDays: !Ref LogRetentionDays\n", "      LogGroupName: !Sub /aws/lambda/${AWS::StackName}-whoami\n"),
    (check_log_groups_with_retention, "        LogGroup: !Ref LinkLogGroup\n", "        LogGroup: !Ref WhoamiLogGroup\n"),
    (check_functions_build_and_size, "Architectures: [arm64]", "Architectures: [x86_64]"),
    (check_functions_build_and_size, "        Binary: whoami", "        Binary: link"),
    (check_functions_build_and_size, "      CodeUri: crates/whoami", "      CodeUri: ."),
    (check_functions_build_and_size, "      MemorySize: 256\n      # Twice AUTHORIZER_DEADLINE_MS", "      MemorySize: 1024\n      # Twice AUTHORIZER_DEADLINE_MS"),
    (check_function_environment, "          REQUIRE_LINKED: !Ref RequireLinked\n", ""),
    (check_function_environment, "          IDENTITY_POOL_ID: !If [CreatesIdentityPool, !Ref IdentityPool, !Ref ExistingIdentityPoolId]\n          DIRECTORY_TABLE: !Ref DirectoryTable\n          # The function's own", "          IDENTITY_POOL_ID: !If [CreatesIdentityPool, !Ref UserPool, !Ref ExistingIdentityPoolId]\n          DIRECTORY_TABLE: !Ref DirectoryTable\n          # The function's own"),
    (check_function_environment, "          ALLOWED_ORIGIN: !Ref AllowedOrigin\n          RUST_LOG: !Ref LogLevel\n      Events:\n        Link:", "          RUST_LOG: !Ref LogLevel\n      Events:\n        Link:"),
    (check_outputs, "  BucketName:\n    Description:", "  TheBucket:\n    Description:"),
    (check_outputs, "    Value: !Ref DirectoryTable\n", "    Value: !GetAtt DirectoryTable.Arn\n"),
    (check_directory_table_is_durable_and_encrypted, "  DirectoryTable:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: RetainExceptOnCreate\n", "  DirectoryTable:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Delete\n"),
    (check_directory_table_is_durable_and_encrypted, "      StreamSpecification:\n        StreamViewType: NEW_IMAGE\n", "      StreamSpecification:\n        StreamViewType: KEYS_ONLY\n"),
    (check_directory_table_is_durable_and_encrypted, "    DeletionPolicy: RetainExceptOnCreate\n    UpdateReplacePolicy: Retain\n    Properties:\n      BillingMode", "    DeletionPolicy: RetainExceptOnCreate\n    Properties:\n      BillingMode"),
    (check_directory_table_is_durable_and_encrypted, "BillingMode: PAY_PER_REQUEST", "BillingMode: PROVISIONED"),
    (check_directory_table_is_durable_and_encrypted, "PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false"),
    (check_directory_table_is_durable_and_encrypted, "SSEEnabled: true", "SSEEnabled: false"),
    (check_directory_table_is_durable_and_encrypted, "        - AttributeName: pk\n          KeyType: HASH\n", "        - AttributeName: pk\n          KeyType: HASH\n        - AttributeName: sk\n          KeyType: RANGE\n"),
    (check_directory_access_is_item_level_on_the_table_only, "                Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:ConditionCheckItem]\n                Resource: !GetAtt DirectoryTable.Arn\n              - Effect: Allow\n                Action: dynamodb:UpdateItem\n", "                Action: [dynamodb:GetItem, dynamodb:TransactWriteItems]\n                Resource: !GetAtt DirectoryTable.Arn\n              - Effect: Allow\n                Action: dynamodb:UpdateItem\n"),
    (check_directory_access_is_item_level_on_the_table_only, "                Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:ConditionCheckItem]\n                Resource: !GetAtt DirectoryTable.Arn\n              - Effect: Allow\n                Action: dynamodb:UpdateItem\n", "                Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:ConditionCheckItem, dynamodb:Scan]\n                Resource: !GetAtt DirectoryTable.Arn\n              - Effect: Allow\n                Action: dynamodb:UpdateItem\n"),
    # The authorizer never updates an entry; link without its UpdateItem grant is refused.
    (check_directory_access_is_item_level_on_the_table_only, "                Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:ConditionCheckItem]\n                Resource: !GetAtt DirectoryTable.Arn\n\n  WhoamiFunctionRole:", "                Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:ConditionCheckItem, dynamodb:UpdateItem]\n                Resource: !GetAtt DirectoryTable.Arn\n\n  WhoamiFunctionRole:"),
    (check_directory_access_is_item_level_on_the_table_only, "              - Effect: Allow\n                Action: dynamodb:UpdateItem\n                Resource: !GetAtt DirectoryTable.Arn\n\n  AuthorizerFunctionRole:", "\n  AuthorizerFunctionRole:"),
    (check_directory_access_is_item_level_on_the_table_only, "                Resource: !GetAtt DirectoryTable.Arn\n\n  AuthorizerFunctionRole:", "                Resource: !Sub ${DirectoryTable.Arn}/index/*\n\n  AuthorizerFunctionRole:"),
    (check_directory_access_is_item_level_on_the_table_only, "                Resource: !GetAtt WhoamiLogGroup.Arn\n", "                Resource: !GetAtt WhoamiLogGroup.Arn\n              - Effect: Allow\n                Action: dynamodb:GetItem\n                Resource: !GetAtt DirectoryTable.Arn\n"),
    (check_function_permissions, "        # Reads by sub; after a GetId miss, the same conditional link transaction as link's.\n        - PolicyName: directory\n", "        # Reads by sub; after a GetId miss, the same conditional link transaction as link's.\n        - PolicyName: directory-read\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: dynamodb:DeleteItem\n                Resource: !GetAtt DirectoryTable.Arn\n        - PolicyName: directory\n"),
    (check_function_environment, "          REQUIRE_LINKED: !Ref RequireLinked\n          DIRECTORY_TABLE: !Ref DirectoryTable\n", "          REQUIRE_LINKED: !Ref RequireLinked\n"),
    (check_function_environment, "          IDENTITY_POOL_ID: !If [CreatesIdentityPool, !Ref IdentityPool, !Ref ExistingIdentityPoolId]\n          DIRECTORY_TABLE: !Ref DirectoryTable\n          # The function's own", "          IDENTITY_POOL_ID: !If [CreatesIdentityPool, !Ref IdentityPool, !Ref ExistingIdentityPoolId]\n          DIRECTORY_TABLE: my-table\n          # The function's own"),
]


@pytest.mark.parametrize(
    "check, old, new",
    MUTATIONS,
    ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)],
)
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    mutated = template_text.replace(old, new)
    with pytest.raises(AssertionError):
        check(mutated)


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
