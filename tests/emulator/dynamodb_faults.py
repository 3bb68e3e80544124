"""DynamoDB's contention and throttling answers, which moto never gives.

DynamoDB cancels a transaction that touches an item another request is changing at that
moment (``TransactionCanceledException`` with a ``TransactionConflict`` reason at that
item), and refuses a plain write to an item a transaction is changing
(``TransactionConflictException``). Two plain writes of one item never conflict: DynamoDB
serializes them. It also throttles (``ThrottlingException``,
``ProvisionedThroughputExceededException``). moto answers every request one after the
other and never with any of these, so code that only works because of that passes.

This module decides, per request, whether to answer with one of those errors instead of
passing it to moto:

* ``holdMs``: a write keeps the items it touches busy from its arrival until ``holdMs``
  after its answer (a transaction's two phases take that long on DynamoDB). A
  transaction that touches an item busy with any other write, and a plain write that
  touches an item busy with a transaction, conflict. 0 (the default) turns this off.
* ``conflictRate``: the chance that a write finds a transaction of someone else's on its
  first item (a link written at that moment, say).
* ``throttleRate``: the chance that any request is throttled (alternately
  ``ThrottlingException`` and ``ProvisionedThroughputExceededException``).
* ``seed``: makes the random choices repeatable.

Settings are per table (so that parallel tests keep apart), with a default for all
tables from the ``EMULATOR_DYNAMODB_FAULTS`` environment variable (the same JSON) or
``POST /_emulator/dynamodb-faults`` without ``table``. ``GET`` of the same path (with
``?table=``) returns the settings and how many faults of each kind were injected.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from werkzeug.wrappers import Response

ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
JSON_10 = "application/x-amz-json-1.0"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}
FIELDS = {"conflictRate": float, "throttleRate": float, "holdMs": float, "seed": int}


def _settings(request: Any) -> dict:
    if not isinstance(request, dict):
        raise ValueError("the settings must be a JSON object")
    unknown = set(request) - set(FIELDS) - {"table"}
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    settings = {}
    for name, kind in FIELDS.items():
        if name in request:
            value = kind(request[name])
            if name.endswith("Rate") and not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            settings[name] = value
    return settings


def _item_key(item: Any) -> str:
    """An item's identity for the busy list: its key attributes, as sent."""
    return json.dumps(item, sort_keys=True)


def touched_items(operation: str, body: dict, key_names: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(table, key) of every item a write touches, in request order. A put names its item
    only: its key is the table's key attributes (``key_names``, by table)."""

    def key_of(table: str, request: dict, put: bool) -> tuple[str, str]:
        if put:
            names = key_names.get(table, ["pk"])
            return table, _item_key({k: v for k, v in (request.get("Item") or {}).items() if k in names})
        return table, _item_key(request.get("Key"))

    if operation == "TransactWriteItems":
        return [
            key_of(request.get("TableName", ""), request, kind == "Put")
            for entry in body.get("TransactItems") or []
            for kind, request in entry.items()
        ]
    return [key_of(body.get("TableName", ""), body, operation == "PutItem")]


def items_tables(operation: str, body: dict) -> set[str]:
    """The tables a write names."""
    if operation == "TransactWriteItems":
        return {r.get("TableName", "") for e in body.get("TransactItems") or [] for r in e.values()}
    return {body.get("TableName", "")}


def _key_names(tables: set[str]) -> dict[str, list[str]]:
    """Each table's key attribute names, from moto's own table (default account)."""
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ.get("AWS_REGION", "us-east-1")]
    names = {}
    for table in tables:
        found = backend.tables.get(table)
        if found is not None:
            names[table] = [name for name in (found.hash_key_attr, found.range_key_attr) if name]
    return names


def _error(error_type: str, message: str, **extra: Any) -> Response:
    payload = {"__type": ERROR_PREFIX + error_type, "message": message, **extra}
    response = Response(json.dumps(payload), status=400, content_type=JSON_10)
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


class DynamoDbFaults:
    """The fault settings, the items busy with writes, and the count of injected faults."""

    def __init__(self, default: dict | None = None) -> None:
        self._lock = threading.Lock()
        self._default = _settings(default or {})
        self._tables: dict[str, dict] = {}
        self._random = random.Random(self._default.get("seed"))
        self._busy: dict[tuple[str, str], list[list]] = {}
        self._injected: dict[str, dict[str, int]] = {}
        self._throttles = 0

    @classmethod
    def from_env(cls) -> "DynamoDbFaults":
        text = os.environ.get("EMULATOR_DYNAMODB_FAULTS", "").strip()
        return cls(json.loads(text) if text else None)

    # -- control -------------------------------------------------------------

    def set(self, request: Any) -> dict:
        settings = _settings(request)
        with self._lock:
            table = request.get("table")
            if table is None:
                self._default = settings
                self._tables.clear()
            else:
                self._tables[str(table)] = settings
                self._injected.pop(str(table), None)
            if "seed" in settings:
                self._random = random.Random(settings["seed"])
            return self.get(table, locked=True)

    def get(self, table: str | None = None, locked: bool = False) -> dict:
        if not locked:
            with self._lock:
                return self.get(table, locked=True)
        if table is None:
            return {"default": self._default, "tables": dict(self._tables), "injected": dict(self._injected)}
        zero = {"conflicts": 0, "throttles": 0}
        return {"settings": self._tables.get(table, self._default), "injected": self._injected.get(table, zero)}

    def control(self, method: str, query: str, body: bytes) -> tuple[dict, int]:
        """``GET``/``POST /_emulator/dynamodb-faults``: (answer, status)."""
        try:
            if method == "GET":
                return self.get((parse_qs(query).get("table") or [None])[0]), 200
            if method == "POST":
                return self.set(json.loads(body or b"{}")), 200
        except (ValueError, TypeError) as error:
            return {"error": str(error)}, 400
        return {"error": f"no such control endpoint: {method} dynamodb-faults"}, 404

    # -- requests ------------------------------------------------------------

    def _for(self, table: str) -> dict:
        return self._tables.get(table, self._default)

    def _count(self, table: str, kind: str) -> None:
        counts = self._injected.setdefault(table, {"conflicts": 0, "throttles": 0})
        counts[kind] += 1

    def call(
        self,
        operation: str,
        body: Any,
        answer: Callable[[], Iterable[bytes]],
        environ: dict,
        start_response: Callable,
    ) -> Iterable[bytes]:
        """Answers with a fault, or with ``answer()`` while the items it writes are busy."""
        if not isinstance(body, dict):
            return answer()
        transact = body.get("TransactItems") or []
        table = body.get("TableName") or next((r.get("TableName") for e in transact for r in e.values()), "")
        transaction = operation == "TransactWriteItems"
        entries: list[list] = []
        with self._lock:
            settings = self._for(table)
            fault = None
            if settings.get("throttleRate") and self._random.random() < settings["throttleRate"]:
                self._count(table, "throttles")
                self._throttles += 1
                code = "ThrottlingException" if self._throttles % 2 else "ProvisionedThroughputExceededException"
                fault = _error(code, "Rate of requests exceeds the allowed throughput (injected).")
            elif operation in WRITES:
                items = touched_items(operation, body, _key_names(items_tables(operation, body)))
                conflicted = self._conflicts(items, transaction, time.monotonic())
                if not conflicted and settings.get("conflictRate") and self._random.random() < settings["conflictRate"]:
                    conflicted = [0]
                if conflicted:
                    self._count(table, "conflicts")
                    fault = self._conflict(items, conflicted, transaction)
                elif settings.get("holdMs"):
                    for item in items:
                        entry = [transaction, float("inf")]
                        self._busy.setdefault(item, []).append(entry)
                        entries.append(entry)
        if fault is not None:
            return fault(environ, start_response)
        try:
            return answer()
        finally:
            if entries:
                with self._lock:
                    until = time.monotonic() + settings["holdMs"] / 1000
                    for entry in entries:
                        entry[1] = until

    def _conflicts(self, items: list[tuple[str, str]], transaction: bool, now: float) -> list[int]:
        conflicted = []
        for index, item in enumerate(items):
            busy = [entry for entry in self._busy.get(item, []) if entry[1] > now]
            if busy:
                self._busy[item] = busy
            else:
                self._busy.pop(item, None)
            # A transaction conflicts with any write in progress; a plain write only
            # with a transaction.
            if any(transaction or entry[0] for entry in busy):
                conflicted.append(index)
        return conflicted

    @staticmethod
    def _conflict(items: list, conflicted: list[int], transaction: bool) -> Response:
        if not transaction:
            return _error("TransactionConflictException", "Transaction is ongoing for the item (injected).")
        reasons = [
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
            if index in conflicted
            else {"Code": "None"}
            for index in range(len(items))
        ]
        codes = ", ".join(reason["Code"] for reason in reasons)
        return _error(
            "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            CancellationReasons=reasons,
        )
