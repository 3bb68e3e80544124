"""The stack in both modes, create and adopt (docs/adopt.md), checked offline.

Each ``Existing*`` parameter names a resource a team already runs; empty, the stack
creates it. The template's Rules, Conditions and every !If are evaluated for each
parameter set with tests/template/stack_conditions.py (a pure evaluator), so these checks
see the stack CloudFormation would build:

* the Rules accept the modes the stack serves and refuse every other mix, naming what is
  missing;
* in adopt mode none of the team's resources is created (so none can be replaced or
  deleted with the stack), and the team's names appear only where the stack refers to
  them (environment, IAM resources, the event rule, the policy attachment);
* whatever the parameters, every reference names a resource that exists;
* the functions, their IAM and the outputs name the resource in use, existing or created;
* the adopted role gets one managed policy by name, the adopted REST API one invoke
  permission, the adopted bucket an EventBridge rule into the same queue;
* the directory's stream reaches the queue through DirectoryLinkPipe, whose shape is the
  contract object-owner relies on;
* the identity pool and the directory outlive the stack.

Like tests/template/test_template.py, every check is proven able to fail by a mutation
of the template text.

    .venv/bin/python -m pytest tests/template/test_adopt_mode.py
"""

from __future__ import annotations

import itertools
import re
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack_conditions as sc  # noqa: E402
import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# What a team runs and the stack creates only in create mode.
TEAM_RESOURCES = {
    "UserPool", "ApiResourceServer", "AdminsGroup", "UserPoolClient", "UserPoolDomain",
    "IdentityPool", "AuthenticatedRole", "IdentityPoolRoles",
    "Bucket", "BucketPolicy", "ObjectEventsQueuePolicy",
}
IDENTITY_RESOURCES = TEAM_RESOURCES - {"Bucket", "BucketPolicy", "ObjectEventsQueuePolicy"}
# Resource types that would own (and could replace or delete) a team's resource.
OWNING_TYPES = {
    "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain",
    "AWS::Cognito::UserPoolGroup", "AWS::Cognito::UserPoolResourceServer", "AWS::Cognito::IdentityPool",
    "AWS::Cognito::IdentityPoolRoleAttachment", "AWS::S3::Bucket", "AWS::S3::BucketPolicy",
}
ARN = "arn:${AWS::Partition}"
EXISTING_POOL_ARN = ARN + ":cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${ExistingUserPoolId}"
EXISTING_IDENTITY_POOL_ARN = ARN + ":cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/${ExistingIdentityPoolId}"
EXISTING_BUCKET_ARN = ARN + ":s3:::${ExistingBucketName}"
INVOKE = ARN + ":execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/"
SUB = "${cognito-identity.amazonaws.com:sub}"
OWN_USAGE = json.dumps({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [f"identity#{SUB}"]}}, sort_keys=True)
PRIVATE_PREFIX = json.dumps({"StringLike": {"s3:prefix": [f"private/{SUB}/", f"private/{SUB}/*"]}}, sort_keys=True)
PIPE_FILTER = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["identity"]}}}}
# A folder job's page: 1,000 objects, each a tag read and a tag write of up to 50 ms on
# S3, 16 at a time; an SQS batch holds up to 10 such pages.
PAGE_SECONDS = 1000 * 2 * 0.050 / 16
PAGES_PER_BATCH = 10


def decoded(text: str) -> dict:
    return t.decode(text)


def stack(template: dict, overrides: dict) -> tuple[frozenset[str], dict, dict]:
    """(conditions that hold, resources, outputs) of the stack for a parameter set."""
    holding = sc.true_conditions(template, overrides)
    return holding, sc.present(template["Resources"], holding), sc.present(template.get("Outputs", {}), holding)


def env(resources: dict, function: str) -> dict:
    merged = {}
    for key, value in resources[function]["Properties"]["Environment"]["Variables"].items():
        merged[key] = t.render(value)
    return merged


def grants(resources: dict, logical_id: str) -> set[tuple[str, str, str]]:
    return t.allow_grants(resources[logical_id]["Properties"], frozenset())  # !If already resolved


# ---------------------------------------------------------------------------- checks


def check_rules_accept_the_modes_and_refuse_every_other_mix(text: str) -> None:
    template = decoded(text)
    for name, mode in sc.MODES.items():
        assert sc.rule_failures(template, mode) == [], f"{name} mode is refused"
        assert sc.rule_failures(template, {**mode, "ExistingRestApiId": sc.EXISTING["ExistingRestApiId"]}) == []
    identity = sc.MODES["adopt-identity"]
    refused = {
        "ExistingUserPoolClientIds": {"ExistingUserPoolId": sc.EXISTING["ExistingUserPoolId"]},
        "ExistingIdentityPoolId": {k: v for k, v in identity.items() if k != "ExistingIdentityPoolId"},
        "ExistingAuthenticatedRoleName": {k: v for k, v in identity.items() if k != "ExistingAuthenticatedRoleName"},
        "ExistingUserPoolId": {k: v for k, v in identity.items() if k != "ExistingUserPoolId"},
        "ExistingUserPoolId ": {k: v for k, v in identity.items() if k not in ("ExistingUserPoolId", "ExistingUserPoolClientIds")},
        "ExistingIdentityPoolId ": {"ExistingBucketName": sc.EXISTING["ExistingBucketName"]},
        "UserPoolDomainPrefix": {**identity, "UserPoolDomainPrefix": "team-app"},
    }
    for missing, parameters in refused.items():
        failures = sc.rule_failures(template, parameters)
        assert failures, f"{sorted(parameters)} must be refused"
        assert any(missing.strip() in f for f in failures), f"{sorted(parameters)}: no message names {missing.strip()}: {failures}"
    # Every parameter set of Existing* values is either a served mode or refused.
    served = {frozenset(m) - {"ExistingRestApiId"} for m in sc.MODES.values()}
    for chosen in subsets(sc.EXISTING):
        wanted = {k: sc.EXISTING[k] for k in chosen}
        accepted = not sc.rule_failures(template, wanted)
        assert accepted == (frozenset(chosen) - {"ExistingRestApiId"} in served), sorted(chosen)


def subsets(names) -> list[tuple[str, ...]]:
    names = sorted(names)
    return [c for n in range(len(names) + 1) for c in itertools.combinations(names, n)]


def check_adopt_mode_creates_none_of_the_teams_resources(text: str) -> None:
    template = decoded(text)
    _, created, _ = stack(template, {})
    assert TEAM_RESOURCES - {"UserPoolDomain"} <= set(created), "create mode creates everything"
    _, with_domain, _ = stack(template, {"UserPoolDomainPrefix": "team-app"})
    assert "UserPoolDomain" in with_domain
    for name in ("adopt", "adopt-identity"):
        _, resources, _ = stack(template, sc.MODES[name])
        absent = TEAM_RESOURCES if name == "adopt" else IDENTITY_RESOURCES
        assert not absent & set(resources), f"{name}: creates {sorted(absent & set(resources))}"
        owning = {k for k, r in resources.items() if r["Type"] in OWNING_TYPES}
        assert owning <= {"Bucket", "BucketPolicy"} - (absent & {"Bucket", "BucketPolicy"}), f"{name}: {owning}"
        # The stack's own resources in adopt mode: the directory, functions, queues, pipe, API.
        assert {"DirectoryTable", "ObjectEventsQueue", "DirectoryLinkPipe", "Api", "AuthorizerFunction"} <= set(resources)


# Where an Existing* parameter may appear in adopt mode: references, never a property
# that makes the stack own the resource.
ALLOWED_USES = {
    ("AWS::Serverless::Function", "Environment"),
    ("AWS::IAM::Role", "Policies"),
    ("AWS::IAM::ManagedPolicy", "Roles"),
    ("AWS::Events::Rule", "EventPattern"),
    ("AWS::Lambda::Permission", "SourceArn"),
}


def check_the_teams_names_are_only_referred_to(text: str) -> None:
    template = decoded(text)
    _, resources, outputs = stack(template, {**sc.MODES["adopt"]})
    for logical_id, resource in resources.items():
        for key, value in resource.get("Properties", {}).items():
            used = {r for r in sc.references(value) if r.startswith("Existing")}
            if used:
                assert (resource["Type"], key) in ALLOWED_USES, f"{logical_id}.{key} uses {sorted(used)}"
        # Nothing of the stack deletes or keeps anything of the team's: the stack's own
        # resources only carry deletion policies.
        assert not {r for r in sc.references(resource.get("DependsOn", [])) if r.startswith("Existing")}
    for name in ("UserPoolId", "UserPoolClientId", "IdentityPoolId", "BucketName"):
        assert sc.references(outputs[name]["Value"]) <= set(sc.EXISTING), f"output {name} in adopt mode"


def check_every_reference_names_a_resource_that_exists(text: str) -> None:
    """For every combination of Existing* values (served or not) and of the optional
    features: each !Ref, !GetAtt, !Sub name and DependsOn of every resource and output
    that exists names a parameter, a pseudo parameter or a resource that exists too, i.e.
    every reference to a conditional resource sits under an !If (or in a resource) whose
    condition implies the target's."""
    template = decoded(text)
    parameters = set(template["Parameters"])
    features = {"UserPoolDomainPrefix": "team-app", "AlarmEmail": "ops@example.com", "CreateApiGatewayLoggingRole": "true"}
    for chosen in subsets(sc.EXISTING):
        for with_features in (False, True):
            overrides = {**{k: sc.EXISTING[k] for k in chosen}, **(features if with_features else {})}
            _, resources, outputs = stack(template, overrides)
            for section, entries in (("Resources", resources), ("Outputs", outputs)):
                for logical_id, entry in entries.items():
                    body = {k: v for k, v in entry.items() if k in ("Properties", "Value", "Metadata")}
                    names = sc.references(body) | set(t.as_list(entry.get("DependsOn", [])))
                    for name in names:
                        assert name in resources or name in parameters or name.startswith("AWS::"), (
                            f"{section}.{logical_id} names {name}, absent with {sorted(chosen)}"
                        )


def check_functions_name_the_resources_in_use(text: str) -> None:
    template = decoded(text)
    for name, mode in sc.MODES.items():
        _, resources, outputs = stack(template, mode)
        adopted_identity = name != "create"
        pool = "${ExistingUserPoolId}" if adopted_identity else "${UserPool}"
        clients = "${ExistingUserPoolClientIds}" if adopted_identity else "${UserPoolClient}"
        identity_pool = "${ExistingIdentityPoolId}" if adopted_identity else "${IdentityPool}"
        bucket = "${ExistingBucketName}" if name == "adopt" else "${Bucket}"
        for function in ("LinkFunction", "AuthorizerFunction"):
            variables = env(resources, function)
            assert (variables["USER_POOL_ID"], variables["USER_POOL_CLIENT_IDS"], variables["IDENTITY_POOL_ID"]) == (
                pool, clients, identity_pool), f"{name}: {function}"
        # An adopted pool's clients may still write custom:identity_id: the authorizer then
        # reads the IdentityId from the directory.
        trust = env(resources, "AuthorizerFunction")["TRUST_TOKEN_IDENTITY_ID"]
        assert trust == ("false" if adopted_identity else "true"), f"{name}: TRUST_TOKEN_IDENTITY_ID={trust}"
        owner = env(resources, "ObjectOwnerFunction")
        assert owner["BUCKET_NAME"] == bucket and owner["OBJECT_EVENTS_QUEUE_URL"] == "${ObjectEventsQueue}", name

        pool_arn = EXISTING_POOL_ARN if adopted_identity else "${UserPool.Arn}"
        identity_arn = EXISTING_IDENTITY_POOL_ARN if adopted_identity else t.IDENTITY_POOL_ARN
        link, authorizer = grants(resources, "LinkFunctionRole"), grants(resources, "AuthorizerFunctionRole")
        assert {g for g in link if g[0].startswith("cognito")} == {
            ("cognito-idp:AdminUpdateUserAttributes", pool_arn, "{}"), ("cognito-identity:GetId", identity_arn, "{}")}, name
        assert {g for g in authorizer if g[0].startswith("cognito")} == {("cognito-identity:GetId", identity_arn, "{}")}, name
        bucket_arn = EXISTING_BUCKET_ARN if name == "adopt" else "${Bucket.Arn}"
        assert {g for g in grants(resources, "ObjectOwnerFunctionRole") if g[0].startswith("s3:")} == {
            ("s3:GetObjectTagging", bucket_arn + "/private/*", "{}"),
            ("s3:PutObjectTagging", bucket_arn + "/private/*", "{}"),
            ("s3:ListBucket", bucket_arn, t.OBJECT_OWNER_LIST_CONDITION),
        }, name
        values = {k: t.render(o["Value"]) for k, o in outputs.items()}
        assert (values["UserPoolId"], values["UserPoolClientId"], values["IdentityPoolId"], values["BucketName"]) == (
            pool, clients, identity_pool, bucket), name
        assert values["AuthorizerFunctionArn"] == "${AuthorizerFunction.Arn}"


def check_the_adopted_role_gets_one_managed_policy_by_name(text: str) -> None:
    template = decoded(text)
    resource = template["Resources"]["ExistingAuthenticatedRolePolicy"]
    assert resource["Type"] == "AWS::IAM::ManagedPolicy" and resource.get("Condition") == "UsesExistingIdentityPool"
    properties = resource["Properties"]
    assert properties["Roles"] == [{"Ref": "ExistingAuthenticatedRoleName"}], "attached by name to the team's role"
    assert not {"Users", "Groups", "ManagedPolicyName", "Path"} & set(properties)
    expected = {
        ("execute-api:Invoke", INVOKE + "POST/link", "{}"),
        ("execute-api:Invoke", INVOKE + "GET/iam/whoami", "{}"),
        ("dynamodb:GetItem", "${DirectoryTable.Arn}", OWN_USAGE),
    }
    _, adopt, _ = stack(template, sc.MODES["adopt"])
    assert grants(adopt, "ExistingAuthenticatedRolePolicy") == expected
    # With the stack's own bucket, the users' private folders there, as AuthenticatedRole.
    _, identity_only, _ = stack(template, sc.MODES["adopt-identity"])
    private = "arn:${AWS::Partition}:s3:::${Bucket}/private/${!cognito-identity.amazonaws.com:sub}/*"
    assert grants(identity_only, "ExistingAuthenticatedRolePolicy") == expected | {
        (a, private, "{}") for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging")
    } | {("s3:ListBucket", "${Bucket.Arn}", PRIVATE_PREFIX)}
    _, created, _ = stack(template, {})
    assert "ExistingAuthenticatedRolePolicy" not in created


def check_authorizer_permission_for_the_existing_api(text: str) -> None:
    template = decoded(text)
    permissions = t.resources(template, "AWS::Lambda::Permission")
    # (PreTokenInvokePermission, Cognito's, is test_pre_token.py's.)
    assert set(permissions) == {"ExistingRestApiAuthorizerPermission", "PreTokenInvokePermission"}
    resource = permissions["ExistingRestApiAuthorizerPermission"]
    assert resource.get("Condition") == "HasExistingRestApi"
    assert template["Conditions"]["HasExistingRestApi"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ExistingRestApiId"}, ""]}]}
    p = resource["Properties"]
    assert p["Action"] == "lambda:InvokeFunction" and p["Principal"] == "apigateway.amazonaws.com"
    assert t.render(p["FunctionName"]) == "${AuthorizerFunction.Arn}"
    assert t.render(p["SourceAccount"]) == "${AWS::AccountId}"
    assert t.render(p["SourceArn"]) == ARN + ":execute-api:${AWS::Region}:${AWS::AccountId}:${ExistingRestApiId}/authorizers/*"


def check_adopted_bucket_events_reach_the_same_queue(text: str) -> None:
    template = decoded(text)
    _, resources, _ = stack(template, sc.MODES["adopt"])
    rule = resources["ObjectEventsRule"]
    assert template["Resources"]["ObjectEventsRule"].get("Condition") == "UsesExistingBucket"
    p = rule["Properties"]
    assert p.get("State", "ENABLED") == "ENABLED" and "EventBusName" not in p, "the default bus, where S3 sends"
    assert p["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created", "Object Deleted"],
        "detail": {"bucket": {"name": [{"Ref": "ExistingBucketName"}]}, "object": {"key": [{"prefix": "private/"}]}},
    }
    (target,) = p["Targets"]
    assert "DeadLetterConfig" in target and "RetryPolicy" in target, "undeliverable events are kept"
    assert t.render(target["Arn"]) == "${ObjectEventsQueue.Arn}"
    assert t.render(target["DeadLetterConfig"]["Arn"]) == "${ObjectEventsDeadLetterQueue.Arn}"
    assert "InputTransformer" not in target and "Input" not in target and "InputPath" not in target
    retry = target["RetryPolicy"]
    assert 0 < retry["MaximumRetryAttempts"] <= 185 and 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
    # Only this rule sends, to the queue and to its dead-letter queue.
    policies = {k: r for k, r in resources.items() if r["Type"] == "AWS::SQS::QueuePolicy" and not k.startswith("Forget")}
    assert set(policies) == {"ObjectEventsRulePolicy", "ObjectEventsRuleDeadLetterPolicy"}, "no S3 policy in adopt mode"
    for logical_id, queue in (("ObjectEventsRulePolicy", "ObjectEventsQueue"), ("ObjectEventsRuleDeadLetterPolicy", "ObjectEventsDeadLetterQueue")):
        policy = policies[logical_id]["Properties"]
        assert [t.render(q) for q in policy["Queues"]] == ["${" + queue + "}"]
        (st,) = t.as_list(policy["PolicyDocument"]["Statement"])
        assert st["Effect"] == "Allow" and st["Principal"] == {"Service": "events.amazonaws.com"}
        assert t.as_list(st["Action"]) == ["sqs:SendMessage"]
        assert t.render(st["Resource"]) == "${" + queue + ".Arn}"
        assert st["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["ObjectEventsRule", "Arn"]}}}
    # EventBridge (and Pipes, and S3) can send to SQS-managed encryption; a KMS key would
    # need a key policy for them.
    for queue in ("ObjectEventsQueue", "ObjectEventsDeadLetterQueue"):
        q = resources[queue]["Properties"]
        assert q.get("SqsManagedSseEnabled") is True and "KmsMasterKeyId" not in q, queue
    _, created, _ = stack(template, {})
    assert not {"ObjectEventsRule", "ObjectEventsRulePolicy", "ObjectEventsRuleDeadLetterPolicy"} & set(created)


def check_directory_link_pipe(text: str) -> None:
    """The contract object-owner relies on: names, filter, source, target, no input template."""
    template = decoded(text)
    pipe = template["Resources"]["DirectoryLinkPipe"]
    assert pipe["Type"] == "AWS::Pipes::Pipe" and "Condition" not in pipe, "every mode: any writer of a link"
    p = pipe["Properties"]
    assert t.render(p["Source"]) == "${DirectoryTable.StreamArn}"
    assert t.render(p["RoleArn"]) == "${DirectoryLinkPipeRole.Arn}"
    assert t.render(p["Target"]) == "${ObjectEventsQueue.Arn}"
    assert "TargetParameters" not in p and "Enrichment" not in p, "the body is the stream record, as Pipes sends it"
    stream = p["SourceParameters"]["DynamoDBStreamParameters"]
    assert stream["StartingPosition"] == "LATEST" and stream["BatchSize"] == 1
    assert 0 <= stream["MaximumRetryAttempts"] <= 10000
    assert t.render(stream["DeadLetterConfig"]["Arn"]) == "${ObjectEventsDeadLetterQueue.Arn}"
    (flt,) = p["SourceParameters"]["FilterCriteria"]["Filters"]
    assert json.loads(flt["Pattern"]) == PIPE_FILTER
    assert template["Resources"]["DirectoryTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    role = t.props(template, "DirectoryLinkPipeRole")
    (trust,) = t.as_list(role["AssumeRolePolicyDocument"]["Statement"])
    assert trust["Principal"] == {"Service": "pipes.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    assert t.render(trust["Condition"]["StringEquals"]["aws:SourceAccount"]) == "${AWS::AccountId}"
    stream_arn = "${DirectoryTable.StreamArn}"
    assert t.allow_grants(role) == {
        ("dynamodb:DescribeStream", stream_arn, "{}"),
        ("dynamodb:GetRecords", stream_arn, "{}"),
        ("dynamodb:GetShardIterator", stream_arn, "{}"),
        ("dynamodb:ListStreams", stream_arn, "{}"),
        ("sqs:SendMessage", "${ObjectEventsQueue.Arn}", "{}"),
        ("sqs:SendMessage", "${ObjectEventsDeadLetterQueue.Arn}", "{}"),
    }
    assert "ManagedPolicyArns" not in role


def check_a_folder_page_fits_in_the_visibility_timeout(text: str) -> None:
    template = decoded(text)
    timeout = t.function_props(template, "ObjectOwnerFunction")["Timeout"]
    visibility = t.props(template, "ObjectEventsQueue")["VisibilityTimeout"]
    # Half as much again as the estimate: S3's slower moments, directory writes, listing.
    assert timeout >= 1.5 * PAGES_PER_BATCH * PAGE_SECONDS, f"{timeout} s for {PAGES_PER_BATCH} pages of {PAGE_SECONDS} s"
    assert visibility >= 6 * timeout, "Lambda's advice for an SQS source: visibility >= 6 x timeout"
    assert timeout <= 900
    # The usage ledger's claim on settling an event outlives any invocation (so a lapsed
    # claim's holder can write nothing more), and lapses before SQS delivers a stopped
    # invocation's message again (crates/directory/src/usage_plan.rs).
    plan = (Path(__file__).resolve().parents[2] / "crates/directory/src/usage_plan.rs").read_text()
    (claim,) = [int(line.split("=")[1].strip(" ;")) for line in plan.splitlines() if line.startswith("pub const CLAIM_SECS")]
    assert timeout + 60 <= claim < visibility, f"claim {claim} s, timeout {timeout} s, visibility {visibility} s"


def check_identity_pool_and_directory_outlive_the_stack(text: str) -> None:
    template = decoded(text)
    for logical_id in ("IdentityPool", "DirectoryTable"):
        resource = template["Resources"][logical_id]
        assert resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"), f"{logical_id} deleted with the stack"
        assert resource.get("UpdateReplacePolicy") == "Retain", f"{logical_id} deleted when replaced"
    # No resource of the stack that exists in adopt mode is one that a delete would take
    # from the team: their resources are not in the stack at all (above), and what the
    # stack attaches to them (the managed policy, the invoke permission) is its own.
    _, resources, _ = stack(template, sc.MODES["adopt"])
    for logical_id, resource in resources.items():
        assert resource["Type"] not in OWNING_TYPES, logical_id


# The create-mode resources tests/emulator/create_local_stack.py reproduces from the
# template with its own resolver, which knows no !If: their shape stays plain.
# The conditions create_local_stack.py resolves (from its --folder-layout).
LOCAL_STACK_CONDITIONS = ("HasSubFolders",)
LOCAL_STACK_RESOURCES = (
    "DirectoryTable", "Bucket", "ObjectEventsQueue", "ObjectEventsDeadLetterQueue",
    "ObjectEventsQueuePolicy", "AuthenticatedRole", "IdentityPoolRoles",
)


def check_the_local_stack_can_still_read_its_resources(text: str) -> None:
    template = decoded(text)
    for logical_id in LOCAL_STACK_RESOURCES:
        # create_local_stack.py resolves the FolderLayout conditions only (and drops
        # AWS::NoValue from their branches).
        body = json.dumps(template["Resources"][logical_id].get("Properties", {}))
        used = set(re.findall(r'"Fn::If": \["([A-Za-z]+)"', body))
        outside = json.dumps(sc.resolved(template["Resources"][logical_id].get("Properties", {}), frozenset()))
        assert used <= set(LOCAL_STACK_CONDITIONS) and "AWS::NoValue" not in outside, f"{logical_id}: create_local_stack.py cannot resolve !If"


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_adopt_mode(check, template_text):
    check(template_text)


def test_the_evaluator_refuses_what_it_does_not_model():
    with pytest.raises(AssertionError):
        sc.conditions({"Parameters": {}, "Conditions": {"X": {"Fn::Contains": [["a"], "a"]}}})
    with pytest.raises(AssertionError):
        sc.conditions({"Parameters": {}, "Conditions": {"X": {"Condition": "X"}}})
    with pytest.raises(AssertionError):
        sc.parameters({"Parameters": {"A": {"Type": "String"}}})


MUTATIONS = [
    (check_rules_accept_the_modes_and_refuse_every_other_mix,
     "      - Assert: !Not [!Equals [!Ref ExistingUserPoolClientIds, \"\"]]\n", "      - Assert: !Equals [\"\", \"\"]\n"),
    (check_rules_accept_the_modes_and_refuse_every_other_mix,
     "  ExistingBucketNeedsExistingIdentityPool:\n    RuleCondition: !Not [!Equals [!Ref ExistingBucketName, \"\"]]\n",
     "  ExistingBucketNeedsExistingIdentityPool:\n    RuleCondition: !Equals [!Ref ExistingBucketName, \"x\"]\n"),
    (check_rules_accept_the_modes_and_refuse_every_other_mix,
     "      - Assert: !Equals [!Ref UserPoolDomainPrefix, \"\"]\n", "      - Assert: !Equals [\"\", \"\"]\n"),
    (check_adopt_mode_creates_none_of_the_teams_resources,
     "  AdminsGroup:\n    Type: AWS::Cognito::UserPoolGroup\n    Condition: CreatesUserPool\n", "  AdminsGroup:\n    Type: AWS::Cognito::UserPoolGroup\n"),
    (check_adopt_mode_creates_none_of_the_teams_resources,
     "  BucketPolicy:\n    Type: AWS::S3::BucketPolicy\n    Condition: CreatesBucket\n", "  BucketPolicy:\n    Type: AWS::S3::BucketPolicy\n"),
    (check_adopt_mode_creates_none_of_the_teams_resources,
     "  CreatesIdentityPool: !Equals [!Ref ExistingIdentityPoolId, \"\"]\n", "  CreatesIdentityPool: !Equals [\"\", \"\"]\n"),
    (check_the_teams_names_are_only_referred_to,
     "    Value: !If [CreatesBucket, !Ref Bucket, !Ref ExistingBucketName]\n", "    Value: !If [CreatesBucket, !Ref Bucket, !Ref ObjectEventsQueue]\n"),
    (check_the_teams_names_are_only_referred_to,
     "      Roles: [!Ref ExistingAuthenticatedRoleName]\n", "      Roles: [!Ref ExistingAuthenticatedRoleName]\n      Description2: !Ref ExistingBucketName\n"),
    # A reference to a conditional resource outside an !If on its condition.
    (check_every_reference_names_a_resource_that_exists,
     "          BUCKET_NAME: !If [CreatesBucket, !Ref Bucket, !Ref ExistingBucketName]\n", "          BUCKET_NAME: !Ref Bucket\n"),
    (check_every_reference_names_a_resource_that_exists,
     "  CreatesUserPool: !Or [!Equals [!Ref ExistingUserPoolId, \"\"], !Condition CreatesIdentityPool]\n",
     "  CreatesUserPool: !Equals [!Ref ExistingUserPoolId, \"\"]\n"),
    (check_every_reference_names_a_resource_that_exists,
     "            - CreatesBucketForExistingIdentityPool\n            - Effect: Allow\n              Action: s3:ListBucket\n",
     "            - UsesExistingIdentityPool\n            - Effect: Allow\n              Action: s3:ListBucket\n"),
    (check_functions_name_the_resources_in_use,
     "          TRUST_TOKEN_IDENTITY_ID: !If [CreatesUserPool, \"true\", \"false\"]\n", "          TRUST_TOKEN_IDENTITY_ID: \"true\"\n"),
    (check_functions_name_the_resources_in_use,
     "                  - !Sub arn:${AWS::Partition}:s3:::${ExistingBucketName}/private/*\n", "                  - !Sub arn:${AWS::Partition}:s3:::*/private/*\n"),
    (check_functions_name_the_resources_in_use,
     "                  - !Sub arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${ExistingUserPoolId}\n",
     "                  - !Sub arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*\n"),
    (check_functions_name_the_resources_in_use,
     "    Value: !If [CreatesIdentityPool, !Ref IdentityPool, !Ref ExistingIdentityPoolId]\n", "    Value: !If [CreatesIdentityPool, !Ref IdentityPool, \"\"]\n"),
    (check_the_adopted_role_gets_one_managed_policy_by_name,
     "      Roles: [!Ref ExistingAuthenticatedRoleName]\n", "      Roles: [team-app-authenticated]\n"),
    (check_the_adopted_role_gets_one_managed_policy_by_name,
     "              - !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/GET/iam/whoami\n          - Effect",
     "              - !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*\n          - Effect"),
    (check_authorizer_permission_for_the_existing_api,
     "${ExistingRestApiId}/authorizers/*\n", "${ExistingRestApiId}/*\n"),
    (check_authorizer_permission_for_the_existing_api,
     "  ExistingRestApiAuthorizerPermission:\n    Type: AWS::Lambda::Permission\n    Condition: HasExistingRestApi\n",
     "  ExistingRestApiAuthorizerPermission:\n    Type: AWS::Lambda::Permission\n"),
    (check_adopted_bucket_events_reach_the_same_queue,
     "        detail-type: [Object Created, Object Deleted]\n", "        detail-type: [Object Created]\n"),
    (check_adopted_bucket_events_reach_the_same_queue,
     "[{ prefix: private/ }, { prefix: users/ }], [{ prefix: private/ }]]\n", "[{ prefix: private/ }, { prefix: users/ }], [{ prefix: \"\" }]]\n"),
    (check_adopted_bucket_events_reach_the_same_queue,
     "          DeadLetterConfig:\n            Arn: !GetAtt ObjectEventsDeadLetterQueue.Arn\n\n", "\n"),
    (check_adopted_bucket_events_reach_the_same_queue,
     "                aws:SourceArn: !GetAtt ObjectEventsRule.Arn\n\n  ObjectEventsRuleDeadLetterPolicy:",
     "                aws:SourceAccount: !Ref AWS::AccountId\n\n  ObjectEventsRuleDeadLetterPolicy:"),
    (check_adopted_bucket_events_reach_the_same_queue,
     "  ObjectEventsQueuePolicy:\n    Type: AWS::SQS::QueuePolicy\n    Condition: CreatesBucket\n",
     "  ObjectEventsQueuePolicy:\n    Type: AWS::SQS::QueuePolicy\n"),
    (check_directory_link_pipe,
     "            - Pattern: '{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"kind\":{\"S\":[\"identity\"]}}}}'\n",
     "            - Pattern: '{\"eventName\":[\"INSERT\", \"MODIFY\"],\"dynamodb\":{\"NewImage\":{\"kind\":{\"S\":[\"identity\"]}}}}'\n"),
    (check_directory_link_pipe,
     "      Target: !GetAtt ObjectEventsQueue.Arn\n", "      Target: !GetAtt ObjectEventsDeadLetterQueue.Arn\n"),
    (check_directory_link_pipe,
     "          StartingPosition: LATEST\n", "          StartingPosition: TRIM_HORIZON\n"),
    (check_directory_link_pipe,
     "                Resource: !GetAtt DirectoryTable.StreamArn\n", "                Resource: \"*\"\n"),
    (check_the_local_stack_can_still_read_its_resources,
     "                Resource: !GetAtt Bucket.Arn\n                Condition:\n                  StringLike:\n                    s3:prefix:\n                      - private/${cognito-identity.amazonaws.com:sub}/\n",
     "                Resource: !If [CreatesBucket, !GetAtt Bucket.Arn, !Ref AWS::NoValue]\n                Condition:\n                  StringLike:\n                    s3:prefix:\n                      - private/${cognito-identity.amazonaws.com:sub}/\n"),
    (check_a_folder_page_fits_in_the_visibility_timeout,
     "      Timeout: 120\n", "      Timeout: 30\n"),
    (check_identity_pool_and_directory_outlive_the_stack,
     "    Condition: CreatesIdentityPool\n    DeletionPolicy: RetainExceptOnCreate\n    UpdateReplacePolicy: Retain\n",
     "    Condition: CreatesIdentityPool\n"),
    (check_identity_pool_and_directory_outlive_the_stack,
     "    DeletionPolicy: RetainExceptOnCreate\n    UpdateReplacePolicy: Retain\n    Properties:\n      BillingMode",
     "    DeletionPolicy: Delete\n    UpdateReplacePolicy: Retain\n    Properties:\n      BillingMode"),
]


@pytest.mark.parametrize(
    "check, old, new",
    MUTATIONS,
    ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)],
)
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    with pytest.raises(AssertionError):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
