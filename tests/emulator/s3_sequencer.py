"""S3 event notifications with a ``sequencer``, as S3 sends them.

S3 puts ``s3.object.sequencer`` on every event record: hexadecimal, growing with every
write of a key, comparable only between events of the same key, and of varying length
(a shorter one is the same number without leading zeros, so readers left-pad before
comparing). Consumers order a key's events and recognise repeats by it. moto 5.2 sends
none (NOTES.md), so this module patches moto's notification builder: every write that
moto notifies about (put, copy, multipart completion, delete, each key of DeleteObjects)
gets the next value of one counter shared by all keys, written as uppercase hex without
leading zeros, so that lengths differ as S3's do. One write notified to several
destinations carries the same sequencer in each.

Writes are numbered in the order moto sends their notifications, which is the order they
were stored unless two writes of the same key race each other inside moto.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.s3 import notifications

# The first sequencer: two hex digits, so that the count soon reaches three ("FF" < "100"
# only as numbers) and a reader comparing the text without padding is caught.
FIRST_SEQUENCER = 0xF0

_lock = threading.Lock()
_next = FIRST_SEQUENCER
_current = threading.local()
_installed = False


def next_sequencer() -> str:
    """The sequencer of the next write: one more than the last, in uppercase hex."""
    global _next
    with _lock:
        value = _next
        _next += 1
    return format(value, "X")


def install() -> None:
    """Patch moto's S3 notifications (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    send_event = notifications.send_event
    get_s3_event = notifications._get_s3_event

    def send_event_with_sequencer(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        _current.sequencer = next_sequencer()
        try:
            send_event(account_id, event_name, bucket, key)
        finally:
            _current.sequencer = None

    def s3_event_with_sequencer(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict:
        event = get_s3_event(event_name, bucket, key, notification_id)
        sequencer = getattr(_current, "sequencer", None) or next_sequencer()
        for record in event.get("Records", []):
            record["s3"]["object"]["sequencer"] = sequencer
            if event_name.startswith("s3:ObjectRemoved"):
                # S3's removal records carry no size (the object is gone).
                record["s3"]["object"].pop("size", None)
        return event

    notifications.send_event = send_event_with_sequencer
    notifications._get_s3_event = s3_event_with_sequencer
