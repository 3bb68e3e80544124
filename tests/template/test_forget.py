"""The forget function's resources (docs/forget.md), checked offline in every mode.

* ``ForgetQueue`` and ``ForgetDeadLetterQueue``: encrypted, redriven after a few failed
  receives, visible long enough for Lambda's SQS source, the dead-letter queue keeping a
  message 14 days; ``ForgetQueuePolicy`` and ``ForgetDeadLetterQueuePolicy`` are their
  only queue policies;
* ``ForgetObjects``: ``keep`` by default, or ``delete``;
* ``ForgetFunction``: its binary, the environment its config reads (the table, the bucket
  and user pool in use, ``FORGET_OBJECTS``), one message a batch from ``ForgetQueue``
  with only the failed ones returned;
* ``ForgetFunctionRole``: ``DeleteIdentities`` on the identity pool in use, the private
  folders' tags, objects deleted only with ``ForgetObjects=delete``, the forgotten user's
  directory items only, and receiving from its queue;
* its log group, error, throttle and dead-letter alarms, and outputs.

Every check is proven able to fail by a mutation.

    .venv/bin/python -m pytest tests/template/test_forget.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack_conditions as sc  # noqa: E402
import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
EXISTING_POOL = "${ExistingUserPoolId}"
POOL_ID = {"create": "${UserPool}", "adopt-identity": EXISTING_POOL, "adopt": EXISTING_POOL}
EXISTING_IDENTITY_POOL_ARN = "arn:${AWS::Partition}:cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/${ExistingIdentityPoolId}"
IDENTITY_POOL_ARN = {"create": t.IDENTITY_POOL_ARN, "adopt-identity": EXISTING_IDENTITY_POOL_ARN, "adopt": EXISTING_IDENTITY_POOL_ARN}
EXISTING_BUCKET_ARN = "arn:${AWS::Partition}:s3:::${ExistingBucketName}"
BUCKET = {"create": "${Bucket}", "adopt-identity": "${Bucket}", "adopt": "${ExistingBucketName}"}
BUCKET_ARN = {"create": "${Bucket.Arn}", "adopt-identity": "${Bucket.Arn}", "adopt": EXISTING_BUCKET_ARN}
FORGET_QUEUE_ARN = "${ForgetQueue.Arn}"


def in_mode(template: dict, overrides: dict) -> tuple[frozenset[str], dict]:
    holding = sc.true_conditions(template, overrides)
    return holding, sc.present(template["Resources"], holding)


def check_forget_queues_are_encrypted_with_a_dead_letter_queue(text: str) -> None:
    template = t.decode(text)
    queue, dlq = t.props(template, "ForgetQueue"), t.props(template, "ForgetDeadLetterQueue")
    for name, q in (("ForgetQueue", queue), ("ForgetDeadLetterQueue", dlq)):
        assert q.get("SqsManagedSseEnabled") is True, f"{name} is not encrypted as the object-events queues are"
        assert "Condition" not in template["Resources"][name], f"{name} exists in every mode"
    redrive = queue["RedrivePolicy"]
    assert t.render(redrive["deadLetterTargetArn"]) == "${ForgetDeadLetterQueue.Arn}"
    assert int(redrive["maxReceiveCount"]) == int(t.props(template, "ObjectEventsQueue")["RedrivePolicy"]["maxReceiveCount"])
    assert "RedrivePolicy" not in dlq
    # Lambda's advice for an SQS source: visibility >= 6 x the function's timeout.
    assert int(queue["VisibilityTimeout"]) >= 6 * int(t.function_props(template, "ForgetFunction")["Timeout"])
    assert int(dlq["MessageRetentionPeriod"]) == 14 * 24 * 3600
    # A queue has one policy: the rule's (test_user_deletion.py) must stay the only one.
    policies = {
        logical_id: {t.render(q) for q in t.as_list(p["Properties"]["Queues"])}
        for logical_id, p in t.resources(template, "AWS::SQS::QueuePolicy").items()
    }
    on_forget_queues = {k for k, queues in policies.items() if queues & {"${ForgetQueue}", "${ForgetDeadLetterQueue}"}}
    assert on_forget_queues == {"ForgetQueuePolicy", "ForgetDeadLetterQueuePolicy"}
    assert policies["ForgetQueuePolicy"] == {"${ForgetQueue}"}
    assert policies["ForgetDeadLetterQueuePolicy"] == {"${ForgetDeadLetterQueue}"}


def check_forget_objects_parameter(text: str) -> None:
    parameter = t.decode(text)["Parameters"]["ForgetObjects"]
    assert parameter["Type"] == "String" and parameter["Default"] == "keep"
    assert parameter["AllowedValues"] == ["keep", "delete"]
    assert len(parameter.get("Description", "")) > 40


def check_forget_function_reads_its_queue_with_its_environment(text: str) -> None:
    template = t.decode(text)
    assert template["Resources"]["ForgetFunction"]["Metadata"] == {
        "BuildMethod": "rust-cargolambda",
        "BuildProperties": {"Binary": "forget"},
    }
    for mode, overrides in sc.MODES.items():
        for objects in ("keep", "delete"):
            _, resources = in_mode(template, {**overrides, "ForgetObjects": objects})
            fn = resources["ForgetFunction"]["Properties"]
            assert t.render(fn["Role"]) == "${ForgetFunctionRole.Arn}" and "Policies" not in fn
            variables = {k: t.render(v) for k, v in fn["Environment"]["Variables"].items()}
            assert variables == {
                "DIRECTORY_TABLE": "${DirectoryTable}",
                "BUCKET_NAME": BUCKET[mode],
                "USER_POOL_ID": POOL_ID[mode],
                "FORGET_OBJECTS": "${ForgetObjects}",
                "RUST_LOG": "${LogLevel}",
            }, (mode, objects)
            (event,) = fn["Events"].values()
            assert event["Type"] == "SQS" and t.render(event["Properties"]["Queue"]) == FORGET_QUEUE_ARN
            assert event["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
            assert 1 <= event["Properties"]["BatchSize"] <= 5, "a forget may take minutes: a small batch"


def forget_grants(mode: str, deletes: bool) -> set[tuple[str, str, str]]:
    bucket_arn, private = BUCKET_ARN[mode], BUCKET_ARN[mode] + "/private/*"
    listing = json.dumps({"StringLike": {"s3:prefix": ["private/*"]}}, sort_keys=True)
    keys = json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": t.FORGET_KEYS}}, sort_keys=True)
    grants = {
        ("logs:CreateLogStream", "${ForgetLogGroup.Arn}", "{}"),
        ("logs:PutLogEvents", "${ForgetLogGroup.Arn}", "{}"),
        ("cognito-identity:DeleteIdentities", IDENTITY_POOL_ARN[mode], "{}"),
        ("s3:ListBucket", bucket_arn, listing),
        ("s3:ListBucketVersions", bucket_arn, listing),
        ("s3:GetObjectTagging", private, "{}"),
        ("s3:PutObjectTagging", private, "{}"),
        ("s3:DeleteObjectTagging", private, "{}"),
        ("dynamodb:Scan", t.DIRECTORY_TABLE_ARN, "{}"),
        ("dynamodb:GetItem", t.DIRECTORY_TABLE_ARN, keys),
        ("dynamodb:PutItem", t.DIRECTORY_TABLE_ARN, keys),
        ("dynamodb:DeleteItem", t.DIRECTORY_TABLE_ARN, keys),
        ("sqs:ReceiveMessage", FORGET_QUEUE_ARN, "{}"),
        ("sqs:DeleteMessage", FORGET_QUEUE_ARN, "{}"),
        ("sqs:GetQueueAttributes", FORGET_QUEUE_ARN, "{}"),
    }
    if deletes:
        grants |= {("s3:DeleteObject", private, "{}"), ("s3:DeleteObjectVersion", private, "{}")}
    return grants


def check_forget_role_is_least_privilege(text: str) -> None:
    template = t.decode(text)
    for mode, overrides in sc.MODES.items():
        for objects in ("keep", "delete"):
            holding, resources = in_mode(template, {**overrides, "ForgetObjects": objects})
            grants = t.allow_grants(resources["ForgetFunctionRole"]["Properties"], holding)
            assert grants == forget_grants(mode, objects == "delete"), (mode, objects)


def check_forget_log_group_alarms_and_outputs(text: str) -> None:
    template = t.decode(text)
    group = t.props(template, "ForgetLogGroup")
    assert t.render(group["LogGroupName"]) == "/aws/lambda/${AWS::StackName}-forget"
    assert t.render(group["RetentionInDays"]) == "${LogRetentionDays}"
    fn = t.function_props(template, "ForgetFunction")
    assert t.render(fn["LoggingConfig"]["LogGroup"]) == "${ForgetLogGroup}"
    assert t.render(fn["FunctionName"]) == "${AWS::StackName}-forget"
    alarms = (
        ("ForgetErrorsAlarm", "AWS/Lambda", "Errors", "FunctionName", "${ForgetFunction}"),
        ("ForgetThrottlesAlarm", "AWS/Lambda", "Throttles", "FunctionName", "${ForgetFunction}"),
        ("ForgetDeadLetterQueueAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "${ForgetDeadLetterQueue.QueueName}"),
    )
    for alarm_id, namespace, metric, dimension_name, dimension_value in alarms:
        alarm = t.props(template, alarm_id)
        assert (alarm["Namespace"], alarm["MetricName"]) == (namespace, metric), alarm_id
        (dimension,) = alarm["Dimensions"]
        assert (dimension["Name"], t.render(dimension["Value"])) == (dimension_name, dimension_value), alarm_id
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold", alarm_id
        assert alarm["TreatMissingData"] == "notBreaching", alarm_id
        assert "Condition" not in template["Resources"][alarm_id], alarm_id
    outputs = template["Outputs"]
    assert {name: t.render(outputs[name]["Value"]) for name in (
        "ForgetQueueUrl", "ForgetQueueArn", "ForgetDeadLetterQueueUrl", "ForgetFunctionArn")} == {
        "ForgetQueueUrl": "${ForgetQueue}",
        "ForgetQueueArn": FORGET_QUEUE_ARN,
        "ForgetDeadLetterQueueUrl": "${ForgetDeadLetterQueue}",
        "ForgetFunctionArn": "${ForgetFunction.Arn}",
    }


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__.removeprefix("check_") for c in CHECKS])
def test_forget(check, template_text):
    check(template_text)


MUTATIONS = [
    (check_forget_queues_are_encrypted_with_a_dead_letter_queue, "      MessageRetentionPeriod: 1209600\n      SqsManagedSseEnabled: true\n", "      MessageRetentionPeriod: 1209600\n"),
    (check_forget_queues_are_encrypted_with_a_dead_letter_queue, "      VisibilityTimeout: 1800\n", "      VisibilityTimeout: 300\n"),
    (check_forget_queues_are_encrypted_with_a_dead_letter_queue, "ForgetDeadLetterQueue.Arn\n        maxReceiveCount: 5\n", "ForgetDeadLetterQueue.Arn\n        maxReceiveCount: 50\n"),
    (check_forget_queues_are_encrypted_with_a_dead_letter_queue, "      # 14 days, SQS's longest.\n      MessageRetentionPeriod: 1209600\n", "      MessageRetentionPeriod: 345600\n"),
    (check_forget_queues_are_encrypted_with_a_dead_letter_queue, "      Queues: [!Ref ForgetDeadLetterQueue]\n", "      Queues: [!Ref ForgetDeadLetterQueue, !Ref ObjectEventsDeadLetterQueue]\n"),
    (check_forget_objects_parameter, "    Default: keep\n    AllowedValues: [keep, delete]\n", "    Default: delete\n    AllowedValues: [keep, delete]\n"),
    (check_forget_function_reads_its_queue_with_its_environment, "          FORGET_OBJECTS: !Ref ForgetObjects\n", ""),
    (check_forget_function_reads_its_queue_with_its_environment, "          # The pool whose deleted users are forgotten (DeleteUser's records name none).\n          USER_POOL_ID: !If [CreatesUserPool, !Ref UserPool, !Ref ExistingUserPoolId]\n", "          USER_POOL_ID: !Ref UserPool\n"),
    (check_forget_function_reads_its_queue_with_its_environment, "            FunctionResponseTypes:\n              - ReportBatchItemFailures\n", ""),
    (check_forget_function_reads_its_queue_with_its_environment, "            BatchSize: 1\n", "            BatchSize: 10\n"),
    (check_forget_function_reads_its_queue_with_its_environment, "        Binary: forget\n", "        Binary: reconciler\n"),
    (check_forget_role_is_least_privilege, "                - DeletesForgottenObjects\n", "                - CreatesBucket\n"),
    (check_forget_role_is_least_privilege, "                  - !Sub \"arn:${AWS::Partition}:cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/${ExistingIdentityPoolId}\"\n", "                  - !Sub \"arn:${AWS::Partition}:cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/*\"\n"),
    (check_forget_role_is_least_privilege, '                    dynamodb:LeadingKeys: ["user#*", "identity#*", "unattributed#*", "forget#*", "forgotten#*", "forgotten-identity#*"]\n', '                    dynamodb:LeadingKeys: ["*"]\n'),
    (check_forget_role_is_least_privilege, "                Action: [s3:GetObjectTagging, s3:PutObjectTagging, s3:DeleteObjectTagging]\n", "                Action: [s3:GetObjectTagging, s3:PutObjectTagging, s3:DeleteObjectTagging, s3:DeleteObject]\n"),
    (check_forget_log_group_alarms_and_outputs, "        - { Name: QueueName, Value: !GetAtt ForgetDeadLetterQueue.QueueName }\n", "        - { Name: QueueName, Value: !GetAtt ForgetQueue.QueueName }\n"),
    (check_forget_log_group_alarms_and_outputs, "      LogGroupName: !Sub /aws/lambda/${AWS::StackName}-forget\n", "      LogGroupName: !Sub /aws/lambda/forget\n"),
    (check_forget_log_group_alarms_and_outputs, "    Value: !GetAtt ForgetQueue.Arn\n", "    Value: !Ref ForgetQueue\n"),
]


@pytest.mark.parametrize(
    "check, old, new",
    MUTATIONS,
    ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)],
)
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation anchor not found exactly once: {old!r}"
    with pytest.raises(AssertionError):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
