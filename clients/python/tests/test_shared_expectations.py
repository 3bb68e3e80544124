"""Every shared case in events/expected/: the same answers as the Rust and Node readers."""

import json
from typing import Any, Dict

import pytest

from cognito_bridge_identity import NoCallerIdentity, caller_identity
from shared_fixtures import EXPECTED, cases, load

CASES = cases()

#: Handler events whose groups may still be in the comma-joined form until the group
#: change to events/ lands at merge (the contract being changed): this reader refuses
#: that form, and must give the shared answer for the same event in the JSON array form.
EVENTS_BEING_CHANGED = {"whoami-rest-lambda-authorizer.json", "whoami-http-api-lambda-authorizer.json"}


def _authorizer_context(event: Dict[str, Any]) -> Dict[str, Any]:
    authorizer: Dict[str, Any] = event["requestContext"]["authorizer"]
    return authorizer.get("lambda", authorizer)


def test_every_handler_event_and_extra_case_has_an_answer() -> None:
    names = [name for name, _, _ in CASES]
    assert "whoami-rest-lambda-authorizer.json" in names and "link-http-api-iam.json" in names
    assert len([n for n in names if n.startswith("extra/")]) >= 9
    for name, event, expected in CASES:
        assert event.is_file(), f"{name}: no event {event.name}"
        assert expected.is_file(), f"{name}: no expected answer in {EXPECTED.name}/"


@pytest.mark.parametrize("name,event,expected", CASES, ids=[c[0] for c in CASES])
def test_reads_the_shared_answer(name: str, event, expected) -> None:
    answer = load(expected)
    if "error" in answer:
        with pytest.raises(NoCallerIdentity) as raised:
            caller_identity(load(event))
        assert raised.value.reason == answer["error"], name
        assert raised.value.status == (401 if answer["error"] == "no_identity" else 403)
        return
    read = load(event)
    groups = _authorizer_context(read).get("groups") if name in EVENTS_BEING_CHANGED else None
    if isinstance(groups, str) and not groups.lstrip().startswith("["):
        with pytest.raises(NoCallerIdentity, match="invalid authorizer groups"):
            caller_identity(read)
        _authorizer_context(read)["groups"] = json.dumps(answer["groups"])
    assert caller_identity(read).to_json() == answer, name
