"""The shared cases: each sample event a handler sees, with its expected answer."""

import json
from pathlib import Path
from typing import Any, List, Tuple

EVENTS = Path(__file__).resolve().parents[3] / "events"
EXPECTED = EVENTS / "expected"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def cases() -> List[Tuple[str, Path, Path]]:
    """(name, event file, expected file) for every whoami-*/link-* event and every extra case."""
    found = []
    for event in sorted([*EVENTS.glob("whoami-*.json"), *EVENTS.glob("link-*.json")]):
        found.append((event.name, event, EXPECTED / event.name))
    for expected in sorted((EXPECTED / "extra").glob("*.expected.json")):
        name = expected.name[: -len(".expected.json")]
        found.append((f"extra/{name}", expected.with_name(f"{name}.event.json"), expected))
    return found
