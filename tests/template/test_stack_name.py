"""How long a stack name may be, checked offline against every name the stack derives.

CloudFormation takes stack names of up to 128 characters, in any case. Every resource
name the template builds from ``AWS::StackName`` has a limit of its own; the tightest
one is the limit README states (Deploy). A new use of the stack name in a property
whose limit is not listed here fails, so the documented figure cannot go stale.

    .venv/bin/python -m pytest tests/template/test_stack_name.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# The limit README and samconfig.toml state.
STACK_NAME_MAX = 51
# The services' own limits on the names the template derives from the stack name.
NAME_LIMITS = {
    ("AWS::Serverless::Function", "FunctionName"): 64,
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,
    ("AWS::Cognito::UserPool", "UserPoolName"): 128,
    ("AWS::Cognito::UserPoolClient", "ClientName"): 128,
    ("AWS::CloudWatch::Alarm", "AlarmName"): 255,
    ("AWS::CloudWatch::Alarm", "Namespace"): 255,
    ("AWS::Logs::MetricFilter", "MetricNamespace"): 255,
    ("AWS::SNS::Topic", "DisplayName"): 100,
}
CLOUDFORMATION_MAX = 128


def named_values(value, key=None):
    """(key, value) for every property, nested ones included, whose value is a string or an intrinsic."""
    if isinstance(value, dict) and not (len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub")):
        for k, v in value.items():
            yield from named_values(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from named_values(v, key)
    else:
        yield key, value


def longest_stack_name(text: str) -> int:
    """The longest stack name with which every derived name stays within its limit."""
    longest = CLOUDFORMATION_MAX
    for logical_id, resource in t.decode(text)["Resources"].items():
        for key, value in named_values(resource.get("Properties", {})):
            if "AWS::StackName" not in str(value):
                continue
            limit = NAME_LIMITS.get((resource["Type"], key))
            assert limit, f"{logical_id}.{key} is derived from the stack name: add its limit to NAME_LIMITS"
            derived = t.render(value)
            longest = min(longest, limit - (len(derived) - len("${AWS::StackName}")))
    return longest


def check_documented_stack_name_limit(text: str) -> None:
    assert longest_stack_name(text) == STACK_NAME_MAX


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


def test_documented_stack_name_limit(template_text):
    check_documented_stack_name_limit(template_text)


def test_readme_states_the_limit():
    readme = (TEMPLATE.parent / "README.md").read_text()
    assert f"at most {STACK_NAME_MAX} characters" in readme


MUTATIONS = [
    ("      FunctionName: !Sub ${AWS::StackName}-object-owner\n", "      FunctionName: !Sub ${AWS::StackName}-object-owner-fn\n"),
    ("      FunctionName: !Sub ${AWS::StackName}-object-owner\n", "      FunctionName: !Sub ${AWS::StackName}-owner\n"),
    ("      BucketName: !Sub\n        - cognito-bridge-", "      BucketName: !Sub\n        - ${AWS::StackName}-"),
]


@pytest.mark.parametrize("old, new", MUTATIONS)
def test_check_fails_on_mutated_template(old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    with pytest.raises(AssertionError):
        check_documented_stack_name_limit(template_text.replace(old, new))
