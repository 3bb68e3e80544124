"""The route rules the template deploys, checked offline against the rest of the template.

The defaults of RouteScopes and RouteGroups must name routes that exist behind the Lambda
authorizer, scopes the user pool can issue (its resource server's, or Cognito's own
sign-in scope) and that the app client may request, and groups the pool has; and a scope
rule needs access tokens (TokenUse not id), or the authorizer refuses to start. The
authorizer's own parser checks the syntax (crates/authorizer/tests: the template's
defaults parse). Each check is proven able to fail by a mutation of the template text.

    .venv/bin/python -m pytest tests/template/test_route_rules.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
# In every access token of a user sign-in (InitiateAuth, SRP): not a resource server's.
SIGN_IN_SCOPE = "aws.cognito.signin.user.admin"


def rules(text: str, parameter: str) -> list[tuple[str, str, list[str]]]:
    """(method, path, values) of each rule in the parameter's default."""
    default = t.decode(text)["Parameters"][parameter]["Default"]
    parsed = []
    for rule in filter(None, (r.strip() for r in default.split(";"))):
        route, values = rule.split("=", 1)
        method, path = route.split(None, 1)
        parsed.append((method.upper(), path.strip(), [v.strip() for v in values.split(",")]))
    return parsed


def authorizer_routes(text: str) -> set[tuple[str, str]]:
    """(METHOD, path) of every route behind the Lambda authorizer, after the SAM transform."""
    body = t.openapi(text)
    routes = set()
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method != "options" and operation.get("security") != [{"AWS_IAM": []}]:
                routes.add((method.upper(), path))
    return routes


def issuable_scopes(text: str) -> set[str]:
    template = t.decode(text)
    scopes = {SIGN_IN_SCOPE}
    for logical_id in t.resources(template, "AWS::Cognito::UserPoolResourceServer"):
        server = t.props(template, logical_id)
        scopes |= {f"{server['Identifier']}/{s['ScopeName']}" for s in server["Scopes"]}
    return scopes


def check_rules_name_routes_behind_the_authorizer(text: str) -> None:
    routes = authorizer_routes(text)
    for parameter in ("RouteScopes", "RouteGroups"):
        for method, path, _ in rules(text, parameter):
            assert (method, path) in routes, f"{parameter}: {method} {path} is not an authorizer route"


def check_scope_rules_name_scopes_the_pool_issues_and_the_client_may_request(text: str) -> None:
    template = t.decode(text)
    issuable = issuable_scopes(text)
    client = t.props(template, "UserPoolClient")
    requestable = set(client["AllowedOAuthScopes"]) | {SIGN_IN_SCOPE}
    custom = 0
    for _, _, scopes in rules(text, "RouteScopes"):
        for scope in scopes:
            assert scope in issuable, f"{scope} is no resource server's scope"
            assert scope in requestable, f"the app client may not request {scope}"
            custom += scope != SIGN_IN_SCOPE
    assert custom, "the example needs a custom scope"
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"], "the code flow (PKCE), never implicit"
    assert "GenerateSecret" not in client or client["GenerateSecret"] is False
    assert t.decode(text)["Resources"]["UserPoolClient"].get("DependsOn") == "ApiResourceServer"


def check_default_scope_rules_never_admit_every_access_token(text: str) -> None:
    # aws.cognito.signin.user.admin is in every access token of a user sign-in: a rule
    # naming it would let any signed-in user through. Only resource-server scopes.
    resource_server_scopes = issuable_scopes(text) - {SIGN_IN_SCOPE}
    for method, path, scopes in rules(text, "RouteScopes"):
        assert SIGN_IN_SCOPE not in scopes, f"{method} {path}: {SIGN_IN_SCOPE} admits every access token"
        assert set(scopes) <= resource_server_scopes, f"{method} {path}: {scopes}"


def check_group_rules_name_groups_of_the_pool(text: str) -> None:
    template = t.decode(text)
    groups = {t.props(template, g)["GroupName"] for g in t.resources(template, "AWS::Cognito::UserPoolGroup")}
    for _, _, wanted in rules(text, "RouteGroups"):
        assert set(wanted) <= groups, f"{wanted} not among the pool's groups {groups}"


def check_scope_rules_come_with_access_tokens(text: str) -> None:
    parameters = t.decode(text)["Parameters"]
    assert parameters["TokenUse"]["AllowedValues"] == ["id", "access", "any"]
    if rules(text, "RouteScopes"):
        assert parameters["TokenUse"]["Default"] in ("access", "any"), "scope rules under TOKEN_USE=id never pass"


CHECKS = [
    check_rules_name_routes_behind_the_authorizer,
    check_scope_rules_name_scopes_the_pool_issues_and_the_client_may_request,
    check_group_rules_name_groups_of_the_pool,
    check_scope_rules_come_with_access_tokens,
    check_default_scope_rules_never_admit_every_access_token,
]

MUTATIONS = [
    (check_rules_name_routes_behind_the_authorizer, "Default: GET /admin/whoami=admins", "Default: GET /admin=admins"),
    (check_rules_name_routes_behind_the_authorizer, "GET /scoped/whoami=cognito-bridge", "POST /scoped/whoami=cognito-bridge"),
    (check_scope_rules_name_scopes_the_pool_issues_and_the_client_may_request, "        - ScopeName: whoami.read", "        - ScopeName: whoami.write"),
    (check_scope_rules_name_scopes_the_pool_issues_and_the_client_may_request, "[openid, email, cognito-bridge/whoami.read]", "[openid, email]"),
    (check_scope_rules_name_scopes_the_pool_issues_and_the_client_may_request, "AllowedOAuthFlows: [code]", "AllowedOAuthFlows: [code, implicit]"),
    (check_group_rules_name_groups_of_the_pool, "      GroupName: admins", "      GroupName: administrators"),
    # The default before this check: every access token passed the scope rule.
    (check_default_scope_rules_never_admit_every_access_token, "    Default: GET /scoped/whoami=cognito-bridge/whoami.read\n",
     "    Default: GET /scoped/whoami=cognito-bridge/whoami.read,aws.cognito.signin.user.admin\n"),
    (check_scope_rules_come_with_access_tokens, "    Default: any\n    AllowedValues: [id, access, any]", "    Default: id\n    AllowedValues: [id, access, any]"),
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_template(check) -> None:
    check(TEMPLATE.read_text())


@pytest.mark.parametrize("check,old,new", MUTATIONS, ids=lambda v: getattr(v, "__name__", "")[6:] or None)
def test_each_check_fails_on_a_broken_template(check, old, new) -> None:
    text = TEMPLATE.read_text()
    assert text.count(old) == 1, f"mutation anchor not unique: {old!r}"
    with pytest.raises(AssertionError):
        check(text.replace(old, new))
