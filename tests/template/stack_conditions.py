"""What CloudFormation makes of template.yaml for one set of parameter values, evaluated
offline: the parameters with their defaults, the Rules (which refuse a parameter set
before anything changes), the Conditions, which resources and outputs exist, and every
value with its !If resolved.

Pure functions over the decoded template (tests/template/test_template.py's decode): no
AWS, no SAM transform. Only the intrinsics the template uses in Rules and Conditions are
modelled (Ref, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition); anything else fails
loudly rather than being guessed.

    .venv/bin/python -m pytest tests/template/test_adopt_mode.py
"""

from __future__ import annotations

import re
from typing import Any

NO_VALUE = {"Ref": "AWS::NoValue"}

# Adopt-mode parameter values of the right shapes (never deployed: offline checks only).
EXISTING = {
    "ExistingUserPoolId": "us-east-1_AbCdEf123",
    "ExistingUserPoolClientIds": "1example23456789abcdefghij,2example23456789abcdefghij",
    "ExistingIdentityPoolId": "us-east-1:1f0c7a52-5d8e-4f7b-9c1e-2a7b6d0e4c11",
    "ExistingAuthenticatedRoleName": "team-app-authenticated",
    "ExistingBucketName": "team-app-uploads",
    "ExistingRestApiId": "a1b2c3d4e5",
}
IDENTITY_PARAMETERS = ("ExistingUserPoolId", "ExistingUserPoolClientIds", "ExistingIdentityPoolId", "ExistingAuthenticatedRoleName")

# The parameter sets the stack serves, by name: every Existing* empty; the team's user
# pool, clients, identity pool and role (with the stack's own bucket); all of the team's.
MODES = {
    "create": {},
    "adopt-identity": {k: EXISTING[k] for k in IDENTITY_PARAMETERS},
    "adopt": dict(EXISTING),
}


def parameters(template: dict, overrides: dict | None = None) -> dict:
    """Every parameter's value: its Default, replaced by overrides (names must exist)."""
    declared = template.get("Parameters", {})
    unknown = set(overrides or {}) - set(declared)
    assert not unknown, f"no such parameters: {sorted(unknown)}"
    values = {name: p["Default"] for name, p in declared.items() if "Default" in p}
    values.update(overrides or {})
    missing = set(declared) - set(values)
    assert not missing, f"parameters without a value: {sorted(missing)}"
    return values


def _value(expression: Any, params: dict, conditions: dict | None, template: dict) -> Any:
    if isinstance(expression, (str, int, float, bool)):
        return expression
    if isinstance(expression, list):
        return [_value(e, params, conditions, template) for e in expression]
    if isinstance(expression, dict) and len(expression) == 1:
        ((fn, arg),) = expression.items()
        if fn == "Ref":
            assert arg in params, f"Ref {arg} is not a parameter"
            return params[arg]
        if fn == "Fn::Equals":
            left, right = (_value(a, params, conditions, template) for a in arg)
            return str(left) == str(right)
        if fn == "Fn::Not":
            (inner,) = arg
            return not _value(inner, params, conditions, template)
        if fn == "Fn::And":
            return all(_value(a, params, conditions, template) for a in arg)
        if fn == "Fn::Or":
            return any(_value(a, params, conditions, template) for a in arg)
        if fn == "Fn::Split":  # SeveralOrigins
            delimiter, text = arg
            return str(_value(text, params, conditions, template)).split(delimiter)
        if fn == "Fn::Select":
            index, items = arg
            return _value(items, params, conditions, template)[int(index)]
        if fn == "Fn::Sub" and isinstance(arg, str):
            return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: str(params[m.group(1)]), arg)
        if fn == "Condition":
            assert conditions is not None, "Condition in a rule"
            return _condition(arg, params, conditions, template)
    raise AssertionError(f"cannot evaluate {expression!r} offline")


def _condition(name: str, params: dict, conditions: dict, template: dict) -> bool:
    if name not in conditions:
        assert name in template.get("Conditions", {}), f"no condition {name}"
        conditions[name] = None  # in progress: a cycle is a template error
        conditions[name] = bool(_value(template["Conditions"][name], params, conditions, template))
    assert conditions[name] is not None, f"condition {name} refers to itself"
    return conditions[name]


def conditions(template: dict, overrides: dict | None = None) -> dict[str, bool]:
    """Every condition's value for the parameter set (defaults plus overrides)."""
    params = parameters(template, overrides)
    evaluated: dict = {}
    for name in template.get("Conditions", {}):
        _condition(name, params, evaluated, template)
    return evaluated


def true_conditions(template: dict, overrides: dict | None = None) -> frozenset[str]:
    return frozenset(name for name, holds in conditions(template, overrides).items() if holds)


def rule_failures(template: dict, overrides: dict | None = None) -> list[str]:
    """The AssertDescription of every assertion that refuses the parameter set, in order
    (empty: CloudFormation accepts it)."""
    params = parameters(template, overrides)
    failures = []
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not _value(rule["RuleCondition"], params, None, template):
            continue
        for assertion in rule["Assertions"]:
            if not _value(assertion["Assert"], params, None, template):
                failures.append(assertion.get("AssertDescription", name))
    return failures


def resolved(value: Any, holding: frozenset[str]) -> Any:
    """value with every !If resolved (conditions named in holding are true, the others
    false) and !Ref AWS::NoValue dropped from lists and mappings."""
    if isinstance(value, list):
        items = [resolved(v, holding) for v in value]
        return [v for v in items if v != NO_VALUE]
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            condition, when_true, when_false = value["Fn::If"]
            return resolved(when_true if condition in holding else when_false, holding)
        items = {k: resolved(v, holding) for k, v in value.items()}
        return {k: v for k, v in items.items() if v != NO_VALUE}
    return value


def present(section: dict, holding: frozenset[str]) -> dict:
    """The resources (or outputs) of a section that exist, each with its !If resolved."""
    return {
        logical_id: resolved(entry, holding)
        for logical_id, entry in section.items()
        if "Condition" not in entry or entry["Condition"] in holding
    }


_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def references(value: Any) -> set[str]:
    """The names value refers to: !Ref targets, !GetAtt resources, !Sub ${Name} and
    ${Name.Attribute} (not ${!literal}, not a !Sub's own variables)."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= references(v)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref":
                return {arg}
            if fn == "Fn::GetAtt":
                return {arg[0] if isinstance(arg, list) else arg.split(".")[0]}
            if fn == "Fn::Sub":
                text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                names = {m.split(".")[0] for m in _SUB_NAME.findall(text)} - set(local)
                return names | references(local)
        for v in value.values():
            found |= references(v)
    return found
