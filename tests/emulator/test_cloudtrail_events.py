"""The emulator's deletions send CloudTrail's events through EventBridge (cloudtrail_events.py).

Against plain moto, AdminDeleteUser emits nothing, DeleteUser does not exist, and
AdminGetUser by a user's sub answers UserNotFoundException. Here each deletion, and each
failed one, reaches the queue of a rule whose pattern matches, in the record shape of
``events/cloudtrail-*.json``; the template's own ``UserDeletionRule`` (built by
create_local_stack.py) lets through exactly the successful deletions of its pool.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))

import create_local_stack  # noqa: E402

REGION = "us-east-1"
EVENTS = Path(__file__).resolve().parents[2] / "events"
PASSWORD = "Correct-Horse-9!"


def _client(endpoint: str, service: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def idp(endpoint):
    return _client(endpoint, "cognito-idp")


@pytest.fixture(scope="module")
def sqs(endpoint):
    return _client(endpoint, "sqs")


@pytest.fixture(scope="module")
def events(endpoint):
    return _client(endpoint, "events")


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def new_pool(idp) -> tuple[str, str]:
    """(pool id, client id) of a pool whose client signs in with a password."""
    pool = idp.create_user_pool(PoolName=f"deletions-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return pool, client


def new_user(idp, pool: str, username: str | None = None) -> tuple[str, str]:
    """(username, sub) of a confirmed user with a permanent password."""
    username = username or f"user-{uuid.uuid4().hex[:8]}"
    user = idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")["User"]
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
    sub = {a["Name"]: a["Value"] for a in user["Attributes"]}["sub"]
    return username, sub


def drain(sqs, url: str) -> list[dict]:
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def queue_for_rule(sqs, events, pattern: dict) -> str:
    """A queue that receives what a default-bus rule with this pattern matches."""
    name = f"trail-{uuid.uuid4().hex[:12]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    return url


# Every Cognito call CloudTrail records, successful or not.
EVERY_COGNITO_CALL = {"source": ["aws.cognito-idp"], "detail-type": ["AWS API Call via CloudTrail"]}


def assert_shape_of(event: dict, sample_name: str) -> None:
    """The event has the sample's envelope and record fields, no more, no fewer."""
    expected = sample(sample_name)
    assert set(event) - {"ingestion-time"} >= set(expected) - {"resources"}
    assert event["source"] == expected["source"] and event["detail-type"] == expected["detail-type"]
    assert set(event["detail"]) == set(expected["detail"]), sample_name
    assert set(event["detail"]["requestParameters"]) == set(expected["detail"]["requestParameters"])
    assert set(event["detail"]["userIdentity"]) <= set(expected["detail"]["userIdentity"]) | {"userName"}
    for key in ("eventSource", "eventName", "eventType", "eventCategory", "readOnly", "managementEvent"):
        assert event["detail"][key] == expected["detail"][key], key


def test_admin_delete_user_reaches_the_template_rule_once(idp, sqs, endpoint):
    pool, _ = new_pool(idp)
    forget = create_local_stack.create_forget_pipeline(endpoint, f"t-{uuid.uuid4().hex[:8]}", pool)
    username, sub = new_user(idp, pool)
    keeper, _ = new_user(idp, pool)

    idp.admin_delete_user(UserPoolId=pool, Username=username)

    (event,) = drain(sqs, forget["ForgetQueueUrl"])
    assert_shape_of(event, "cloudtrail-admin-delete-user.json")
    detail = event["detail"]
    assert detail["requestParameters"] == {"userPoolId": pool, "username": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    assert detail["additionalEventData"] == {"sub": sub}
    assert "errorCode" not in detail
    assert detail["awsRegion"] == REGION == event["region"]
    assert detail["userIdentity"]["accessKeyId"] == "testing"
    assert username not in json.dumps(event), "the record never names the user"
    # Only the deleted user is gone.
    with pytest.raises(ClientError) as gone:
        idp.admin_get_user(UserPoolId=pool, Username=username)
    assert gone.value.response["Error"]["Code"] == "UserNotFoundException"
    assert idp.admin_get_user(UserPoolId=pool, Username=keeper)["Username"] == keeper
    assert drain(sqs, forget["ForgetDeadLetterQueueUrl"]) == []


def test_delete_user_deletes_the_token_user_and_reaches_the_rule(idp, sqs, endpoint):
    pool, client = new_pool(idp)
    forget = create_local_stack.create_forget_pipeline(endpoint, f"t-{uuid.uuid4().hex[:8]}", pool)
    username, sub = new_user(idp, pool)
    tokens = idp.initiate_auth(
        ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD}
    )["AuthenticationResult"]

    idp.delete_user(AccessToken=tokens["AccessToken"])

    (event,) = drain(sqs, forget["ForgetQueueUrl"])
    assert_shape_of(event, "cloudtrail-delete-user.json")
    detail = event["detail"]
    assert detail["requestParameters"] == {"accessToken": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    assert detail["userIdentity"] == {"type": "Unknown", "principalId": "Anonymous"}
    assert detail["additionalEventData"] == {"sub": sub}
    assert tokens["AccessToken"] not in json.dumps(event) and username not in json.dumps(event)
    with pytest.raises(ClientError) as gone:
        idp.admin_get_user(UserPoolId=pool, Username=username)
    assert gone.value.response["Error"]["Code"] == "UserNotFoundException"
    # The deleted user's tokens are revoked with them.
    with pytest.raises(ClientError) as revoked:
        idp.delete_user(AccessToken=tokens["AccessToken"])
    assert revoked.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_failed_delete_is_recorded_with_its_error_and_never_reaches_the_template_rule(idp, sqs, events, endpoint):
    pool, _ = new_pool(idp)
    forget = create_local_stack.create_forget_pipeline(endpoint, f"t-{uuid.uuid4().hex[:8]}", pool)
    everything = queue_for_rule(sqs, events, EVERY_COGNITO_CALL)

    with pytest.raises(ClientError) as unknown:
        idp.admin_delete_user(UserPoolId=pool, Username="nobody-here")
    assert unknown.value.response["Error"]["Code"] == "UserNotFoundException"
    with pytest.raises(ClientError) as bad_token:
        idp.delete_user(AccessToken="not-a-token")
    assert bad_token.value.response["Error"]["Code"] == "NotAuthorizedException"

    recorded = drain(sqs, everything)
    by_name = {e["detail"]["eventName"]: e["detail"] for e in recorded}
    assert set(by_name) == {"AdminDeleteUser", "DeleteUser"}, recorded
    assert_shape_of(next(e for e in recorded if e["detail"]["eventName"] == "AdminDeleteUser"),
                    "cloudtrail-admin-delete-user-failed.json")
    assert by_name["AdminDeleteUser"]["errorCode"] == "UserNotFoundException"
    assert by_name["AdminDeleteUser"]["errorMessage"] == "User does not exist."
    assert by_name["DeleteUser"]["errorCode"] == "NotAuthorizedException"
    assert all("additionalEventData" not in d for d in by_name.values()), "no user, no sub"
    assert drain(sqs, forget["ForgetQueueUrl"]) == []


def test_the_template_rule_ignores_another_pools_admin_deletions(idp, sqs, endpoint):
    pool, _ = new_pool(idp)
    other, _ = new_pool(idp)
    forget = create_local_stack.create_forget_pipeline(endpoint, f"t-{uuid.uuid4().hex[:8]}", pool)
    username, _ = new_user(idp, other)

    idp.admin_delete_user(UserPoolId=other, Username=username)

    assert drain(sqs, forget["ForgetQueueUrl"]) == []


def test_an_adopted_pool_gets_its_own_rule(idp, sqs, endpoint):
    pool, _ = new_pool(idp)
    forget = create_local_stack.create_forget_pipeline(endpoint, f"t-{uuid.uuid4().hex[:8]}", pool, adopted=True)
    username, sub = new_user(idp, pool)

    idp.admin_delete_user(UserPoolId=pool, Username=username)

    (event,) = drain(sqs, forget["ForgetQueueUrl"])
    assert event["detail"]["additionalEventData"] == {"sub": sub}


def test_a_disabled_rule_gets_no_deletion_until_enabled_again(idp, sqs, events, endpoint):
    """DisableRule: "EventBridge does not match any events against the rule" (moto ignores
    the state). The deletion made meanwhile is lost for that rule, as on AWS: enabling it
    again does not replay it."""
    pool, _ = new_pool(idp)
    forget = create_local_stack.create_forget_pipeline(endpoint, f"t-{uuid.uuid4().hex[:8]}", pool)
    lost, _ = new_user(idp, pool)
    heard, heard_sub = new_user(idp, pool)
    rule = forget["UserDeletionRuleName"]

    events.disable_rule(Name=rule)
    assert events.describe_rule(Name=rule)["State"] == "DISABLED"
    idp.admin_delete_user(UserPoolId=pool, Username=lost)
    assert drain(sqs, forget["ForgetQueueUrl"]) == []

    events.enable_rule(Name=rule)
    idp.admin_delete_user(UserPoolId=pool, Username=heard)
    (event,) = drain(sqs, forget["ForgetQueueUrl"])
    assert event["detail"]["additionalEventData"] == {"sub": heard_sub}


def test_a_rule_enabled_for_all_management_events_gets_deletions(idp, sqs, events):
    pool, _ = new_pool(idp)
    url = queue_for_rule(sqs, events, EVERY_COGNITO_CALL)
    name = url.rsplit("/", 1)[1]
    events.put_rule(Name=name, EventPattern=json.dumps(EVERY_COGNITO_CALL),
                    State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    username, sub = new_user(idp, pool)

    idp.admin_delete_user(UserPoolId=pool, Username=username)

    (event,) = drain(sqs, url)
    assert event["detail"]["additionalEventData"] == {"sub": sub}


def test_admin_calls_accept_the_sub_as_username(idp):
    pool, _ = new_pool(idp)
    username, sub = new_user(idp, pool)

    assert idp.admin_get_user(UserPoolId=pool, Username=sub)["Username"] == username
    with pytest.raises(ClientError) as missing:
        idp.admin_get_user(UserPoolId=pool, Username=str(uuid.uuid4()))
    assert missing.value.response["Error"]["Code"] == "UserNotFoundException"
    idp.admin_delete_user(UserPoolId=pool, Username=sub)
    with pytest.raises(ClientError) as gone:
        idp.admin_get_user(UserPoolId=pool, Username=sub)
    assert gone.value.response["Error"]["Code"] == "UserNotFoundException"


def test_the_local_stack_prints_the_forget_pipeline(endpoint):
    stack = create_local_stack.create(endpoint, f"s-{uuid.uuid4().hex[:6]}")
    for key in ("ForgetQueueUrl", "ForgetQueueArn", "ForgetDeadLetterQueueUrl", "ForgetDeadLetterQueueArn",
                "UserDeletionRuleName", "UserDeletionRuleArn"):
        assert stack[key], key
