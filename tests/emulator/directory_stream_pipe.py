"""EventBridge Pipes from a DynamoDB stream to an SQS queue, run as Pipes runs them.

moto stores pipes (``CreatePipe``, ``DescribePipe``, …) but never runs them, and it
runs no consumer of a DynamoDB stream but Lambda's. ``install(lock)`` starts one
background thread that does what the Pipes service does for the pipes this project
uses (idempotent):

* **Source: a DynamoDB stream** ("Amazon DynamoDB stream as a source for EventBridge
  Pipes", eb-pipes-dynamodb.html). The pipe reads the stream's records in order; with
  ``StartingPosition`` ``LATEST`` it starts at the records written after it was
  created. The records are the stream's own: ``eventID``, ``eventName``
  (``INSERT``/``MODIFY``/``REMOVE``), ``eventVersion``, ``eventSource``
  ``aws:dynamodb``, ``awsRegion``, ``eventSourceARN`` (the stream), ``dynamodb``
  (``Keys``, ``NewImage``/``OldImage`` by the stream's view type, ``SequenceNumber``,
  ``SizeBytes``, ``StreamViewType``, ``ApproximateCreationDateTime`` in epoch
  seconds).
* **Filtering** ("Event filtering in Amazon EventBridge Pipes",
  eb-pipes-event-filtering.html): each record is matched against the
  ``SourceParameters.FilterCriteria.Filters[].Pattern`` event patterns (any one
  matching lets it through; no filter lets everything through), with EventBridge's
  pattern syntax, here moto's own matcher (``moto.events.models.EventPattern``).
* **Target: an SQS queue, no input template** ("Amazon EventBridge Pipes targets",
  eb-pipes-event-target.html): each record that passes becomes one message whose body
  is the record as JSON. (The documentation shows the events a pipe receives from the
  source as a batch, an array; the function reading the queue also accepts a
  one-element array.)
* A pipe whose ``DesiredState`` is ``STOPPED`` delivers nothing.

A record written by a ``TransactWriteItems`` that moto rolls back is never delivered:
the thread reads the streams under the same lock that makes every DynamoDB request of
the emulator atomic, so it never sees a transaction half done (moto restores the
whole table, its stream included, when a transaction fails). Delivery is
asynchronous, as on AWS: within about 50 ms of the write.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

_INSTALLED = False
# pipe ARN -> the last stream sequence number delivered
_CURSORS: dict[str, int] = {}
POLL_SECONDS = 0.05


def _stream_table(stream_arn: str) -> tuple[str, str, str, str] | None:
    """(account, region, table name, stream label) of a DynamoDB stream ARN."""
    parts = stream_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "dynamodb":
        return None
    resource = parts[5].split("/")
    if len(resource) != 4 or resource[0] != "table" or resource[2] != "stream":
        return None
    return parts[4], parts[3], resource[1], resource[3]


def _record_json(record: dict, stream_arn: str, region: str) -> dict:
    """The record as a stream consumer gets it (dates as epoch seconds)."""
    out = json.loads(json.dumps(record, default=lambda value: value.timestamp() if isinstance(value, datetime) else str(value)))
    out["eventSourceARN"] = stream_arn
    out["awsRegion"] = region
    return out


def _matches(pipe: Any, record: dict) -> bool:
    from moto.events.models import EventPattern

    filters = ((pipe.source_parameters or {}).get("FilterCriteria") or {}).get("Filters") or []
    if not filters:
        return True
    return any(EventPattern.load(f.get("Pattern")).matches_event(record) for f in filters)


def _pending(lock: threading.Lock) -> list[tuple[Any, str, dict]]:
    """The records each running stream→SQS pipe has not delivered yet, read under ``lock``."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.pipes.models import pipes_backends

    out = []
    with lock:
        for _account, regions in list(pipes_backends.items()):
            for _region, backend in list(regions.items()):
                for pipe in list(backend.pipes.values()):
                    if pipe.desired_state == "STOPPED" or not str(pipe.target).startswith("arn:aws:sqs:"):
                        continue
                    source = _stream_table(str(pipe.source))
                    if source is None:
                        continue
                    account, region, table_name, label = source
                    table = dynamodb_backends[account][region].tables.get(table_name)
                    shard = getattr(table, "stream_shard", None)
                    if table is None or shard is None or table.latest_stream_label != label:
                        continue
                    last = shard.starting_sequence_number + len(shard.items) - 1
                    if pipe.arn not in _CURSORS:
                        # StartingPosition LATEST (the only one used here): records after creation.
                        _CURSORS[pipe.arn] = last
                        continue
                    first = max(0, _CURSORS[pipe.arn] + 1 - shard.starting_sequence_number)
                    for item in shard.items[first:]:
                        out.append((pipe, region, _record_json(item.to_json(), str(pipe.source), region)))
                    _CURSORS[pipe.arn] = max(_CURSORS[pipe.arn], last)
    return out


def _deliver(pipe: Any, record: dict) -> None:
    from moto.sqs.models import sqs_backends

    if not _matches(pipe, record):
        return
    _arn, _aws, _sqs, region, account, queue_name = str(pipe.target).split(":", 5)
    sqs_backends[account][region].send_message(queue_name, json.dumps(record))


def _run(lock: threading.Lock) -> None:
    while True:
        try:
            for pipe, _region, record in _pending(lock):
                _deliver(pipe, record)
        except Exception:  # noqa: BLE001 - a pipe never stops the emulator; the next round retries
            pass
        time.sleep(POLL_SECONDS)


def install(lock: threading.Lock) -> None:
    """Start running pipes (once per process); ``lock`` is the emulator's DynamoDB lock."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    threading.Thread(target=_run, args=(lock,), name="directory-stream-pipe", daemon=True).start()
