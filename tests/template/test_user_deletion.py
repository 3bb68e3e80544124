"""How the stack notices deleted users (docs/forget-events.md), checked offline.

* ``UserDeletionRule`` sends the CloudTrail events of successful ``AdminDeleteUser``
  calls of the pool in use (created or adopted) and of every ``DeleteUser`` (its record
  has no pool id) to ``ForgetQueue``, with retries and a dead-letter queue; only that
  rule may send to the two forget queues;
* ``DeletionTrail``: ``existing`` (the default) creates no trail; ``create`` creates a
  logging trail of this region's write management events, into a private, encrypted
  bucket kept with the stack's deletion, with the policy CloudTrail needs for this
  trail only;
* the reconciler runs on ``ReconcileSchedule``, one run at a time, with exactly
  ``AdminGetUser`` on the pool in use, a scan of the directory, its own progress item
  and ``SendMessage`` to ``ForgetQueue``; its log group and alarms.

The forget queues belong to the forget function: every check here fails, naming them,
while the template lacks them. Every check is proven able to fail by a mutation.

    .venv/bin/python -m pytest tests/template/test_user_deletion.py
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
EXISTING_POOL_ARN = "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${ExistingUserPoolId}"
POOL_ID = {"create": "${UserPool}", "adopt-identity": "${ExistingUserPoolId}", "adopt": "${ExistingUserPoolId}"}
POOL_ARN = {"create": "${UserPool.Arn}", "adopt-identity": EXISTING_POOL_ARN, "adopt": EXISTING_POOL_ARN}
FORGET_QUEUES = ("ForgetQueue", "ForgetDeadLetterQueue")
STACK_ID_PART = {"Fn::Select": [0, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]}
TRAIL_NAME = "cognito-bridge-user-deletions-${StackIdPart}"
TRAIL_ARN = "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/" + TRAIL_NAME


def deep(value):
    """A resolved template value with each intrinsic rendered as ``${…}`` text."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub"):
        return t.render(value)
    if isinstance(value, dict):
        return {k: deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep(v) for v in value]
    return value


def in_mode(template: dict, overrides: dict) -> tuple[frozenset[str], dict]:
    holding = sc.true_conditions(template, overrides)
    return holding, sc.present(template["Resources"], holding)


def forget_queues_exist(template: dict) -> None:
    missing = [q for q in FORGET_QUEUES if q not in template["Resources"]]
    assert not missing, f"the forget function's queues are missing from template.yaml: {missing}"


def check_rule_sends_successful_deletions_of_the_pool_in_use(text: str) -> None:
    template = t.decode(text)
    forget_queues_exist(template)
    assert "Condition" not in template["Resources"]["UserDeletionRule"], "in every mode"
    for mode, overrides in sc.MODES.items():
        _, resources = in_mode(template, overrides)
        rule = resources["UserDeletionRule"]["Properties"]
        assert rule.get("State") == "ENABLED" and "EventBusName" not in rule, "the default bus, where CloudTrail sends"
        pattern = deep(rule["EventPattern"])
        assert pattern == {
            "source": ["aws.cognito-idp"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["cognito-idp.amazonaws.com"],
                # A failed call (unknown user, no permission) deletes nobody.
                "errorCode": [{"exists": False}],
                "$or": [
                    {"eventName": ["AdminDeleteUser"], "requestParameters": {"userPoolId": [POOL_ID[mode]]}},
                    {"eventName": ["DeleteUser"]},
                ],
            },
        }, mode
        (target,) = rule["Targets"]
        assert t.render(target["Arn"]) == "${ForgetQueue.Arn}"
        assert "DeadLetterConfig" in target, "undeliverable events are kept"
        assert t.render(target["DeadLetterConfig"]["Arn"]) == "${ForgetDeadLetterQueue.Arn}"
        # The event as CloudTrail wrote it: the forget function parses that shape.
        assert not {"Input", "InputPath", "InputTransformer"} & set(target)
        retry = target["RetryPolicy"]
        assert 0 < retry["MaximumRetryAttempts"] <= 185 and 60 <= retry["MaximumEventAgeInSeconds"] <= 86400


def check_only_the_rule_sends_to_the_forget_queues(text: str) -> None:
    template = t.decode(text)
    forget_queues_exist(template)
    policies = {
        k: r for k, r in template["Resources"].items()
        if r["Type"] == "AWS::SQS::QueuePolicy" and any(t.render(q) in ("${ForgetQueue}", "${ForgetDeadLetterQueue}") for q in r["Properties"]["Queues"])
    }
    # A queue has one policy: a second QueuePolicy on the same queue would replace it.
    assert {t.render(q) for r in policies.values() for q in r["Properties"]["Queues"]} == {"${ForgetQueue}", "${ForgetDeadLetterQueue}"}
    assert sum(len(r["Properties"]["Queues"]) for r in policies.values()) == 2, "one policy per forget queue"
    for logical_id, resource in policies.items():
        assert "Condition" not in resource, logical_id
        (queue,) = resource["Properties"]["Queues"]
        (statement,) = resource["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow" and statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert t.render(statement["Resource"]) == "${" + t.render(queue)[2:-1] + ".Arn}"
        assert {k: {kk: t.render(vv) for kk, vv in v.items()} for k, v in statement["Condition"].items()} == {
            "ArnEquals": {"aws:SourceArn": "${UserDeletionRule.Arn}"}
        }, logical_id


def check_deletion_trail_is_a_choice_existing_by_default(text: str) -> None:
    template = t.decode(text)
    parameter = template["Parameters"]["DeletionTrail"]
    assert parameter["Default"] == "existing" and parameter["AllowedValues"] == ["existing", "create"]
    trail_resources = {"UserDeletionTrail", "DeletionTrailBucket", "DeletionTrailBucketPolicy"}
    for mode, overrides in sc.MODES.items():
        _, resources = in_mode(template, overrides)
        assert not trail_resources & set(resources), f"{mode}: a trail by default"
        assert not sc.rule_failures(template, {**overrides, "DeletionTrail": "create"}), mode
        _, resources = in_mode(template, {**overrides, "DeletionTrail": "create"})
        assert trail_resources <= set(resources), f"{mode}: DeletionTrail=create"
        assert {k for k, r in resources.items() if r["Type"] == "AWS::CloudTrail::Trail"} == {"UserDeletionTrail"}


def check_created_trail_logs_write_management_events_here(text: str) -> None:
    template = t.decode(text)
    resource = template["Resources"]["UserDeletionTrail"]
    assert resource.get("DependsOn") == "DeletionTrailBucketPolicy", "CloudTrail checks the bucket policy at creation"
    trail = resource["Properties"]
    assert trail["IsLogging"] is True, "EventBridge gets CloudTrail's events only from a trail that logs"
    assert trail["IsMultiRegionTrail"] is False and trail["IncludeGlobalServiceEvents"] is False
    assert trail["TrailName"] == {"Fn::Sub": [TRAIL_NAME, {"StackIdPart": STACK_ID_PART}]}
    assert t.render(trail["S3BucketName"]) == "${DeletionTrailBucket}"
    (selector,) = trail["EventSelectors"]
    assert selector["IncludeManagementEvents"] is True
    assert selector["ReadWriteType"] in ("WriteOnly", "All"), "AdminDeleteUser and DeleteUser are writes"
    assert "DataResources" not in selector and "AdvancedEventSelectors" not in trail


def check_trail_bucket_is_private_encrypted_retained(text: str) -> None:
    template = t.decode(text)
    resource = template["Resources"]["DeletionTrailBucket"]
    assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
    bucket = resource["Properties"]
    assert "BucketName" not in bucket
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")


def check_trail_bucket_policy_admits_this_trail_only(text: str) -> None:
    template = t.decode(text)
    resource = template["Resources"]["DeletionTrailBucketPolicy"]
    assert resource["DeletionPolicy"] == "Retain", "the retained bucket keeps receiving"
    policy = resource["Properties"]
    assert t.render(policy["Bucket"]) == "${DeletionTrailBucket}"
    by_sid = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(by_sid) == {"AWSCloudTrailAclCheck", "AWSCloudTrailWrite", "DenyInsecureTransport"}
    source = {"Fn::Sub": ["arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/" + TRAIL_NAME, {"StackIdPart": STACK_ID_PART}]}
    acl, write, tls = by_sid["AWSCloudTrailAclCheck"], by_sid["AWSCloudTrailWrite"], by_sid["DenyInsecureTransport"]
    for statement in (acl, write):
        assert statement["Effect"] == "Allow" and statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == source
    assert acl["Action"] == "s3:GetBucketAcl" and t.render(acl["Resource"]) == "${DeletionTrailBucket.Arn}"
    assert write["Action"] == "s3:PutObject"
    assert t.render(write["Resource"]) == "${DeletionTrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*"
    assert write["Condition"]["StringEquals"].get("s3:x-amz-acl") == "bucket-owner-full-control"
    assert tls["Effect"] == "Deny" and tls["Principal"] == "*" and tls["Action"] == "s3:*"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {t.render(r) for r in tls["Resource"]} == {"${DeletionTrailBucket.Arn}", "${DeletionTrailBucket.Arn}/*"}


def check_reconciler_runs_on_the_schedule_one_at_a_time(text: str) -> None:
    template = t.decode(text)
    forget_queues_exist(template)
    parameter = template["Parameters"]["ReconcileSchedule"]
    assert parameter["Default"].startswith("rate(")
    pace = template["Parameters"]["ReconcileRequestsPerSecond"]
    # Cognito's UserRead quota is 120/s for the account, shared with the app.
    assert pace["Default"] <= 30 and pace["MaxValue"] <= 60
    for mode, overrides in sc.MODES.items():
        _, resources = in_mode(template, overrides)
        fn = resources["ReconcileFunction"]["Properties"]
        assert fn["ReservedConcurrentExecutions"] == 1, "two runs would share the position and double the pace"
        assert fn["Timeout"] == 900
        (event,) = fn["Events"].values()
        assert event["Type"] == "Schedule" and t.render(event["Properties"]["Schedule"]) == "${ReconcileSchedule}"
        variables = {k: t.render(v) for k, v in fn["Environment"]["Variables"].items()}
        assert variables == {
            "DIRECTORY_TABLE": "${DirectoryTable}",
            "USER_POOL_ID": POOL_ID[mode],
            "FORGET_QUEUE_URL": "${ForgetQueue}",
            "RECONCILE_REQUESTS_PER_SECOND": "${ReconcileRequestsPerSecond}",
            "RUST_LOG": "${LogLevel}",
        }, mode


def check_reconciler_role_is_least_privilege(text: str) -> None:
    template = t.decode(text)
    forget_queues_exist(template)
    progress = json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["reconcile#*"]}}, sort_keys=True)
    for mode, overrides in sc.MODES.items():
        _, resources = in_mode(template, overrides)
        grants = t.allow_grants(resources["ReconcileFunctionRole"]["Properties"], frozenset())
        assert grants == {
            ("logs:CreateLogStream", "${ReconcileLogGroup.Arn}", "{}"),
            ("logs:PutLogEvents", "${ReconcileLogGroup.Arn}", "{}"),
            ("cognito-idp:AdminGetUser", POOL_ARN[mode], "{}"),
            ("dynamodb:Scan", "${DirectoryTable.Arn}", "{}"),
            ("dynamodb:GetItem", "${DirectoryTable.Arn}", progress),
            ("dynamodb:PutItem", "${DirectoryTable.Arn}", progress),
            ("sqs:SendMessage", "${ForgetQueue.Arn}", "{}"),
        }, mode


def check_reconciler_log_group_and_alarms(text: str) -> None:
    template = t.decode(text)
    group = t.props(template, "ReconcileLogGroup")
    assert t.render(group["LogGroupName"]) == "/aws/lambda/${AWS::StackName}-reconciler"
    assert t.render(group["RetentionInDays"]) == "${LogRetentionDays}"
    assert t.render(t.function_props(template, "ReconcileFunction")["LoggingConfig"]["LogGroup"]) == "${ReconcileLogGroup}"
    for alarm_id, metric in (("ReconcileErrorsAlarm", "Errors"), ("ReconcileThrottlesAlarm", "Throttles")):
        alarm = t.props(template, alarm_id)
        assert alarm["Namespace"] == "AWS/Lambda" and alarm["MetricName"] == metric, alarm_id
        (dimension,) = alarm["Dimensions"]
        assert dimension["Name"] == "FunctionName" and t.render(dimension["Value"]) == "${ReconcileFunction}"
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_user_deletion(check, template_text):
    check(template_text)


MUTATIONS = [
    (check_rule_sends_successful_deletions_of_the_pool_in_use, "          errorCode: [{ exists: false }]\n", ""),
    (check_rule_sends_successful_deletions_of_the_pool_in_use, "            - eventName: [DeleteUser]\n", "            - eventName: [DeleteUser, GetUser]\n"),
    (check_rule_sends_successful_deletions_of_the_pool_in_use, "                userPoolId: [!If [CreatesUserPool, !Ref UserPool, !Ref ExistingUserPoolId]]\n", "                userPoolId: [!Ref UserPool]\n"),
    (check_rule_sends_successful_deletions_of_the_pool_in_use, "          DeadLetterConfig:\n            Arn: !GetAtt ForgetDeadLetterQueue.Arn\n\n", "\n"),
    (check_only_the_rule_sends_to_the_forget_queues, "                aws:SourceArn: !GetAtt UserDeletionRule.Arn\n\n  ForgetDeadLetterQueuePolicy:", "                aws:SourceArn: !GetAtt ObjectEventsRule.Arn\n\n  ForgetDeadLetterQueuePolicy:"),
    (check_only_the_rule_sends_to_the_forget_queues, "          - Sid: RuleSendsUserDeletions\n            Effect: Allow\n            Principal: { Service: events.amazonaws.com }", "          - Sid: RuleSendsUserDeletions\n            Effect: Allow\n            Principal: \"*\""),
    (check_deletion_trail_is_a_choice_existing_by_default, "    Default: existing\n", "    Default: create\n"),
    (check_deletion_trail_is_a_choice_existing_by_default, "  CreatesDeletionTrail: !Equals [!Ref DeletionTrail, create]\n", "  CreatesDeletionTrail: !Equals [!Ref DeletionTrail, existing]\n"),
    (check_created_trail_logs_write_management_events_here, "      IsLogging: true\n", "      IsLogging: false\n"),
    (check_created_trail_logs_write_management_events_here, "        - ReadWriteType: WriteOnly\n", "        - ReadWriteType: ReadOnly\n"),
    (check_created_trail_logs_write_management_events_here, "    DependsOn: DeletionTrailBucketPolicy\n", ""),
    (check_trail_bucket_is_private_encrypted_retained, "  DeletionTrailBucket:\n    Type: AWS::S3::Bucket\n    Condition: CreatesDeletionTrail\n    DeletionPolicy: Retain\n", "  DeletionTrailBucket:\n    Type: AWS::S3::Bucket\n    Condition: CreatesDeletionTrail\n    DeletionPolicy: Delete\n"),
    (check_trail_bucket_is_private_encrypted_retained, '"RestrictPublicBuckets": true', '"RestrictPublicBuckets": false'),
    (check_trail_bucket_policy_admits_this_trail_only, "                s3:x-amz-acl: bucket-owner-full-control\n", ""),
    (check_trail_bucket_policy_admits_this_trail_only, "            Resource: !Sub ${DeletionTrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*\n", "            Resource: !Sub ${DeletionTrailBucket.Arn}/*\n"),
    (check_reconciler_runs_on_the_schedule_one_at_a_time, "      ReservedConcurrentExecutions: 1\n", "      ReservedConcurrentExecutions: 2\n"),
    (check_reconciler_runs_on_the_schedule_one_at_a_time, "          FORGET_QUEUE_URL: !Ref ForgetQueue\n", "          FORGET_QUEUE_URL: !Ref ObjectEventsQueue\n"),
    (check_reconciler_role_is_least_privilege, "                Action: cognito-idp:AdminGetUser\n", "                Action: cognito-idp:*\n"),
    (check_reconciler_role_is_least_privilege, '                    dynamodb:LeadingKeys: ["reconcile#*"]\n', '                    dynamodb:LeadingKeys: ["*"]\n'),
    (check_reconciler_role_is_least_privilege, "                Action: sqs:SendMessage\n                Resource: !GetAtt ForgetQueue.Arn\n\n  ReconcileLogGroup:", "                Action: sqs:*\n                Resource: !GetAtt ForgetQueue.Arn\n\n  ReconcileLogGroup:"),
    (check_reconciler_log_group_and_alarms, "        - { Name: FunctionName, Value: !Ref ReconcileFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n      OKActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n\n  ReconcileThrottlesAlarm:", "        - { Name: FunctionName, Value: !Ref ObjectOwnerFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n      OKActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n\n  ReconcileThrottlesAlarm:"),
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


def test_checks_name_the_missing_forget_queue(template_text):
    """Without the forget function's queue, the checks that need it say so."""
    without = template_text.replace("  ForgetQueue:\n    Type: AWS::SQS::Queue\n", "  RenamedQueue:\n    Type: AWS::SQS::Queue\n")
    assert without != template_text
    with pytest.raises(AssertionError, match="ForgetQueue"):
        check_rule_sends_successful_deletions_of_the_pool_in_use(without)
