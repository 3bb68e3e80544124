"""IAM policy evaluation for the credentials the emulator issues.

moto enforces no IAM, so locally nothing would stop one signed-in user from reading
another's private folder. The emulator scopes the credentials it hands out with
GetCredentialsForIdentity by the policies of the identity pool's role (created in
moto's IAM from template.yaml by create_local_stack.py). This module is the pure part:

* :func:`s3_request` and :func:`dynamodb_requests` turn an HTTP request into what IAM
  authorizes: one or more (action, resource ARN, condition context) triples;
* :func:`evaluate` decides one of them against a list of policy statements, the way
  IAM does for identity-based policies: an explicit Deny wins, else an Allow must
  match, else it is denied.

What is evaluated: ``Action``/``NotAction`` (``*`` and ``?``, case-insensitive),
``Resource``/``NotResource`` (``*`` and ``?``, ARN segment by segment), policy variables
(``${cognito-identity.amazonaws.com:sub}`` and the other keys of the request context, plus
``${*}``, ``${?}``, ``${$}``), and the condition operators String*, Arn*, Bool and Null,
with ``ForAllValues:``/``ForAnyValue:`` and ``...IfExists``. A condition on a key this
module does not compute, or an operator it does not know, raises
:class:`UnsupportedPolicy`: the emulator answers that loudly rather than guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qs, unquote
from xml.etree import ElementTree


class UnsupportedPolicy(Exception):
    """The policy uses something this evaluator cannot decide faithfully."""


@dataclass(frozen=True)
class Authorization:
    """One thing IAM authorizes: an action on a resource, with the request's context.

    ``context`` maps condition keys to their values (a list; single-valued keys have one);
    a key that is absent is absent from the request. ``known`` names the keys this request
    defines, present or not: a condition on any other key is :class:`UnsupportedPolicy`.
    """

    action: str
    resource: str
    context: Mapping[str, list[str]] = field(default_factory=dict)
    known: frozenset[str] = frozenset()


# --------------------------------------------------------------------------
# Patterns: wildcards and policy variables
# --------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _Unresolved(Exception):
    """A policy variable with no value in the request: the statement does not apply."""


def _substitute(text: str, variables: Mapping[str, list[str]], wildcards: bool) -> str:
    """A regular expression for ``text`` (wildcards on) or the literal string (off)."""
    out: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        out.append(_literal_part(text[position:match.start()], wildcards))
        name = match.group(1)
        if name in ("*", "?", "$"):
            value = name
        else:
            # A default value (`${key, 'default'}`) is not supported: say so.
            if "," in name:
                raise UnsupportedPolicy(f"policy variable with a default value: ${{{name}}}")
            values = variables.get(name)
            if not values or len(values) != 1:
                # Multi-valued keys cannot be variables; a missing one leaves the
                # statement unresolved.
                raise _Unresolved(name)
            value = values[0]
        out.append(re.escape(value) if wildcards else value)
        position = match.end()
    out.append(_literal_part(text[position:], wildcards))
    return "".join(out)


def _literal_part(text: str, wildcards: bool) -> str:
    if not wildcards:
        return text
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def _like(pattern: str, value: str, variables: Mapping[str, list[str]], ignore_case: bool = False) -> bool:
    regex = _substitute(pattern, variables, wildcards=True)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _arn_like(pattern: str, arn: str, variables: Mapping[str, list[str]]) -> bool:
    """ARN matching: the first five segments one by one, the resource part whole."""
    if pattern == "*":
        return True
    wanted = pattern.split(":", 5)
    actual = arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return _like(pattern, arn, variables)
    return all(_like(w, a, variables) for w, a in zip(wanted, actual))


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def statements_of(documents: Iterable[str | dict]) -> list[dict]:
    """Every statement of the given policy documents (JSON text or parsed)."""
    statements: list[dict] = []
    for document in documents:
        parsed = json.loads(document) if isinstance(document, str) else document
        statements.extend(_listed(parsed.get("Statement", [])))
    return statements


def _matches_action(statement: dict, action: str) -> bool:
    if "Action" in statement:
        return any(_like(a, action, {}, ignore_case=True) for a in _listed(statement["Action"]))
    if "NotAction" in statement:
        return not any(_like(a, action, {}, ignore_case=True) for a in _listed(statement["NotAction"]))
    return False


def _matches_resource(statement: dict, resource: str, variables: Mapping[str, list[str]]) -> bool:
    if "Resource" in statement:
        return any(_arn_like(r, resource, variables) for r in _listed(statement["Resource"]))
    if "NotResource" in statement:
        return not any(_arn_like(r, resource, variables) for r in _listed(statement["NotResource"]))
    return False


_STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (negated, like, ignore case)
    "StringNotEquals": (True, False, False),
    "StringEqualsIgnoreCase": (False, False, True),
    "StringNotEqualsIgnoreCase": (True, False, True),
    "StringLike": (False, True, False),
    "StringNotLike": (True, True, False),
    "ArnEquals": (False, "arn", False),
    "ArnLike": (False, "arn", False),
    "ArnNotEquals": (True, "arn", False),
    "ArnNotLike": (True, "arn", False),
}


def _value_matches(operator: str, wanted: str, value: str, variables: Mapping[str, list[str]]) -> bool:
    """Whether one request value matches one policy value, before negation."""
    _, like, ignore_case = _STRING_OPERATORS[operator]
    if like == "arn":
        return _arn_like(wanted, value, variables)
    if like:
        return _like(wanted, value, variables, ignore_case)
    literal = _substitute(wanted, variables, wildcards=False)
    return literal.lower() == value.lower() if ignore_case else literal == value


def _condition_holds(operator_name: str, key: str, wanted: list, request: Authorization) -> bool:
    """One operator on one key, as IAM evaluates it."""
    # Every request of a session carries its principal tags (or lacks the key).
    if key not in request.known and not key.startswith(PRINCIPAL_TAG):
        raise UnsupportedPolicy(f"condition on {key!r}, a key the emulator does not compute for {request.action}")
    values = request.context.get(key)
    present = values is not None
    qualifier, _, operator = operator_name.rpartition(":")
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    if if_exists:
        operator = operator[: -len("IfExists")]
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnsupportedPolicy(f"condition qualifier {qualifier!r}")
    wanted = [str(w).lower() if isinstance(w, bool) else str(w) for w in wanted]

    if operator == "Null":
        if qualifier:
            raise UnsupportedPolicy("Null with a set qualifier")
        return any((w.lower() == "true") == (not present) for w in wanted)
    if if_exists and not present:
        return True
    if operator == "Bool":
        if qualifier:
            raise UnsupportedPolicy("Bool with a set qualifier")
        if not present:
            return False
        return any(v.lower() == w.lower() for v in values for w in wanted)
    if operator not in _STRING_OPERATORS:
        raise UnsupportedPolicy(f"condition operator {operator_name!r}")
    negated = _STRING_OPERATORS[operator][0]

    def one(value: str) -> bool:
        hit = any(_value_matches(operator, w, value, request.context) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        # True when every request value matches, and when the key is absent.
        return all(one(v) for v in values or [])
    if qualifier == "ForAnyValue":
        return present and any(one(v) for v in values)
    if not present:
        # A missing key: positive operators fail, negated ones hold.
        return negated
    return all(one(v) for v in values) if negated else any(one(v) for v in values)


def _matches_conditions(statement: dict, request: Authorization) -> bool:
    for operator_name, keys in (statement.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _condition_holds(operator_name, key, _listed(wanted), request):
                return False
    return True


def _applies(statement: dict, request: Authorization) -> bool:
    try:
        return (
            _matches_action(statement, request.action)
            and _matches_resource(statement, request.resource, request.context)
            and _matches_conditions(statement, request)
        )
    except _Unresolved:
        return False


def evaluate(statements: list[dict], request: Authorization) -> bool:
    """Whether identity-based ``statements`` allow ``request``."""
    allowed = False
    for statement in statements:
        if not _applies(statement, request):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def first_denied(statements: list[dict], requests: Iterable[Authorization]) -> Authorization | None:
    """The first of ``requests`` the statements do not allow, if any."""
    for request in requests:
        if not evaluate(statements, request):
            return request
    return None


def principal_matches(statement: dict, federated: str) -> bool:
    """Whether a trust statement's Principal names the federated provider."""
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return federated in _listed(principal.get("Federated", []))


def trust_allows(document: str | dict, federated: str, request: Authorization) -> bool:
    """Whether a role's trust policy lets ``federated`` assume it for ``request``."""
    # A trust policy has no Resource: the role it belongs to is the resource.
    statements = [{"Resource": "*", **s} for s in statements_of([document]) if principal_matches(s, federated)]
    return evaluate(statements, request)


# --------------------------------------------------------------------------
# The request context every request carries
# --------------------------------------------------------------------------

# The prefix of a session's principal tags in the request context.
PRINCIPAL_TAG = "aws:PrincipalTag/"

GLOBAL_KEYS = frozenset(
    {
        "aws:SecureTransport",
        "aws:PrincipalAccount",
        "aws:RequestedRegion",
        "cognito-identity.amazonaws.com:sub",
        "cognito-identity.amazonaws.com:aud",
        "cognito-identity.amazonaws.com:amr",
    }
)


def principal_context(identity_id: str, identity_pool_id: str, account_id: str, logins: list[str],
                      authenticated: bool, principal_tags: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The keys of a Cognito identity's session, as IAM sees them: with the session's
    principal tags as ``aws:PrincipalTag/<key>`` (a condition key and a policy variable)."""
    amr = (["authenticated"] + [login.split(":CognitoSignIn:", 1)[0] for login in logins] + logins) if authenticated else ["unauthenticated"]
    return {
        "aws:PrincipalAccount": [account_id],
        "cognito-identity.amazonaws.com:sub": [identity_id],
        "cognito-identity.amazonaws.com:aud": [identity_pool_id],
        "cognito-identity.amazonaws.com:amr": list(dict.fromkeys(amr)),
        **{f"{PRINCIPAL_TAG}{key}": [value] for key, value in (principal_tags or {}).items()},
    }


# --------------------------------------------------------------------------
# S3: an HTTP request -> actions on resources
# --------------------------------------------------------------------------

# Bucket subresources (query parameters) and the action each needs, by method.
_BUCKET_GET = {
    "acl": "GetBucketAcl", "cors": "GetBucketCORS", "policy": "GetBucketPolicy",
    "policyStatus": "GetBucketPolicyStatus", "location": "GetBucketLocation",
    "logging": "GetBucketLogging", "notification": "GetBucketNotification",
    "tagging": "GetBucketTagging", "versioning": "GetBucketVersioning",
    "website": "GetBucketWebsite", "lifecycle": "GetLifecycleConfiguration",
    "encryption": "GetEncryptionConfiguration", "publicAccessBlock": "GetBucketPublicAccessBlock",
    "ownershipControls": "GetBucketOwnershipControls", "object-lock": "GetBucketObjectLockConfiguration",
    "replication": "GetReplicationConfiguration", "accelerate": "GetAccelerateConfiguration",
    "requestPayment": "GetBucketRequestPayment", "uploads": "ListBucketMultipartUploads",
    "versions": "ListBucketVersions", "inventory": "GetInventoryConfiguration",
    "analytics": "GetAnalyticsConfiguration", "metrics": "GetMetricsConfiguration",
    "intelligent-tiering": "GetIntelligentTieringConfiguration",
}
_BUCKET_PUT = {
    "acl": "PutBucketAcl", "cors": "PutBucketCORS", "policy": "PutBucketPolicy",
    "logging": "PutBucketLogging", "notification": "PutBucketNotification",
    "tagging": "PutBucketTagging", "versioning": "PutBucketVersioning",
    "website": "PutBucketWebsite", "lifecycle": "PutLifecycleConfiguration",
    "encryption": "PutEncryptionConfiguration", "publicAccessBlock": "PutBucketPublicAccessBlock",
    "ownershipControls": "PutBucketOwnershipControls", "object-lock": "PutBucketObjectLockConfiguration",
    "replication": "PutReplicationConfiguration", "accelerate": "PutAccelerateConfiguration",
    "requestPayment": "PutBucketRequestPayment", "inventory": "PutInventoryConfiguration",
    "analytics": "PutAnalyticsConfiguration", "metrics": "PutMetricsConfiguration",
    "intelligent-tiering": "PutIntelligentTieringConfiguration",
}
_BUCKET_DELETE = {
    "cors": "PutBucketCORS", "policy": "DeleteBucketPolicy", "tagging": "PutBucketTagging",
    "website": "DeleteBucketWebsite", "lifecycle": "PutLifecycleConfiguration",
    "encryption": "PutEncryptionConfiguration", "publicAccessBlock": "PutBucketPublicAccessBlock",
    "ownershipControls": "PutBucketOwnershipControls", "replication": "PutReplicationConfiguration",
    "inventory": "PutInventoryConfiguration", "analytics": "PutAnalyticsConfiguration",
    "metrics": "PutMetricsConfiguration", "intelligent-tiering": "PutIntelligentTieringConfiguration",
}
_OBJECT_GET = {
    "tagging": ("GetObjectTagging", "GetObjectVersionTagging"),
    "acl": ("GetObjectAcl", "GetObjectVersionAcl"),
    "attributes": ("GetObjectAttributes", "GetObjectVersionAttributes"),
    "retention": ("GetObjectRetention", "GetObjectRetention"),
    "legal-hold": ("GetObjectLegalHold", "GetObjectLegalHold"),
    "torrent": ("GetObjectTorrent", "GetObjectVersionTorrent"),
    "uploadId": ("ListMultipartUploadParts", "ListMultipartUploadParts"),
}
_OBJECT_PUT = {
    "tagging": ("PutObjectTagging", "PutObjectVersionTagging"),
    "acl": ("PutObjectAcl", "PutObjectVersionAcl"),
    "retention": ("PutObjectRetention", "PutObjectRetention"),
    "legal-hold": ("PutObjectLegalHold", "PutObjectLegalHold"),
}
_OBJECT_DELETE = {
    "tagging": ("DeleteObjectTagging", "DeleteObjectVersionTagging"),
    "uploadId": ("AbortMultipartUpload", "AbortMultipartUpload"),
}
# An action name no policy grants but `s3:*` or `*`: what the emulator cannot classify.
UNMAPPED = "UnclassifiedRequest"

S3_KEYS = GLOBAL_KEYS | {"s3:prefix", "s3:delimiter", "s3:max-keys"}


def _subresource(query: Mapping[str, list[str]], table: Mapping[str, Any]) -> str | None:
    return next((name for name in table if name in query), None)


def s3_operation(method: str, bucket: str, key: str, query: Mapping[str, list[str]],
                 headers: Mapping[str, str], body: bytes = b"") -> list[tuple[str, str]]:
    """The (action, resource ARN) pairs an S3 request needs, without the ``s3:`` prefix."""
    method = method.upper()
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if not bucket:
        return [("ListAllMyBuckets", "*")] if method == "GET" else [(UNMAPPED, "*")]
    if not key:
        if method in ("GET", "HEAD"):
            if method == "HEAD":
                return [("ListBucket", bucket_arn)]
            sub = _subresource(query, _BUCKET_GET)
            return [(_BUCKET_GET[sub] if sub else "ListBucket", bucket_arn)]
        if method == "PUT":
            sub = _subresource(query, _BUCKET_PUT)
            return [(_BUCKET_PUT[sub] if sub else "CreateBucket", bucket_arn)]
        if method == "DELETE":
            sub = _subresource(query, _BUCKET_DELETE)
            return [(_BUCKET_DELETE[sub] if sub else "DeleteBucket", bucket_arn)]
        if method == "POST" and "delete" in query:
            # DeleteObjects: s3:DeleteObject on every key it names.
            keys = _delete_objects_keys(body)
            return [("DeleteObject", f"{bucket_arn}/{k}") for k in keys] or [("DeleteObject", f"{bucket_arn}/*")]
        return [(UNMAPPED, bucket_arn)]

    object_arn = f"{bucket_arn}/{key}"
    versioned = "versionId" in query
    if method in ("GET", "HEAD"):
        sub = _subresource(query, _OBJECT_GET) if method == "GET" else None
        if sub:
            return [(_OBJECT_GET[sub][1 if versioned else 0], object_arn)]
        return [("GetObjectVersion" if versioned else "GetObject", object_arn)]
    if method == "PUT":
        sub = _subresource(query, _OBJECT_PUT)
        if sub:
            return [(_OBJECT_PUT[sub][1 if versioned else 0], object_arn)]
        needed = [("PutObject", object_arn)]  # PutObject, UploadPart, CopyObject, UploadPartCopy
        source = _copy_source(headers)
        if source:
            needed.append(source)
        return needed
    if method == "POST":
        if "uploads" in query or "uploadId" in query:
            return [("PutObject", object_arn)]  # CreateMultipartUpload, CompleteMultipartUpload
        if "restore" in query:
            return [("RestoreObject", object_arn)]
        if "select" in query:
            return [("GetObject", object_arn)]
        return [(UNMAPPED, object_arn)]
    if method == "DELETE":
        sub = _subresource(query, _OBJECT_DELETE)
        if sub:
            return [(_OBJECT_DELETE[sub][1 if versioned else 0], object_arn)]
        return [("DeleteObjectVersion" if versioned else "DeleteObject", object_arn)]
    return [(UNMAPPED, object_arn)]


def _copy_source(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """CopyObject and UploadPartCopy also read their source: s3:GetObject(Version) on it."""
    source = next((v for k, v in headers.items() if k.lower() == "x-amz-copy-source"), None)
    if not source:
        return None
    path, _, query = source.partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    action = "GetObjectVersion" if "versionId" in parse_qs(query) else "GetObject"
    return action, f"arn:aws:s3:::{bucket}/{key}"


def _delete_objects_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Key"]


def s3_request(method: str, bucket: str, key: str, query: Mapping[str, list[str]],
               headers: Mapping[str, str], body: bytes, principal: Mapping[str, list[str]],
               region: str, secure: bool) -> list[Authorization]:
    """What IAM authorizes for one S3 request of the given principal."""
    context: dict[str, list[str]] = dict(principal)
    context["aws:SecureTransport"] = ["true" if secure else "false"]
    context["aws:RequestedRegion"] = [region]
    requests = []
    for action, resource in s3_operation(method, bucket, key, query, headers, body):
        keys = dict(context)
        if action == "ListBucket":
            for name in ("prefix", "delimiter", "max-keys"):
                if name in query:
                    keys[f"s3:{name}"] = [query[name][0]]
        requests.append(Authorization(f"s3:{action}", resource, keys, S3_KEYS))
    return requests


# --------------------------------------------------------------------------
# DynamoDB: a JSON request -> actions on tables, with their leading keys
# --------------------------------------------------------------------------

DYNAMODB_KEYS = GLOBAL_KEYS | {"dynamodb:LeadingKeys"}
# Operations whose partition keys sit in `Key` (or `Item`).
_ITEM_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}
_TRANSACT_PARTS = {"Get": "GetItem", "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem"}


def _attribute_text(value: Any) -> str | None:
    """A key attribute value as IAM compares it (its S, N or B text)."""
    if isinstance(value, dict) and len(value) == 1:
        (kind, text), = value.items()
        if kind in ("S", "N", "B") and isinstance(text, str):
            return text
    return None


def _leading_key(item: Any, partition_key: str | None) -> list[str] | None:
    if not isinstance(item, dict) or not partition_key:
        return None
    text = _attribute_text(item.get(partition_key))
    return [text] if text is not None else None


def dynamodb_requests(operation: str, body: Any, partition_key_of, principal: Mapping[str, list[str]],
                      region: str, account_id: str, secure: bool) -> list[Authorization]:
    """What IAM authorizes for one DynamoDB request.

    ``partition_key_of(table)`` gives a table's partition key attribute name (or None
    when there is no such table). ``dynamodb:LeadingKeys`` is computed for item
    operations (and each item of a transaction or batch); for Query it is not, so a
    policy that allows Query under a LeadingKeys condition is :class:`UnsupportedPolicy`.
    """
    body = body if isinstance(body, dict) else {}
    by_name = partition_key_of

    def partition_key_of(table: Any) -> str | None:  # noqa: F811 - by name or by ARN
        name = table.split(":table/", 1)[-1] if isinstance(table, str) and table.startswith("arn:") else table
        return by_name(name)

    context: dict[str, list[str]] = dict(principal)
    context["aws:SecureTransport"] = ["true" if secure else "false"]
    context["aws:RequestedRegion"] = [region]

    def table_arn(name: Any, index: Any = None) -> str:
        # TableName may be the table's ARN.
        arn = name if str(name).startswith("arn:") else f"arn:aws:dynamodb:{region}:{account_id}:table/{name}"
        return f"{arn}/index/{index}" if isinstance(index, str) and index else arn

    def one(action: str, table: Any, leading: list[str] | None, index: Any = None,
            known: frozenset[str] = DYNAMODB_KEYS) -> Authorization:
        keys = dict(context)
        if leading is not None:
            keys["dynamodb:LeadingKeys"] = leading
        return Authorization(f"dynamodb:{action}", table_arn(table, index), keys, known)

    if operation in _ITEM_OPERATIONS:
        table = body.get("TableName")
        item = body.get("Item") if operation == "PutItem" else body.get("Key")
        return [one(operation, table, _leading_key(item, partition_key_of(table)))]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        requests = []
        for entry in body.get("TransactItems") or []:
            for part, request in (entry.items() if isinstance(entry, dict) else []):
                action = _TRANSACT_PARTS.get(part)
                if not action or not isinstance(request, dict):
                    requests.append(one(UNMAPPED, "*", None))
                    continue
                table = request.get("TableName")
                item = request.get("Item") if part == "Put" else request.get("Key")
                requests.append(one(action, table, _leading_key(item, partition_key_of(table))))
        return requests
    if operation in ("BatchGetItem", "BatchWriteItem"):
        requests = []
        for table, spec in (body.get("RequestItems") or {}).items():
            partition_key = partition_key_of(table)
            if operation == "BatchGetItem":
                items = (spec or {}).get("Keys") or []
            else:
                items = [(w.get("PutRequest") or {}).get("Item") or (w.get("DeleteRequest") or {}).get("Key")
                         for w in spec or [] if isinstance(w, dict)]
            leading = [k for item in items for k in (_leading_key(item, partition_key) or [])]
            requests.append(one(operation, table, list(dict.fromkeys(leading))))
        return requests
    if operation in ("Query", "Scan"):
        known = DYNAMODB_KEYS if operation == "Scan" else GLOBAL_KEYS
        return [one(operation, body.get("TableName"), None, body.get("IndexName"), known)]
    table = body.get("TableName") or body.get("TableArn") or "*"
    return [one(operation, table, None)]
