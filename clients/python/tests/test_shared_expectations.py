"""Every shared case in events/expected/: the same answers as the Rust and Node readers."""

import pytest

from cognito_bridge_identity import NoCallerIdentity, caller_identity
from shared_fixtures import EXPECTED, cases, load

CASES = cases()


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
    else:
        assert caller_identity(load(event)).to_json() == answer, name
