"""How list values travel in request contexts, and how they read back as lists.

Pure functions over the event's own values: no I/O, nothing kept.
"""

import json
from typing import Optional, Tuple


class InvalidValue(ValueError):
    """A context value is present but not in its documented form."""


def value_text(value: object) -> str:
    """A context or claim value as text, as the Rust crate reads it.

    API Gateway passes strings; a JSON array (a hand-written or console test event's
    ``cognito:groups``) becomes its items space-joined, which :func:`claim_groups` and
    :func:`split_scopes` read back as a list.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value_text(item) for item in value)
    return json.dumps(value, separators=(",", ":"))


def claim_groups(raw: str) -> Tuple[str, ...]:
    """The ``cognito:groups`` claim as API Gateway's own authorizers pass it.

    It arrives as ``a,b`` (REST), ``a`` (one group) or ``[a b]`` (HTTP API JWT claims;
    REST too in some reports). Mirrors the Rust crate: the claim's own form cannot tell
    a comma inside a name from a separator.
    """
    inner = raw.strip().lstrip("[").rstrip("]")
    return tuple(g.strip() for g in inner.replace(",", " ").split(" ") if g.strip())


def authorizer_groups(value: object) -> Tuple[str, ...]:
    """Our authorizer's ``groups`` context value: a JSON array of strings written as one
    string, e.g. ``["ops,admins","x"]``, the one form no group name (which may hold a
    comma) can split wrongly. A list value (a hand-written test event) reads as the same
    list; a missing, null or blank value is no groups.

    Anything else, the comma-joined form of earlier authorizers included, is an
    :class:`InvalidValue`, as in the Rust crate: reading it any other way could make a
    member of ``ops,admins`` pass for a member of ``admins``.
    """
    if value is None:
        return ()
    items: object = value
    if isinstance(value, str):
        if not value.strip():
            return ()
        try:
            items = json.loads(value)
        except ValueError:
            raise InvalidValue("authorizer groups") from None
    if not isinstance(items, list) or not all(isinstance(g, str) for g in items):
        raise InvalidValue("authorizer groups")
    return tuple(items)


def split_scopes(raw: str) -> Tuple[str, ...]:
    """OAuth scopes are space-separated (the ``scope`` claim, our authorizer's ``scopes``);
    a scope never holds whitespace."""
    return tuple(raw.split())


def non_empty(text: Optional[str]) -> Optional[str]:
    """``None`` for a missing or empty value: API Gateway writes ``""`` and ``null`` alike."""
    return text if text else None
