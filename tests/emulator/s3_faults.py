"""S3's throttling and internal-error answers, which moto never gives.

S3 answers ``503 SlowDown`` ("Please reduce your request rate.") when a prefix takes more
requests than it can serve at that moment, and ``500 InternalError`` now and then; SDKs
retry both, a few times. Code that pages through a folder must survive them part-way
through: fail with a retryable error once the retries are spent, and resume later. moto
answers every request, so that path is never taken against it alone.

A fault is armed per bucket and S3 operation:

* ``operation``: the S3 API operation the request is (``ListObjectsV2``,
  ``ListObjectVersions``, ``GetObjectTagging``, ``PutObjectTagging``,
  ``DeleteObjectTagging``, ``DeleteObject``, ``DeleteObjects``, ``PutObject``,
  ``GetObject``, ``HeadObject``), told from the method, the path (path-style or
  virtual-hosted) and the query, as S3 does;
* ``after``: how many matching requests are answered normally first (default 0), so a
  fault strikes part-way through a folder;
* ``count``: how many requests are then faulted (each SDK attempt uses one); without it,
  every later one, until the fault is cleared;
* ``kind``: ``slowdown`` (503 ``SlowDown``, the default) or ``internal``
  (500 ``InternalError``).

``POST /_emulator/s3-faults`` arms one (replacing any for the same bucket and operation),
``GET`` lists them with how many requests each saw and faulted, ``DELETE`` clears them
(``?bucket=`` only that bucket's).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Response

KINDS = {
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "internal": (500, "InternalError", "We encountered an internal error. Please try again."),
}
OPERATIONS = {
    "ListObjectsV2", "ListObjects", "ListObjectVersions", "GetObjectTagging", "PutObjectTagging",
    "DeleteObjectTagging", "DeleteObject", "DeleteObjects", "PutObject", "GetObject", "HeadObject",
}


def bucket_and_key(path: str, host: str) -> tuple[str, str]:
    """(bucket, key) of a request: virtual-hosted on the emulator's name
    (``<bucket>.localhost``) or path-style (an IP address or ``localhost``)."""
    name = host.split(":")[0]
    if name.endswith(".localhost"):
        return name[: -len(".localhost")], unquote(path.lstrip("/"))
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, unquote(key)


def operation_of(method: str, key: str, query: str) -> str | None:
    """The S3 operation a request is, from its method, key and query; None for others."""
    params = parse_qs(query, keep_blank_values=True)
    if not key:
        if method == "GET" and "versions" in params:
            return "ListObjectVersions"
        if method == "GET" and params.get("list-type") == ["2"]:
            return "ListObjectsV2"
        if method == "GET" and not set(params) - {"prefix", "delimiter", "marker", "max-keys", "encoding-type"}:
            return "ListObjects"
        if method == "POST" and "delete" in params:
            return "DeleteObjects"
        return None
    if "tagging" in params:
        return {"GET": "GetObjectTagging", "PUT": "PutObjectTagging", "DELETE": "DeleteObjectTagging"}.get(method)
    if set(params) - {"versionId", "x-id"}:
        return None
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(method)


def _rule(request: Any) -> dict:
    if not isinstance(request, dict):
        raise ValueError("the fault must be a JSON object")
    unknown = set(request) - {"bucket", "operation", "after", "count", "kind"}
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    bucket, operation = request.get("bucket"), request.get("operation")
    if not isinstance(bucket, str) or not bucket:
        raise ValueError("'bucket' must name a bucket")
    if operation not in OPERATIONS:
        raise ValueError(f"'operation' must be one of {sorted(OPERATIONS)}")
    kind = request.get("kind", "slowdown")
    if kind not in KINDS:
        raise ValueError(f"'kind' must be one of {sorted(KINDS)}")
    rule = {"bucket": bucket, "operation": operation, "kind": kind, "after": 0, "count": None}
    for name in ("after", "count"):
        if request.get(name) is not None:
            value = request[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"'{name}' must be a whole number, 0 or more")
            rule[name] = value
    rule.update(seen=0, injected=0)
    return rule


def _error(kind: str, resource: str) -> Response:
    status, code, message = KINDS[kind]
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}</Resource>"
        f"<RequestId>{request_id}</RequestId><HostId>injected</HostId></Error>"
    )
    response = Response(body, status=status, content_type="application/xml")
    response.headers["x-amz-request-id"] = request_id
    response.headers["x-amz-id-2"] = "injected"
    return response


class S3Faults:
    """The armed faults, each with the requests it saw and faulted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[tuple[str, str], dict] = {}

    def arm(self, request: Any) -> dict:
        rule = _rule(request)
        with self._lock:
            self._rules[(rule["bucket"], rule["operation"])] = rule
            return dict(rule)

    def get(self) -> dict:
        with self._lock:
            return {"faults": [dict(rule) for rule in self._rules.values()]}

    def clear(self, bucket: str | None = None) -> dict:
        with self._lock:
            for key in [k for k in self._rules if bucket is None or k[0] == bucket]:
                del self._rules[key]
        return self.get()

    def control(self, method: str, query: str, body: bytes) -> tuple[dict, int]:
        """``GET``/``POST``/``DELETE /_emulator/s3-faults``: (answer, status)."""
        try:
            if method == "GET":
                return self.get(), 200
            if method == "POST":
                return self.arm(json.loads(body or b"{}")), 200
            if method == "DELETE":
                return self.clear((parse_qs(query).get("bucket") or [None])[0]), 200
        except (ValueError, TypeError) as error:
            return {"error": str(error)}, 400
        return {"error": f"no such control endpoint: {method} s3-faults"}, 404

    def fault_for(self, environ: dict) -> tuple[Response, str] | None:
        """The fault this S3 request gets, with its error code, or None to pass it on."""
        if not self._rules:
            return None
        path = environ.get("PATH_INFO", "")
        bucket, key = bucket_and_key(path, environ.get("HTTP_HOST", ""))
        operation = operation_of(environ.get("REQUEST_METHOD", "GET"), key, environ.get("QUERY_STRING", ""))
        with self._lock:
            rule = self._rules.get((bucket, operation or ""))
            if rule is None:
                return None
            rule["seen"] += 1
            if rule["seen"] <= rule["after"] or (rule["count"] is not None and rule["injected"] >= rule["count"]):
                return None
            rule["injected"] += 1
            kind = rule["kind"]
        return _error(kind, path), KINDS[kind][1]
