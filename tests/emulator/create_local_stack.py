"""Create, in the local Cognito, the Cognito resources that template.yaml creates.

The user pool has the custom attribute ``identity_id`` (String, mutable, so the
link function can write it with AdminUpdateUserAttributes); the app client reads
it but may not write it; the identity pool accepts that pool and client only and
refuses unauthenticated identities.

The identity directory table is created from template.yaml's own ``DirectoryTable``
definition (key schema, billing, encryption, point-in-time recovery), so the local
table is the deployed one.

The object-owner pipeline (the bucket, its ObjectEventsQueue, the dead-letter queue,
the queue policy and the bucket's notification) is created from template.yaml's own
``Bucket``, ``ObjectEventsQueue``, ``ObjectEventsDeadLetterQueue`` and
``ObjectEventsQueuePolicy`` definitions, with the template's intrinsics resolved to the
local names. Pseudo parameters are CloudFormation's: ``AWS::StackId`` is a stack ARN
with a fresh UUID, so the bucket's name (which takes a piece of it) differs per stack, as
on AWS.

The identity pool's roles are ``IdentityPoolRoles``: each role it names (the
``AuthenticatedRole``) is created in the emulator's IAM with the template's trust policy
and inline policies, resolved to the local names, and attached with
SetIdentityPoolRoles. The emulator then scopes the credentials it issues by that role's
policies, as IAM does (see cognito_emulator.py, ScopedCredentials).

Usage: create_local_stack.py ENDPOINT_URL NAME  -> prints the ids as JSON (the forget
           queues and UserDeletionRule among them).
       create_local_stack.py --directory-table ENDPOINT_URL NAME
           -> creates only a directory table, prints {"DirectoryTableName": ...}.
       create_local_stack.py --object-pipeline ENDPOINT_URL NAME [VISIBILITY_TIMEOUT] [--link-pipe]
           -> creates only the pipeline, prints its bucket name and queue URLs and ARNs.
              VISIBILITY_TIMEOUT (seconds) replaces the template's, so that tests see
              a failed message again without waiting 3 minutes. With --link-pipe,
              the directory table NAME-directory gets its stream and template.yaml's
              DirectoryLinkPipe from it to the queue is created.
       create_local_stack.py --adopted-pipeline ENDPOINT_URL NAME BUCKET
           -> for a team's existing BUCKET (adopt mode): the queues, the template's
              ObjectEventsRule for BUCKET and the directory's link pipe (the directory
              table NAME-directory must exist); prints the queue URLs and ARNs.
       create_local_stack.py --bucket-cors ENDPOINT_URL BUCKET ORIGIN
           -> puts the template Bucket's CorsConfiguration on BUCKET, with ORIGIN as the
              AllowedOrigin parameter (the web app's origin, known once it is served).
       create_local_stack.py --pre-token-trigger ENDPOINT_URL NAME POOL_ID BINARY [LOG_FILE]
           -> the template's PreTokenFunction (BINARY, run by the emulator as a Lambda
              process) as POOL_ID's pre token generation trigger, with the UserPool's
              UserPoolTier and LambdaVersion; prints {"PreTokenFunctionArn": ...}.
       create_local_stack.py --forget-pipeline ENDPOINT_URL NAME POOL_ID [--adopted]
           -> the template's ForgetQueue, ForgetDeadLetterQueue, their policies and
              UserDeletionRule for POOL_ID (the stack's pool, or with --adopted an
              existing one); prints the rule's name and ARN and the queue URLs and ARNs.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import boto3
import yaml

REGION = "us-east-1"
# The standard attributes the app client may write (template.yaml: WriteAttributes).
WRITABLE = ["email", "name", "given_name", "family_name", "preferred_username", "locale", "zoneinfo"]


TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def create(endpoint: str, name: str) -> dict:
    session = _session()
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    identity = session.client("cognito-identity", endpoint_url=endpoint)

    pool = idp.create_user_pool(
        PoolName=f"{name}-users",
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": "identity_id",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "128"},
            },
        ],
    )["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{name}-app",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", "name", "custom:identity_id"],
        WriteAttributes=WRITABLE,
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    identity_pool = identity.create_identity_pool(
        IdentityPoolName=f"{name}_identities".replace("-", "_"),
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {"ProviderName": provider, "ClientId": client["ClientId"], "ServerSideTokenCheck": True}
        ],
    )
    table = create_directory_table(endpoint, name)
    stack_id = local_stack_id(name)
    pipeline = create_object_pipeline(endpoint, name, stack_id=stack_id)
    roles = create_identity_pool_roles(
        endpoint, name, identity_pool["IdentityPoolId"], table, pipeline["BucketName"], stack_id=stack_id
    )
    forget = create_forget_pipeline(endpoint, name, pool["Id"])
    return {
        "UserPoolId": pool["Id"],
        "UserPoolClientId": client["ClientId"],
        "IdentityPoolId": identity_pool["IdentityPoolId"],
        "DirectoryTableName": table,
        **pipeline,
        **roles,
        **forget,
        "Region": REGION,
    }


# --------------------------------------------------------------------------
# Identity directory (DynamoDB), from template.yaml's DirectoryTable
# --------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation's short-form intrinsics (!Ref, !Sub, …)."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(template: Path = TEMPLATE) -> dict:
    """template.yaml as CloudFormation reads it."""
    with open(template, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_TemplateLoader)


def template_resource(logical_id: str, template: Path = TEMPLATE) -> dict:
    """One resource of template.yaml, as CloudFormation reads it."""
    return load_template(template)["Resources"][logical_id]


def parameter_defaults(template: Path = TEMPLATE) -> dict:
    """The template's parameters at their defaults (what a local stack deploys with)."""
    return {k: v["Default"] for k, v in (load_template(template).get("Parameters") or {}).items() if "Default" in v}


# The DirectoryTable properties this script knows how to reproduce locally. Any other
# property fails loudly, so the local table never silently differs from the deployed one.
_TABLE_PROPERTIES = {
    "BillingMode",
    "AttributeDefinitions",
    "KeySchema",
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "TimeToLiveSpecification",
    "StreamSpecification",
}


def directory_table_ttl(resource: dict) -> dict | None:
    """The UpdateTimeToLive specification of a template table, if it has one."""
    ttl = resource.get("Properties", {}).get("TimeToLiveSpecification")
    if not ttl:
        return None
    return {"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl.get("Enabled"))}


def directory_table_request(resource: dict, table_name: str) -> tuple[dict, bool]:
    """CreateTable arguments for a template ``AWS::DynamoDB::Table``, and whether PITR is on."""
    if resource.get("Type") != "AWS::DynamoDB::Table":
        raise ValueError(f"DirectoryTable is a {resource.get('Type')}, not an AWS::DynamoDB::Table")
    properties = resource.get("Properties", {})
    unknown = set(properties) - _TABLE_PROPERTIES
    if unknown:
        raise ValueError(f"DirectoryTable properties this script cannot reproduce: {sorted(unknown)}")
    request = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    sse = properties.get("SSESpecification")
    if sse:
        request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))}
        if "SSEType" in sse:
            request["SSESpecification"]["SSEType"] = sse["SSEType"]
    if "DeletionProtectionEnabled" in properties:
        request["DeletionProtectionEnabled"] = bool(properties["DeletionProtectionEnabled"])
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    pitr = bool(properties.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"))
    return request, pitr


def create_directory_table(endpoint: str, name: str) -> str:
    """Creates ``<name>-directory`` as template.yaml defines DirectoryTable; returns its name."""
    dynamodb = _session().client("dynamodb", endpoint_url=endpoint)
    table_name = f"{name}-directory"
    resource = template_resource("DirectoryTable")
    request, pitr = directory_table_request(resource, table_name)
    # The stream is turned on with the link pipe (create_link_pipe), which only the stacks
    # that attribute on link ask for: with a stream on the table, the emulator's DynamoDB
    # answers some of the usage ledger's live writes with a ValidationException that
    # DynamoDB does not give (being tracked down), so the other stacks keep it off.
    request.pop("StreamSpecification", None)
    dynamodb.create_table(**request)
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    if pitr:
        dynamodb.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    ttl = directory_table_ttl(resource)
    if ttl:
        dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    return table_name


# --------------------------------------------------------------------------
# The object-owner pipeline (S3 -> SQS), from template.yaml's own resources
# --------------------------------------------------------------------------

ACCOUNT_ID = "123456789012"  # moto's account


def local_stack_id(name: str) -> str:
    """``AWS::StackId`` of a local stack: CloudFormation's ARN shape, a fresh UUID at the end."""
    return f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{name}/{uuid.uuid4()}"


def pseudo_parameters(name: str, stack_id: str) -> dict:
    """The pseudo parameters (``AWS::…``) a local stack named ``name`` resolves."""
    return {
        "AWS::StackName": name, "AWS::StackId": stack_id, "AWS::AccountId": ACCOUNT_ID,
        "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
    }

# Bucket properties reproduced locally, and those that moto's S3 cannot use or that
# change nothing a local test can see (the CORS rules and lifecycle of the deployed
# bucket). Any other property fails loudly.
_BUCKET_PROPERTIES = {"BucketName", "NotificationConfiguration", "BucketEncryption", "PublicAccessBlockConfiguration"}
_BUCKET_PROPERTIES_NOT_REPRODUCED = {"OwnershipControls", "CorsConfiguration", "LifecycleConfiguration"}
_QUEUE_ATTRIBUTES = {"SqsManagedSseEnabled", "VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy"}


# The template conditions a local stack evaluates, from the parameters in ``names``
# (FolderLayout: the local stack's own, see ``folder_layout``). Any other condition in
# an !If fails loudly.
LOCAL_CONDITIONS = {
    "HasSubFolders": lambda names: names.get("FolderLayout", "identity-id") != "identity-id",
    "CreatesBucket": lambda names: not names.get("ExistingBucketName"),
    # A local stack always creates its identity pool (and its role).
    "CreatesIdentityPool": lambda names: not names.get("ExistingIdentityPoolId"),
}
_NO_VALUE = object()


def folder_layout() -> str:
    """The FolderLayout of a local stack: ``FOLDER_LAYOUT`` from the environment, else
    the template's default."""
    layout = os.environ.get("FOLDER_LAYOUT") or parameter_defaults().get("FolderLayout", "identity-id")
    allowed = load_template()["Parameters"].get("FolderLayout", {}).get("AllowedValues", ["identity-id"])
    if layout not in allowed:
        raise ValueError(f"FOLDER_LAYOUT must be one of {allowed}")
    return layout


def resolve(value: Any, names: dict) -> Any:
    """A template value with !Ref, !GetAtt, !Sub, !Select, !Split and !If (on the
    conditions of LOCAL_CONDITIONS) resolved from ``names``; AWS::NoValue is dropped.

    In !Sub, ``${!Name}`` is the literal ``${Name}`` (an IAM policy variable such as
    ``${!cognito-identity.amazonaws.com:sub}`` stays for IAM to fill in).
    """
    resolved = _resolve(value, names)
    if resolved is _NO_VALUE:
        raise ValueError("a whole value resolves to AWS::NoValue")
    return resolved


def _resolve(value: Any, names: dict) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref" and arg == "AWS::NoValue":
            return _NO_VALUE
        if fn == "Fn::If":
            # names["Condition:<name>"], when a caller set it, says whether the condition
            # holds locally; else LOCAL_CONDITIONS decides from the parameters in names.
            condition, when_true, when_false = arg
            if f"Condition:{condition}" in names:
                holds = bool(names[f"Condition:{condition}"])
            elif condition in LOCAL_CONDITIONS:
                holds = LOCAL_CONDITIONS[condition](names)
            else:
                raise ValueError(f"cannot evaluate the condition {condition} locally")
            return _resolve(when_true if holds else when_false, names)
        if fn == "Ref":
            return names[arg]
        if fn == "Fn::GetAtt":
            return names[".".join(arg) if isinstance(arg, list) else arg]
        if fn == "Fn::Split":
            delimiter, text = arg
            return resolve(text, names).split(delimiter)
        if fn == "Fn::Select":
            index, items = arg
            return resolve(items, names)[int(resolve(index, names))]
        if fn == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], names))

            def substitute(match: re.Match) -> str:
                literal, key = match.group(1), match.group(2)
                if literal:
                    return "${" + key + "}"
                if key in local:
                    return str(local[key])
                if key in names:
                    return str(names[key])
                raise ValueError(f"cannot resolve ${{{key}}} in {text!r} locally")

            return re.sub(r"\$\{(!?)([^}]*)\}", substitute, text)
    if isinstance(value, dict):
        items = {k: _resolve(v, names) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not _NO_VALUE}
    if isinstance(value, list):
        return [v for v in (_resolve(v, names) for v in value) if v is not _NO_VALUE]
    return value


def _queue_attributes(resource: dict, names: dict) -> dict:
    properties = resource.get("Properties", {})
    unknown = set(properties) - _QUEUE_ATTRIBUTES
    if unknown:
        raise ValueError(f"queue properties this script cannot reproduce: {sorted(unknown)}")
    attributes = {}
    for key, value in resolve(properties, names).items():
        if key == "RedrivePolicy":
            attributes[key] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    return attributes


def bucket_notification(resource: dict, names: dict) -> dict:
    """PutBucketNotificationConfiguration's argument from a template bucket's NotificationConfiguration."""
    configurations = []
    for queue in resolve(resource["Properties"]["NotificationConfiguration"]["QueueConfigurations"], names):
        entry = {"QueueArn": queue["Queue"], "Events": [queue["Event"]]}
        rules = queue.get("Filter", {}).get("S3Key", {}).get("Rules")
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
        configurations.append(entry)
    return {"QueueConfigurations": configurations}


def create_object_pipeline(
    endpoint: str, name: str, visibility_timeout: int | None = None, stack_id: str | None = None,
    link_pipe: bool = False,
) -> dict:
    """The bucket, queue, dead-letter queue, queue policy and notification of template.yaml,
    and the directory's link pipe to the queue (see ``create_link_pipe``)."""
    session = _session()
    sqs = session.client("sqs", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    names: dict = pseudo_parameters(name, stack_id or local_stack_id(name))
    names["FolderLayout"] = folder_layout()

    dlq_url = sqs.create_queue(
        QueueName=f"{name}-object-events-dlq",
        Attributes=_queue_attributes(template_resource("ObjectEventsDeadLetterQueue"), names),
    )["QueueUrl"]
    names["ObjectEventsDeadLetterQueue"] = dlq_url
    names["ObjectEventsDeadLetterQueue.Arn"] = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    attributes = _queue_attributes(template_resource("ObjectEventsQueue"), names)
    if visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(visibility_timeout)
    queue_url = sqs.create_queue(QueueName=f"{name}-object-events", Attributes=attributes)["QueueUrl"]
    names["ObjectEventsQueue"] = queue_url
    names["ObjectEventsQueue.Arn"] = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    policy = template_resource("ObjectEventsQueuePolicy")["Properties"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(resolve(policy["PolicyDocument"], names))})

    bucket = template_resource("Bucket")
    properties = bucket.get("Properties", {})
    unknown = set(properties) - _BUCKET_PROPERTIES - _BUCKET_PROPERTIES_NOT_REPRODUCED
    if unknown:
        raise ValueError(f"Bucket properties this script cannot reproduce: {sorted(unknown)}")
    bucket_name = resolve(properties["BucketName"], names)
    s3.create_bucket(Bucket=bucket_name)
    names["Bucket"] = bucket_name
    if "PublicAccessBlockConfiguration" in properties:
        s3.put_public_access_block(Bucket=bucket_name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"])
    if "BucketEncryption" in properties:
        rules = [
            {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
            for r in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=bucket_name, ServerSideEncryptionConfiguration={"Rules": rules})
    s3.put_bucket_notification_configuration(Bucket=bucket_name, NotificationConfiguration=bucket_notification(bucket, names))
    pipe_name = create_link_pipe(endpoint, name, names, link_pipe)
    return {
        "DirectoryLinkPipeName": pipe_name,
        "BucketName": bucket_name,
        "ObjectEventsQueueUrl": queue_url,
        "ObjectEventsQueueArn": names["ObjectEventsQueue.Arn"],
        "ObjectEventsDeadLetterQueueUrl": dlq_url,
        "ObjectEventsDeadLetterQueueArn": names["ObjectEventsDeadLetterQueue.Arn"],
    }


def create_adopted_pipeline(endpoint: str, name: str, bucket: str) -> dict:
    """What the stack creates for an adopted bucket (``ExistingBucketName``): the queue and
    dead-letter queue, template.yaml's ``ObjectEventsRule`` for that bucket's EventBridge
    events, and the directory's link pipe. The bucket itself is the team's: nothing on it
    changes here (``cognito-bridge adopt`` switches its EventBridge delivery on)."""
    session = _session()
    sqs = session.client("sqs", endpoint_url=endpoint)
    names: dict = pseudo_parameters(name, local_stack_id(name))
    names["ExistingBucketName"] = bucket
    names["FolderLayout"] = folder_layout()
    for logical_id, suffix in (("ObjectEventsDeadLetterQueue", "object-events-dlq"), ("ObjectEventsQueue", "object-events")):
        url = sqs.create_queue(QueueName=f"{name}-{suffix}", Attributes=_queue_attributes(template_resource(logical_id), names))["QueueUrl"]
        names[logical_id] = url
        names[f"{logical_id}.Arn"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = resolve(template_resource("ObjectEventsRule")["Properties"], names)
    events = session.client("events", endpoint_url=endpoint)
    rule_name = f"{name}-object-events"[:64]
    events.put_rule(Name=rule_name, EventPattern=json.dumps(rule["EventPattern"]), State=rule["State"], Description=rule["Description"])
    events.put_targets(Rule=rule_name, Targets=rule["Targets"])
    pipe_name = create_link_pipe(endpoint, name, names, True)
    return {
        "DirectoryLinkPipeName": pipe_name,
        "ObjectEventsRuleName": rule_name,
        "BucketName": bucket,
        "ObjectEventsQueueUrl": names["ObjectEventsQueue"],
        "ObjectEventsQueueArn": names["ObjectEventsQueue.Arn"],
        "ObjectEventsDeadLetterQueueUrl": names["ObjectEventsDeadLetterQueue"],
        "ObjectEventsDeadLetterQueueArn": names["ObjectEventsDeadLetterQueue.Arn"],
    }


# --------------------------------------------------------------------------
# Deleted users: the forget queues and UserDeletionRule, from template.yaml
# --------------------------------------------------------------------------


def create_forget_pipeline(endpoint: str, name: str, user_pool_id: str, adopted: bool = False) -> dict:
    """template.yaml's ``ForgetDeadLetterQueue``, ``ForgetQueue``, ``UserDeletionRule``
    (for ``user_pool_id``: the stack's pool, or with ``adopted`` an existing one) and the
    two queues' policies. The emulator delivers the CloudTrail events of AdminDeleteUser
    and DeleteUser (cloudtrail_events.py) through the rule, as EventBridge does."""
    session = _session()
    sqs = session.client("sqs", endpoint_url=endpoint)
    names: dict = pseudo_parameters(name, local_stack_id(name))
    names["Condition:CreatesUserPool"] = not adopted
    names["UserPool" if not adopted else "ExistingUserPoolId"] = user_pool_id
    names.setdefault("UserPool", user_pool_id)
    for logical_id, suffix in (("ForgetDeadLetterQueue", "forget-dlq"), ("ForgetQueue", "forget")):
        url = sqs.create_queue(QueueName=f"{name}-{suffix}", Attributes=_queue_attributes(template_resource(logical_id), names))["QueueUrl"]
        names[logical_id] = url
        names[f"{logical_id}.Arn"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = resolve(template_resource("UserDeletionRule")["Properties"], names)
    events = session.client("events", endpoint_url=endpoint)
    rule_name = f"{name}-user-deletions"[:64]
    names["UserDeletionRule.Arn"] = events.put_rule(
        Name=rule_name, EventPattern=json.dumps(rule["EventPattern"]), State=rule["State"], Description=rule["Description"]
    )["RuleArn"]
    events.put_targets(Rule=rule_name, Targets=rule["Targets"])
    for logical_id in ("ForgetQueuePolicy", "ForgetDeadLetterQueuePolicy"):
        policy = template_resource(logical_id)["Properties"]
        for queue in resolve(policy["Queues"], names):
            sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(resolve(policy["PolicyDocument"], names))})
    return {
        "UserDeletionRuleName": rule_name,
        "UserDeletionRuleArn": names["UserDeletionRule.Arn"],
        "ForgetQueueUrl": names["ForgetQueue"],
        "ForgetQueueArn": names["ForgetQueue.Arn"],
        "ForgetDeadLetterQueueUrl": names["ForgetDeadLetterQueue"],
        "ForgetDeadLetterQueueArn": names["ForgetDeadLetterQueue.Arn"],
    }


# --------------------------------------------------------------------------
# The directory's link pipe (DynamoDB stream -> EventBridge Pipes -> the queue)
# --------------------------------------------------------------------------

# What template.yaml's DirectoryLinkPipe holds (the stack's contract), used when a test
# asks for the pipe before the template has it: the directory stream's INSERTs of
# identity# items, one record per message, to the object-events queue, no input template.
LINK_PIPE_CONTRACT = {
    "Properties": {
        "Source": {"Fn::GetAtt": "DirectoryTable.StreamArn"},
        "SourceParameters": {
            "DynamoDBStreamParameters": {"StartingPosition": "LATEST", "BatchSize": 1},
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps(
                {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["identity"]}}}}
            )}]},
        },
        "Target": {"Fn::GetAtt": "ObjectEventsQueue.Arn"},
    }
}
LINK_STREAM_CONTRACT = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}


def _template_has(logical_id: str) -> bool:
    return logical_id in load_template().get("Resources", {})


def create_link_pipe(endpoint: str, name: str, names: dict, required: bool) -> str | None:
    """The directory table's stream and DirectoryLinkPipe, when template.yaml has the pipe
    (or ``required``: then from the contract above if the template has none yet).

    The table is ``<name>-directory`` (created before, by ``--directory-table``); its
    stream is turned on if the table was created without one. Returns the pipe's name,
    or None when there is no pipe to create.
    """
    if not required:
        return None
    session = _session()
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    table_name = f"{name}-directory"
    try:
        table = dynamodb.describe_table(TableName=table_name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        if required:
            raise
        return None
    if not table.get("LatestStreamArn"):
        stream = template_resource("DirectoryTable").get("Properties", {}).get("StreamSpecification")
        spec = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]} if stream else LINK_STREAM_CONTRACT
        table = dynamodb.update_table(TableName=table_name, StreamSpecification=spec)["TableDescription"]
    names = dict(names, **{"DirectoryTable": table_name, "DirectoryTable.StreamArn": table["LatestStreamArn"]})
    resource = template_resource("DirectoryLinkPipe") if _template_has("DirectoryLinkPipe") else LINK_PIPE_CONTRACT
    properties = resource["Properties"]
    source_parameters = dict(resolve(properties.get("SourceParameters", {}), names))
    for pattern in source_parameters.get("FilterCriteria", {}).get("Filters", []):
        if not isinstance(pattern.get("Pattern"), str):
            pattern["Pattern"] = json.dumps(pattern["Pattern"])
    pipe_name = f"{name}-directory-link"[:64]
    session.client("pipes", endpoint_url=endpoint).create_pipe(
        Name=pipe_name,
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{pipe_name}",
        Source=resolve(properties["Source"], names),
        SourceParameters=source_parameters,
        Target=resolve(properties["Target"], names),
        DesiredState="RUNNING",
    )
    return pipe_name


# --------------------------------------------------------------------------
# The identity pool's roles (IAM), from template.yaml's IdentityPoolRoles
# --------------------------------------------------------------------------

# The role properties reproduced locally; any other fails loudly.
_ROLE_PROPERTIES = {"Description", "AssumeRolePolicyDocument", "Policies"}
# The local stand-in for the REST API's id in execute-api ARNs (the local gateway
# checks signatures itself and never asks IAM).
LOCAL_API_ID = "local"


def role_request(resource: dict, names: dict, role_name: str) -> tuple[dict, list[dict]]:
    """CreateRole's arguments and PutRolePolicy's, for a template ``AWS::IAM::Role``."""
    if resource.get("Type") != "AWS::IAM::Role":
        raise ValueError(f"a {resource.get('Type')} is not an AWS::IAM::Role")
    properties = resource.get("Properties", {})
    unknown = set(properties) - _ROLE_PROPERTIES
    if unknown:
        raise ValueError(f"role properties this script cannot reproduce: {sorted(unknown)}")
    create = {
        "RoleName": role_name,
        "AssumeRolePolicyDocument": json.dumps(resolve(properties["AssumeRolePolicyDocument"], names)),
    }
    if "Description" in properties:
        create["Description"] = properties["Description"]
    policies = [
        {"RoleName": role_name, "PolicyName": policy["PolicyName"],
         "PolicyDocument": json.dumps(resolve(policy["PolicyDocument"], names))}
        for policy in properties.get("Policies", [])
    ]
    return create, policies


def create_identity_pool_roles(
    endpoint: str, name: str, identity_pool_id: str, table: str, bucket: str, stack_id: str | None = None
) -> dict:
    """The roles of template.yaml's IdentityPoolRoles, created and attached to the pool."""
    session = _session()
    iam = session.client("iam", endpoint_url=endpoint)
    identity = session.client("cognito-identity", endpoint_url=endpoint)
    names: dict = {
        **parameter_defaults(),
        **pseudo_parameters(name, stack_id or local_stack_id(name)),
        "FolderLayout": folder_layout(),
        "IdentityPool": identity_pool_id, "Api": LOCAL_API_ID,
        "Bucket": bucket, "Bucket.Arn": f"arn:aws:s3:::{bucket}",
        "DirectoryTable": table, "DirectoryTable.Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table}",
    }
    attachment = template_resource("IdentityPoolRoles")["Properties"]
    roles: dict[str, str] = {}
    outputs: dict[str, str] = {}
    for kind, reference in attachment["Roles"].items():
        arn_of = reference.get("Fn::GetAtt") if isinstance(reference, dict) else None
        logical_id = (arn_of[0] if isinstance(arn_of, list) else str(arn_of).split(".")[0]) if arn_of else None
        if not logical_id:
            raise ValueError(f"IdentityPoolRoles.Roles.{kind} is not a !GetAtt <Role>.Arn")
        create, policies = role_request(template_resource(logical_id), names, f"{name}-{logical_id}"[:64])
        arn = iam.create_role(**create)["Role"]["Arn"]
        for policy in policies:
            iam.put_role_policy(**policy)
        roles[kind] = arn
        outputs[f"{logical_id}Arn"] = arn
    identity.set_identity_pool_roles(IdentityPoolId=identity_pool_id, Roles=roles)
    if LOCAL_CONDITIONS["HasSubFolders"](names):
        outputs.update(create_sub_folders(endpoint, identity_pool_id, names))
    return outputs


def create_sub_folders(endpoint: str, identity_pool_id: str, names: dict) -> dict:
    """FolderLayout sub or both: template.yaml's SubFolderPolicy on the authenticated role
    (as a role policy: the emulator's evaluator reads role policies), and its
    SubPrincipalTag map on every user-pool provider of the identity pool."""
    session = _session()
    iam = session.client("iam", endpoint_url=endpoint)
    identity = session.client("cognito-identity", endpoint_url=endpoint)
    names = dict(names, AuthenticatedRole=f"{names['AWS::StackName']}-AuthenticatedRole"[:64])
    policy = template_resource("SubFolderPolicy")["Properties"]
    for role in resolve(policy["Roles"], names):
        iam.put_role_policy(RoleName=role, PolicyName="sub-folder", PolicyDocument=json.dumps(resolve(policy["PolicyDocument"], names)))
    tag = template_resource("SubPrincipalTag")["Properties"]
    pool = identity.describe_identity_pool(IdentityPoolId=identity_pool_id)
    providers = [p["ProviderName"] for p in pool.get("CognitoIdentityProviders", [])]
    for provider in providers:
        identity.set_principal_tag_attribute_map(
            IdentityPoolId=identity_pool_id, IdentityProviderName=provider,
            UseDefaults=tag.get("UseDefaults", False), PrincipalTags=tag["PrincipalTags"],
        )
    return {"FolderLayout": names["FolderLayout"], "PrincipalTagProviders": ",".join(providers)}


def bucket_cors(origin: str) -> dict:
    """PutBucketCors's configuration from the template Bucket's CorsConfiguration."""
    rules = template_resource("Bucket")["Properties"]["CorsConfiguration"]["CorsRules"]
    fields = {"AllowedOrigins": "AllowedOrigins", "AllowedMethods": "AllowedMethods", "AllowedHeaders": "AllowedHeaders",
              "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
    unknown = {k for rule in rules for k in rule} - set(fields)
    if unknown:
        raise ValueError(f"CORS rule fields this script cannot reproduce: {sorted(unknown)}")
    resolved = resolve(rules, {"AllowedOrigin": origin})
    return {"CORSRules": [{fields[k]: v for k, v in rule.items()} for rule in resolved]}


def attach_pre_token_trigger(endpoint: str, name: str, pool_id: str, binary: str, log_file: str | None = None) -> dict:
    """The template's PreTokenFunction on the pool, as its UserPool's UserPoolTier and
    LambdaConfig say: the binary is registered with the emulator, which runs it as a
    Lambda process whenever the pool issues tokens (pre_token_trigger.py)."""
    pool_props = template_resource("UserPool")["Properties"]
    version = pool_props["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"]
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}-pre-token"
    registration = {"functionArn": arn, "command": [binary], "environment": {"RUST_LOG": "info"}}
    if log_file:
        registration["logFile"] = log_file
    request = urllib.request.Request(
        f"{endpoint}/_emulator/lambda-functions", data=json.dumps(registration).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        answer.read()
    idp = _session().client("cognito-idp", endpoint_url=endpoint)
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    # UpdateUserPool resets what it is not sent: carry over what create() set.
    idp.update_user_pool(
        UserPoolId=pool_id,
        AutoVerifiedAttributes=pool.get("AutoVerifiedAttributes", []),
        UserPoolTier=pool_props["UserPoolTier"],
        LambdaConfig={**pool.get("LambdaConfig", {}), "PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": version}},
    )
    return {"PreTokenFunctionArn": arn}


def put_bucket_cors(endpoint: str, bucket: str, origin: str) -> dict:
    configuration = bucket_cors(origin)
    _session().client("s3", endpoint_url=endpoint).put_bucket_cors(Bucket=bucket, CORSConfiguration=configuration)
    return configuration


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--directory-table":
        print(json.dumps({"DirectoryTableName": create_directory_table(sys.argv[2], sys.argv[3])}))
    elif len(sys.argv) == 5 and sys.argv[1] == "--adopted-pipeline":
        print(json.dumps(create_adopted_pipeline(sys.argv[2], sys.argv[3], sys.argv[4])))
    elif 4 <= len(sys.argv) <= 6 and sys.argv[1] == "--object-pipeline":
        rest = sys.argv[4:]
        link_pipe = "--link-pipe" in rest
        rest = [arg for arg in rest if arg != "--link-pipe"]
        timeout = int(rest[0]) if rest else None
        print(json.dumps(create_object_pipeline(sys.argv[2], sys.argv[3], timeout, link_pipe=link_pipe)))
    elif len(sys.argv) in (6, 7) and sys.argv[1] == "--pre-token-trigger":
        print(json.dumps(attach_pre_token_trigger(*sys.argv[2:])))
    elif len(sys.argv) == 5 and sys.argv[1] == "--bucket-cors":
        print(json.dumps(put_bucket_cors(sys.argv[2], sys.argv[3], sys.argv[4])))
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "--forget-pipeline":
        adopted = sys.argv[5:] == ["--adopted"]
        if len(sys.argv) == 6 and not adopted:
            sys.exit(__doc__)
        print(json.dumps(create_forget_pipeline(sys.argv[2], sys.argv[3], sys.argv[4], adopted=adopted)))
    elif len(sys.argv) == 3:
        print(json.dumps(create(sys.argv[1], sys.argv[2])))
    else:
        sys.exit(__doc__)
