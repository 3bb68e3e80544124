"""The Pre Token Generation trigger in template.yaml (docs/pre-token.md), checked offline.

* the stack's own pool runs PreTokenFunction with the V2_0 event, which needs the
  Essentials (or Plus) feature plan: `UserPoolTier: ESSENTIALS`;
* the function exists in both modes (an adopted pool gets it from `cognito-bridge adopt`,
  through the PreTokenFunctionArn output), and the stack never attaches it to an
  adopted pool itself;
* only Cognito, for this pool (the stack's or the adopted one) in this account, may
  invoke it;
* it makes no AWS call: its role writes its own logs and nothing else
  (test_template.py's function checks), and it has no configuration but RUST_LOG.

Every check is proven able to fail by a mutation of the template text.

    .venv/bin/python -m pytest tests/template/test_pre_token.py
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


def in_mode(template: dict, mode: str) -> tuple[dict, dict]:
    holding = sc.true_conditions(template, sc.MODES[mode])
    return sc.present(template["Resources"], holding), sc.present(template.get("Outputs", {}), holding)


def check_created_pool_runs_the_trigger_with_the_v2_event(text: str) -> None:
    template = t.decode(text)
    pool = t.props(template, "UserPool")
    assert pool["UserPoolTier"] in ("ESSENTIALS", "PLUS"), "V2_0 needs the Essentials or Plus plan"
    config = pool["LambdaConfig"]
    assert set(config) == {"PreTokenGenerationConfig"}, "the deprecated PreTokenGeneration ARN would mean V1_0"
    assert config["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert t.render(config["PreTokenGenerationConfig"]["LambdaArn"]) == "${PreTokenFunction.Arn}"


def check_function_in_both_modes_attached_only_to_the_created_pool(text: str) -> None:
    template = t.decode(text)
    for mode in sc.MODES:
        resources, outputs = in_mode(template, mode)
        assert {"PreTokenFunction", "PreTokenFunctionRole", "PreTokenLogGroup", "PreTokenInvokePermission"} <= set(resources), mode
        assert t.render(outputs["PreTokenFunctionArn"]["Value"]) == "${PreTokenFunction.Arn}", mode
    resources, _ = in_mode(template, "adopt")
    # Nothing in adopt mode sets a pool's triggers: `adopt` does, and only where none is set.
    for logical_id, resource in resources.items():
        assert '"LambdaConfig"' not in json.dumps(resource), f"{logical_id} attaches the trigger in adopt mode"


def check_only_cognito_for_this_pool_invokes_it(text: str) -> None:
    template = t.decode(text)
    for mode, pool_arn in (("create", "${UserPool.Arn}"), ("adopt", EXISTING_POOL_ARN)):
        resources, _ = in_mode(template, mode)
        holding = sc.true_conditions(template, sc.MODES[mode])
        permission = sc.resolved(resources["PreTokenInvokePermission"]["Properties"], holding)
        assert permission["Action"] == "lambda:InvokeFunction"
        assert permission["Principal"] == "cognito-idp.amazonaws.com"
        assert t.render(permission["FunctionName"]) == "${PreTokenFunction.Arn}"
        assert t.render(permission["SourceAccount"]) == "${AWS::AccountId}"
        assert t.render(permission["SourceArn"]) == pool_arn, mode


def check_function_is_small_and_unconfigured(text: str) -> None:
    template = t.decode(text)
    fn = t.function_props(template, "PreTokenFunction")
    # Cognito waits 5 s for a trigger, whatever the function's own timeout.
    assert fn["MemorySize"] == 128 and fn["Timeout"] <= 5
    variables = t.with_conditions(fn["Environment"]["Variables"])
    assert {k: t.render(v) for k, v in variables.items()} == {"RUST_LOG": "${LogLevel}"}
    assert "Events" not in fn, "Cognito invokes it; no event source"


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_pre_token(check, template_text):
    check(template_text)


MUTATIONS = [
    (check_created_pool_runs_the_trigger_with_the_v2_event, "      UserPoolTier: ESSENTIALS\n", "      UserPoolTier: LITE\n"),
    (check_created_pool_runs_the_trigger_with_the_v2_event, "          LambdaVersion: V2_0\n", "          LambdaVersion: V1_0\n"),
    (check_function_in_both_modes_attached_only_to_the_created_pool, "  PreTokenFunction:\n    Type: AWS::Serverless::Function\n", "  PreTokenFunction:\n    Type: AWS::Serverless::Function\n    Condition: CreatesUserPool\n"),
    (check_function_in_both_modes_attached_only_to_the_created_pool, "  UserPool:\n    Type: AWS::Cognito::UserPool\n    Condition: CreatesUserPool\n", "  UserPool:\n    Type: AWS::Cognito::UserPool\n"),
    (check_only_cognito_for_this_pool_invokes_it, "      Principal: cognito-idp.amazonaws.com\n", "      Principal: lambda.amazonaws.com\n"),
    (check_only_cognito_for_this_pool_invokes_it, "        - !Sub arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${ExistingUserPoolId}\n\n  # Its own log group", "        - !Sub arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*\n\n  # Its own log group"),
    (check_function_is_small_and_unconfigured, "      Description: Cognito Pre Token Generation trigger (V2_0) - copies custom:identity_id into both tokens as identity_id.\n      CodeUri: crates/pre-token\n      MemorySize: 128\n", "      Description: Cognito Pre Token Generation trigger (V2_0) - copies custom:identity_id into both tokens as identity_id.\n      CodeUri: crates/pre-token\n      MemorySize: 1024\n"),
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
