"""The private bucket's name, checked offline.

S3 bucket names are global: a name anyone can work out before the stack exists can be
taken first, and the stack then fails to create (or, worse, writes events about a bucket
someone else owns). So the name is built from the account, the region and the first group
of the stack's own id (the UUID at the end of ``AWS::StackId``), and never from the stack
name, which also frees the stack name from S3's rules (lowercase, short).

The queue policy spells the same name out (a !Ref to the bucket would be a circle: the
bucket's notification needs the policy first), so both are evaluated here, as
CloudFormation would, with the same evaluator the local stack uses
(tests/emulator/create_local_stack.py), for stacks of every shape and the longest
region names.

Like tests/template/test_template.py, every check is proven able to fail by a mutation
of the template text.

    .venv/bin/python -m pytest tests/template/test_bucket_name.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))

import create_local_stack as local  # noqa: E402
import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# Stack names CloudFormation accepts (a letter, then letters, digits and hyphens, at most
# 128 characters), mixed case included.
STACK_NAMES = ["cognito-bridge", "Cognito-Bridge-Production", "A" + "b-9" * 42 + "x"]
# The longest region names of each partition shape.
REGIONS = ["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-isoe-west-1"]
STACK_UUIDS = ["1c2fa620-982a-11e3-aff7-50e2416294e0", "0f3d9e40-7a1b-11f0-9c2d-0a1b2c3d4e5f"]
ACCOUNT_ID = "123456789012"

# S3's rules for a general purpose bucket name.
VALID_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def bucket(text: str) -> dict:
    return t.decode(text)["Resources"]["Bucket"]


def source_arn(text: str):
    policy = t.decode(text)["Resources"]["ObjectEventsQueuePolicy"]
    (statement,) = t.as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    return statement["Condition"]["ArnEquals"]["aws:SourceArn"]


def evaluated(value, stack_name: str, region: str, stack_uuid: str) -> str:
    """``value`` as CloudFormation resolves it in a stack of that name, region and id."""
    names = {
        **local.pseudo_parameters(stack_name, f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{stack_name}/{stack_uuid}"),
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT_ID,
    }
    return local.resolve(value, names)


def every_stack():
    for name in STACK_NAMES:
        for region in REGIONS:
            for stack_uuid in STACK_UUIDS:
                yield name, region, stack_uuid


def check_bucket_name_does_not_depend_on_the_stack_name(text: str) -> None:
    name = json.dumps(bucket(text)["Properties"]["BucketName"])
    assert "AWS::StackName" not in name, "a stack-derived name can be predicted and taken first"
    assert "AWS::StackId" in name, "the stack's own id is what nobody knows in advance"
    assert "AWS::AccountId" in name and "AWS::Region" in name
    # The same stack name gives different buckets for different stacks.
    value = bucket(text)["Properties"]["BucketName"]
    assert evaluated(value, "cognito-bridge", "us-east-1", STACK_UUIDS[0]) != evaluated(
        value, "cognito-bridge", "us-east-1", STACK_UUIDS[1]
    )


def check_bucket_name_is_valid_for_any_stack(text: str) -> None:
    value = bucket(text)["Properties"]["BucketName"]
    for stack_name, region, stack_uuid in every_stack():
        name = evaluated(value, stack_name, region, stack_uuid)
        assert VALID_BUCKET.fullmatch(name), f"{name!r} ({len(name)} characters) is not a valid bucket name"
        assert ".." not in name and not name.startswith(("xn--", "sthree-")), name
        assert not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")), name
        assert stack_uuid.split("-")[0] in name, f"{name!r} does not carry the stack id's first group"


def check_queue_policy_names_the_same_bucket(text: str) -> None:
    arn = source_arn(text)
    # No !Ref or !GetAtt of the bucket: the bucket depends on the policy.
    assert '"Bucket' not in json.dumps(arn) and "${Bucket" not in json.dumps(arn), "a circular dependency"
    value = bucket(text)["Properties"]["BucketName"]
    for stack_name, region, stack_uuid in every_stack():
        assert evaluated(arn, stack_name, region, stack_uuid) == "arn:aws:s3:::" + evaluated(
            value, stack_name, region, stack_uuid
        )


def check_a_replaced_bucket_keeps_its_objects(text: str) -> None:
    # A change of the name replaces the bucket: the old one, with the users' objects, stays.
    assert bucket(text).get("UpdateReplacePolicy") == "Retain"


CHECKS = [
    check_bucket_name_does_not_depend_on_the_stack_name,
    check_bucket_name_is_valid_for_any_stack,
    check_queue_policy_names_the_same_bucket,
    check_a_replaced_bucket_keeps_its_objects,
]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_bucket_name(check, template_text):
    check(template_text)


BUCKET_NAME = (
    "      BucketName: !Sub\n"
    "        - cognito-bridge-${AWS::AccountId}-${AWS::Region}-${StackIdPart}\n"
    '        - StackIdPart: !Select [0, !Split ["-", !Select [2, !Split ["/", !Ref AWS::StackId]]]]\n'
)
SOURCE_ARN = "                  - arn:${AWS::Partition}:s3:::cognito-bridge-${AWS::AccountId}-${AWS::Region}-${StackIdPart}\n"
MUTATIONS = [
    # The naming this replaced: predictable, and bound to a short lowercase stack name.
    (check_bucket_name_does_not_depend_on_the_stack_name, BUCKET_NAME,
     "      BucketName: !Sub ${AWS::StackName}-${AWS::AccountId}-${AWS::Region}\n"),
    (check_bucket_name_does_not_depend_on_the_stack_name, BUCKET_NAME,
     "      BucketName: !Sub cognito-bridge-${AWS::AccountId}-${AWS::Region}\n"),
    (check_bucket_name_is_valid_for_any_stack, BUCKET_NAME, BUCKET_NAME.replace("- cognito-bridge-", "- Cognito-Bridge-")),
    # The stack name's first part instead of the id's.
    (check_bucket_name_is_valid_for_any_stack, BUCKET_NAME, BUCKET_NAME.replace("!Select [2, !Split", "!Select [1, !Split")),
    # The whole UUID: 75 characters in the longest regions.
    (check_bucket_name_is_valid_for_any_stack, BUCKET_NAME,
     BUCKET_NAME.replace('!Select [0, !Split ["-", !Select [2, !Split ["/", !Ref AWS::StackId]]]]',
                         '!Select [2, !Split ["/", !Ref AWS::StackId]]')),
    (check_queue_policy_names_the_same_bucket, SOURCE_ARN,
     "                  - arn:${AWS::Partition}:s3:::cognito-bridge-${AWS::AccountId}-${AWS::Region}\n"),
    (check_queue_policy_names_the_same_bucket, SOURCE_ARN,
     "                  - arn:${AWS::Partition}:s3:::${Bucket}\n"),
    (check_a_replaced_bucket_keeps_its_objects,
     "    DependsOn: ObjectEventsQueuePolicy\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Retain\n",
     "    DependsOn: ObjectEventsQueuePolicy\n    DeletionPolicy: Delete\n"),
]


@pytest.mark.parametrize("check, old, new", MUTATIONS, ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)])
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    with pytest.raises(AssertionError):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
