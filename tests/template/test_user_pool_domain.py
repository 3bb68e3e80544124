"""The optional user pool domain and the OAuth 2.0 code flow, checked offline.

The app client may request the API's own scope (``cognito-bridge/whoami.read``) only in
the authorization code flow, which runs on a user pool domain. A domain is a global name
(``<prefix>.auth.<region>.amazoncognito.com``), so the stack creates one only when the
``UserPoolDomainPrefix`` parameter names it: empty (the default) creates none, and the
``HostedUiUrl`` output exists exactly when the domain does.

Like tests/template/test_template.py, every check is proven able to fail by a mutation
of the template text.

    .venv/bin/python -m pytest tests/template/test_user_pool_domain.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

CONDITION = "HasUserPoolDomain"
# Prefixes Cognito accepts, and prefixes it refuses (or that would make no domain).
GOOD_PREFIXES = ["", "my-app", "a", "app2-auth-" + "x" * 53]
BAD_PREFIXES = ["-app", "app-", "My-App", "my_app", "my.app", "a" * 64, " "]


def check_domain_is_created_only_with_a_prefix(text: str) -> None:
    template = t.decode(text)
    parameter = template["Parameters"]["UserPoolDomainPrefix"]
    assert parameter["Type"] == "String" and parameter["Default"] == "", "no domain unless asked for"
    pattern = parameter["AllowedPattern"]
    for prefix in GOOD_PREFIXES:
        assert re.fullmatch(pattern, prefix), f"{prefix!r} should be accepted"
    for prefix in BAD_PREFIXES:
        assert not re.fullmatch(pattern, prefix), f"{prefix!r} should be refused"
    # ... and only on the stack's own user pool (never on an adopted one, docs/adopt.md).
    assert template["Conditions"][CONDITION] == {
        "Fn::And": [{"Fn::Not": [{"Fn::Equals": [{"Ref": "UserPoolDomainPrefix"}, ""]}]}, {"Condition": "CreatesUserPool"}]
    }
    (logical_id,) = t.resources(template, "AWS::Cognito::UserPoolDomain")
    domain = template["Resources"][logical_id]
    assert domain.get("Condition") == CONDITION
    assert t.render(domain["Properties"]["UserPoolId"]) == "${UserPool}"
    assert t.render(domain["Properties"]["Domain"]) == "${UserPoolDomainPrefix}"
    assert "CustomDomainConfig" not in domain["Properties"]


def check_hosted_ui_url_output_exists_with_the_domain(text: str) -> None:
    template = t.decode(text)
    (logical_id,) = t.resources(template, "AWS::Cognito::UserPoolDomain")
    output = template["Outputs"]["HostedUiUrl"]
    assert output.get("Condition") == CONDITION, "an output of a resource that may not exist"
    assert t.render(output["Value"]) == "https://${" + logical_id + "}.auth.${AWS::Region}.amazoncognito.com"


def check_code_flow_may_request_the_api_scope(text: str) -> None:
    template = t.decode(text)
    client = t.props(template, "UserPoolClient")
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"], "the code flow (with PKCE) only"
    assert client["GenerateSecret"] is False
    assert [t.render(url) for url in client["CallbackURLs"]] == ["${OAuthCallbackUrl}"]
    (server,) = t.resources(template, "AWS::Cognito::UserPoolResourceServer").values()
    identifier = server["Properties"]["Identifier"]
    scopes = {f"{identifier}/{scope['ScopeName']}" for scope in server["Properties"]["Scopes"]}
    assert "cognito-bridge/whoami.read" in scopes
    assert scopes <= set(client["AllowedOAuthScopes"])


CHECKS = [
    check_domain_is_created_only_with_a_prefix,
    check_hosted_ui_url_output_exists_with_the_domain,
    check_code_flow_may_request_the_api_scope,
]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_user_pool_domain(check, template_text):
    check(template_text)


DOMAIN_CONDITION = "    Type: AWS::Cognito::UserPoolDomain\n    Condition: HasUserPoolDomain\n"
MUTATIONS = [
    (check_domain_is_created_only_with_a_prefix, DOMAIN_CONDITION, "    Type: AWS::Cognito::UserPoolDomain\n"),
    (check_domain_is_created_only_with_a_prefix, "  UserPoolDomainPrefix:\n    Type: String\n    Default: \"\"\n",
     "  UserPoolDomainPrefix:\n    Type: String\n    Default: cognito-bridge-auth\n"),
    (check_domain_is_created_only_with_a_prefix, '    AllowedPattern: "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)?$"\n',
     '    AllowedPattern: "^[a-z0-9-]*$"\n'),
    (check_domain_is_created_only_with_a_prefix, '  HasUserPoolDomain: !And [!Not [!Equals [!Ref UserPoolDomainPrefix, ""]], !Condition CreatesUserPool]\n',
     '  HasUserPoolDomain: !And [!Equals [!Ref UserPoolDomainPrefix, ""], !Condition CreatesUserPool]\n'),
    # A domain on an adopted pool.
    (check_domain_is_created_only_with_a_prefix, '  HasUserPoolDomain: !And [!Not [!Equals [!Ref UserPoolDomainPrefix, ""]], !Condition CreatesUserPool]\n',
     '  HasUserPoolDomain: !Not [!Equals [!Ref UserPoolDomainPrefix, ""]]\n'),
    (check_hosted_ui_url_output_exists_with_the_domain, "  HostedUiUrl:\n    Condition: HasUserPoolDomain\n", "  HostedUiUrl:\n"),
    (check_hosted_ui_url_output_exists_with_the_domain, ".auth.${AWS::Region}.amazoncognito.com\n", ".${AWS::Region}.amazoncognito.com\n"),
    (check_code_flow_may_request_the_api_scope, "      AllowedOAuthFlows: [code]\n", "      AllowedOAuthFlows: [code, implicit]\n"),
    (check_code_flow_may_request_the_api_scope, "      AllowedOAuthScopes: [openid, email, cognito-bridge/whoami.read]\n",
     "      AllowedOAuthScopes: [openid, email]\n"),
]


@pytest.mark.parametrize("check, old, new", MUTATIONS, ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)])
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    with pytest.raises(AssertionError):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
