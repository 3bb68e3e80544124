"""Amazon S3's EventBridge switch and events, as S3 keeps and sends them.

``install()`` patches moto's S3 in place (idempotent). What S3 does, and where AWS
documents it:

* **GetBucketNotificationConfiguration returns ``EventBridgeConfiguration``** when
  it is set (API reference, NotificationConfiguration: "Enables delivery of events
  to Amazon EventBridge", an empty element). moto stores it but never returns it,
  so a read–merge–write of the configuration against plain moto turns EventBridge
  delivery off.
* **The events** (user guide, "EventBridge event message structure",
  ev-events.html, and "Using EventBridge", EventBridge.html):
  - ``id`` is "a UUID generated for every event" (moto sends the sample's id on every
    event); ``time`` is an ISO 8601 time, ``account``/``region``/``resources`` the
    bucket's;
  - ``detail.object`` has ``key`` (not URL-encoded), ``size`` (created objects),
    ``etag`` (lower-case; moto writes ``eTag``), ``version-id`` (versioned buckets
    only) and ``sequencer``. S3 documents the sequencer as a hexadecimal value that
    only orders the events of one key, later events having the greater value once the
    shorter string is left-padded with zeros. Here one counter serves every key, so
    each key's sequencers increase; moto sends the sample's fixed value on every
    event;
  - ``reason`` names the API: ``PutObject``, ``POST Object``, ``CopyObject``,
    ``CompleteMultipartUpload`` for "Object Created"; ``DeleteObject`` (or
    ``Lifecycle Expiration``) for "Object Deleted", which also carries
    ``deletion-type``: ``Permanently Deleted`` for an unversioned object or a
    version, ``Delete Marker Created`` when a versioned object gets a delete marker
    (moto sends ``ObjectCreated`` / ``ObjectRemoved``, no ``deletion-type``, and
    nothing at all for a delete marker);
  - "Object Tags Added" / "Object Tags Deleted" come from PutObjectTagging and
    DeleteObjectTagging (event type mapping ``s3:ObjectTagging:Put`` / ``:Delete``);
    moto also sends "Object Tags Added" after every PutObject and CopyObject, which
    is dropped here.
* Delivery is still moto's: every rule of the account's buses in the bucket's region
  whose pattern matches gets the event, and its targets (an SQS queue, say) receive
  the event as the body, as EventBridge sends it.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import string
import threading
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import unix_time
from moto.s3 import notifications
from moto.s3.models import FakeDeleteMarker, S3Backend
from moto.s3.responses import S3Response

Event = notifications.S3NotificationEvent

# "reason" by the S3 event moto raises.
REASONS = {
    Event.OBJECT_CREATED_PUT_EVENT: "PutObject",
    Event.OBJECT_CREATED_POST_EVENT: "POST Object",
    Event.OBJECT_CREATED_COPY_EVENT: "CopyObject",
    Event.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD_EVENT: "CompleteMultipartUpload",
    Event.OBJECT_REMOVED_DELETE_EVENT: "DeleteObject",
    Event.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT: "DeleteObject",
    Event.LIFECYCLEEXPIRATION_DELETE_EVENT: "Lifecycle Expiration",
    Event.LIFECYCLE_EXPIRATION_DELETE_MARKER_CREATED_EVENT: "Lifecycle Expiration",
}
DELETION_TYPES = {
    Event.OBJECT_REMOVED_DELETE_EVENT: "Permanently Deleted",
    Event.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT: "Delete Marker Created",
    Event.LIFECYCLEEXPIRATION_DELETE_EVENT: "Permanently Deleted",
    Event.LIFECYCLE_EXPIRATION_DELETE_MARKER_CREATED_EVENT: "Delete Marker Created",
}
TAG_EVENTS = {Event.OBJECT_TAGGING_PUT_EVENT, Event.OBJECT_TAGGING_DELETE_EVENT}
EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"

_sequence = itertools.count(int(datetime.now(timezone.utc).timestamp() * 1_000_000))
_sequence_lock = threading.Lock()
# Set while the request being served is PutObjectTagging / DeleteObjectTagging.
_tagging_request = threading.local()


def next_sequencer() -> str:
    """An upper-case hex value greater than every earlier one (S3's records look alike)."""
    with _sequence_lock:
        return format(next(_sequence), "018X")


def _request_id() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def eventbridge_event(account_id: str, bucket: Any, event_name: str, key: Any) -> dict:
    """The event S3 puts on the default bus for one object change."""
    detail_type = notifications._detail_type(event_name)
    obj: dict[str, Any] = {"key": key.name}
    if detail_type == "Object Created":
        obj["size"] = key.size
    obj["etag"] = key.etag.replace('"', "") if hasattr(key, "etag") else EMPTY_ETAG
    if bucket.is_versioned and key.version_id not in (None, "null"):
        obj["version-id"] = key.version_id
    obj["sequencer"] = next_sequencer()
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": obj,
        "request-id": _request_id(),
        "requester": account_id,
        "source-ip-address": "127.0.0.1",
    }
    if event_name in REASONS:
        detail["reason"] = REASONS[event_name]
    if event_name in DELETION_TYPES:
        detail["deletion-type"] = DELETION_TYPES[event_name]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": account_id,
        # A number here: moto's targets render it as ISO 8601, as EventBridge sends it.
        "time": unix_time(),
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": detail,
    }


def send_event_bridge_message(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
    """Replaces moto's sender: S3's event shape, then moto's rules and targets."""
    if event_name in TAG_EVENTS and not getattr(_tagging_request, "active", False):
        return
    try:
        from moto.events.models import events_backends

        event = eventbridge_event(account_id, bucket, event_name, key)
        backend = events_backends[account_id][bucket.region_name]
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                rule.send_to_targets(event, transform_input=False)
    except Exception:  # noqa: BLE001 - delivery is asynchronous on AWS: never fail the S3 call
        pass


def _tagging_api(original: Callable) -> Callable:
    @functools.wraps(original)
    def handler(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        _tagging_request.active = True
        try:
            return original(self, *args, **kwargs)
        finally:
            _tagging_request.active = False

    return handler


def _delete_object(original: Callable) -> Callable:
    """moto sends nothing when a versioned object gets a delete marker; S3 does."""

    @functools.wraps(original)
    def delete_object(self: S3Backend, bucket_name: str, key_name: str, version_id: str | None = None,
                      bypass: bool = False) -> Any:
        deleted, meta = original(self, bucket_name, key_name, version_id, bypass)
        if deleted and version_id is None and meta.get("delete-marker") == "true":
            bucket = self.get_bucket(bucket_name)
            marker = bucket.keys.get(key_name)
            config = bucket.notification_configuration
            if isinstance(marker, FakeDeleteMarker) and config is not None and config.event_bridge is not None:
                send_event_bridge_message(
                    self.account_id, bucket, Event.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT, marker
                )
        return deleted, meta

    return delete_object


def _get_bucket_notification(self: S3Response) -> Any:
    """moto's GetBucketNotificationConfiguration, plus EventBridgeConfiguration when set."""
    configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
    self.data["Action"] = "GetBucketNotificationConfiguration"
    if not configuration:
        return self.serialized(EmptyResult())

    def entry(item: Any, arn_key: str) -> dict[str, Any]:
        config: dict[str, Any] = {"Id": item.id, arn_key: item.arn, "Events": item.events}
        if item.filters:
            config["Filter"] = {"Key": {"FilterRules": item.filters["S3Key"]["FilterRule"]}}
        return config

    result: dict[str, Any] = {
        "TopicConfigurations": [entry(t, "TopicArn") for t in configuration.topic],
        "QueueConfigurations": [entry(q, "QueueArn") for q in configuration.queue],
        "LambdaFunctionConfigurations": [entry(f, "LambdaFunctionArn") for f in configuration.cloud_function],
    }
    if configuration.event_bridge is not None:
        result["EventBridgeConfiguration"] = {}
    return self.serialized(ActionResult(result))


_INSTALLED = False


def install() -> None:
    """Patch moto's S3 (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    notifications._send_event_bridge_message = send_event_bridge_message
    S3Response.get_bucket_notification = _get_bucket_notification
    S3Response.put_object_tagging = _tagging_api(S3Response.put_object_tagging)
    S3Response.delete_object_tagging = _tagging_api(S3Response.delete_object_tagging)
    S3Backend.delete_object = _delete_object(S3Backend.delete_object)
