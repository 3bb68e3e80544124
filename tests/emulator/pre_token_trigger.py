"""Cognito's Pre Token Generation Lambda trigger, run when the emulator issues tokens.

moto 5.2 stores a user pool's ``LambdaConfig`` (``PreTokenGenerationConfig`` included)
and returns it, but never invokes it. Cognito does, and the claims it returns are in
the tokens. What Cognito does, and where AWS documents it (Amazon Cognito Developer
Guide, "Pre token generation Lambda trigger", and the API reference's
``LambdaConfigType``, ``PreTokenGenerationVersionConfigType``, ``InitiateAuth``):

* **When.** Before it issues tokens: at sign-in (``TokenGeneration_Authentication``,
  whatever the flow: SRP, ``USER_PASSWORD_AUTH``, ``AdminInitiateAuth``) and when
  tokens are refreshed (``TokenGeneration_RefreshTokens``: ``REFRESH_TOKEN_AUTH`` and
  ``GetTokensFromRefreshToken``). One invocation per issue, for both tokens.
* **Which function and event.** ``LambdaConfig.PreTokenGenerationConfig``
  ``{LambdaArn, LambdaVersion}`` (``V1_0``, ``V2_0`` or ``V3_0``); the older
  ``LambdaConfig.PreTokenGeneration`` ARN alone means ``V1_0``. ``V2_0`` and ``V3_0``
  need the Essentials or Plus feature plan: on a ``LITE`` pool (``UserPoolTier``),
  CreateUserPool and UpdateUserPool refuse them with
  ``FeatureUnavailableInTierException``. A pool created without ``UserPoolTier`` is
  on Essentials, the default for new pools.
* **The event.** ``version``, ``triggerSource``, ``region``, ``userPoolId``,
  ``userName``, ``callerContext {awsSdkVersion, clientId}``, and ``request`` with every
  user attribute as a string in ``userAttributes`` (``sub`` and
  ``cognito:user_status`` included), ``groupConfiguration`` (the user's groups and
  their roles) and, from ``V2_0``, the access token's ``scopes``; ``response`` is
  ``{"claimsAndScopeOverrideDetails": null}`` (``{"claimsOverrideDetails": null}`` in
  ``V1_0``).
* **The answer.** ``V2_0``/``V3_0``: ``claimsAndScopeOverrideDetails`` with
  ``idTokenGeneration`` and ``accessTokenGeneration`` (``claimsToAddOrOverride``,
  ``claimsToSuppress``; ``scopesToAdd``, ``scopesToSuppress`` for the access token) and
  ``groupOverrideDetails``. ``V1_0``: ``claimsOverrideDetails`` for the id token only.
  The claims Cognito keeps for itself ("Excluded claims and scopes": ``iss``, ``sub``,
  ``aud``, ``token_use``, ``exp``, ``iat``, ``jti``, ``username``, ``client_id``,
  ``scope``, ``cognito:username``, …) are never changed; here they are ignored.
* **Failures.** The trigger has 5 seconds. An error answer fails the sign-in with
  ``UserLambdaValidationException`` ("PreTokenGeneration failed with error …"), an
  answer that is not the event's JSON with ``InvalidLambdaResponseException``, and a
  function that cannot be reached or does not answer in time with
  ``UnexpectedLambdaException``: no tokens are issued.

The function runs as Lambda runs it: its binary, as a real process, polling a Lambda
Runtime API that this module serves on loopback. Tests and the local stack register a
function for an ARN (``POST /_emulator/lambda-functions``); it starts on its first
invocation (a cold start) and stays warm. Every process started here is stopped by PID
when the emulator stops.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.core.exceptions import JsonRESTError

# Cognito's fixed timeout for a user pool trigger.
TRIGGER_TIMEOUT_SECONDS = 5.0
# A cold start gets this much longer: the local process is a debug build on a shared machine.
COLD_START_ALLOWANCE_SECONDS = 10.0
TIERS_WITH_ACCESS_TOKEN_CUSTOMIZATION = ("ESSENTIALS", "PLUS")
EVENT_VERSIONS = {"V1_0": "1", "V2_0": "2", "V3_0": "3"}

# "Excluded claims and scopes": claims a trigger cannot add, change or suppress.
EXCLUDED_ID_CLAIMS = frozenset({
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat",
    "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use",
})
EXCLUDED_ACCESS_CLAIMS = frozenset({
    "acr", "amr", "aud", "auth_time", "azp", "client_id", "exp", "iat", "identities", "iss",
    "jti", "nbf", "nonce", "origin_jti", "scope", "sub", "token_use", "username", "version",
})


class UserLambdaValidationException(JsonRESTError):
    """The trigger answered with an error."""

    def __init__(self, message: str):
        super().__init__("UserLambdaValidationException", message)


class InvalidLambdaResponseException(JsonRESTError):
    """The trigger's answer is not the event's JSON."""

    def __init__(self, message: str):
        super().__init__("InvalidLambdaResponseException", message)


class UnexpectedLambdaException(JsonRESTError):
    """The trigger could not be invoked, or did not answer in time."""

    def __init__(self, message: str):
        super().__init__("UnexpectedLambdaException", message)


class FeatureUnavailableInTierException(JsonRESTError):
    """Access token customization on a pool of the Lite plan."""

    def __init__(self, message: str):
        super().__init__("FeatureUnavailableInTierException", message)


# --------------------------------------------------------------------------
# A function run as Lambda runs it
# --------------------------------------------------------------------------


@dataclass
class _Invocation:
    request_id: str
    payload: bytes
    done: threading.Event = field(default_factory=threading.Event)
    outcome: tuple[str, bytes] | None = None


class LocalFunction:
    """One function binary as a process behind its own Lambda Runtime API."""

    def __init__(self, arn: str, command: list[str], environment: dict[str, str], log_file: str | None):
        self.arn = arn
        self.command = command
        self.environment = environment
        self.log_file = log_file
        self.name = arn.rsplit(":", 1)[-1] or "function"
        self.invocations = 0
        self.cold_starts = 0
        self._lock = threading.Lock()
        self._pending: "queue.Queue[_Invocation]" = queue.Queue()
        self._by_id: dict[str, _Invocation] = {}
        self._process: subprocess.Popen | None = None
        self._server: ThreadingHTTPServer | None = None
        self._init_error: bytes | None = None

    def describe(self) -> dict:
        running = self._process is not None and self._process.poll() is None
        return {
            "functionArn": self.arn, "command": self.command, "running": running,
            "pid": self._process.pid if running and self._process else None,
            "invocations": self.invocations, "coldStarts": self.cold_starts,
        }

    def _serve_runtime_api(self) -> ThreadingHTTPServer:
        function = self

        class RuntimeApi(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as separate writes: without this, Nagle's
                # algorithm and the client's delayed ACK hold each answer ~40 ms.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _answer(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    # The process was stopped once its answer arrived: nobody reads this one.
                    return

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self._answer(404)
                invocation = function._pending.get()
                if invocation is None:
                    return self._answer(410)
                deadline_ms = int((time.time() + TRIGGER_TIMEOUT_SECONDS) * 1000)
                self._answer(200, invocation.payload, {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": function.arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0",
                })

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = self.path.strip("/").split("/")
                if parts[-2:] == ["init", "error"]:
                    function._init_error = body
                    for invocation in list(function._by_id.values()):
                        invocation.outcome = ("error", body)
                        invocation.done.set()
                    return self._answer(202)
                if len(parts) == 5 and parts[2] == "invocation" and parts[4] in ("response", "error"):
                    invocation = function._by_id.get(parts[3])
                    if invocation is None:
                        return self._answer(400)
                    invocation.outcome = (parts[4], body)
                    invocation.done.set()
                    return self._answer(202)
                return self._answer(404)

        server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return server

    def _ensure_started(self) -> bool:
        """Starts the process if it is not running; True when this is a cold start."""
        if self._process is not None and self._process.poll() is None:
            return False
        if self._server is None:
            self._server = self._serve_runtime_api()
        self._init_error = None
        host, port = self._server.server_address[:2]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **self.environment,
            "AWS_LAMBDA_RUNTIME_API": f"{host}:{port}",
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        }
        log = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(self.command, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self.cold_starts += 1
        return True

    def invoke(self, event: dict) -> dict:
        """Invokes the function with ``event`` and returns its answer, or raises the error
        Cognito answers the sign-in with."""
        with self._lock:  # one invocation at a time per function, like one warm instance
            try:
                cold = self._ensure_started()
            except OSError as error:
                raise UnexpectedLambdaException(f"{self.name} could not be started: {error.strerror}") from None
            invocation = _Invocation(str(uuid.uuid4()), json.dumps(event).encode())
            self._by_id[invocation.request_id] = invocation
            self._pending.put(invocation)
            self.invocations += 1
            timeout = TRIGGER_TIMEOUT_SECONDS + (COLD_START_ALLOWANCE_SECONDS if cold else 0.0)
            answered = self._wait(invocation, timeout)
            self._by_id.pop(invocation.request_id, None)
            if not answered or invocation.outcome is None:
                # Lambda stops an instance that runs past its timeout; so does this.
                self._stop_process()
                raise UnexpectedLambdaException("PreTokenGeneration invocation failed due to error TimeoutException.")
        kind, body = invocation.outcome
        if kind == "error":
            try:
                message = json.loads(body or b"{}").get("errorMessage") or "Unhandled"
            except (ValueError, AttributeError):
                message = "Unhandled"
            raise UserLambdaValidationException(f"PreTokenGeneration failed with error {message}.")
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise InvalidLambdaResponseException("Unrecognizable lambda output")
        return answer

    def _wait(self, invocation: _Invocation, timeout: float) -> bool:
        """Waits for the answer; a process that exits stops the wait at once."""
        deadline = time.monotonic() + timeout
        while not invocation.done.wait(0.05):
            process = self._process
            if process is None or process.poll() is not None or time.monotonic() > deadline:
                return invocation.done.is_set()
        return True

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        # A poller blocked on the old queue gets a stop marker; a new process a new queue.
        self._pending.put(None)  # type: ignore[arg-type]
        self._pending = queue.Queue()

    def stop(self) -> None:
        with self._lock:
            self._stop_process()
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
                self._server = None


class LocalFunctions:
    """The functions registered for Lambda ARNs, and the control endpoint that registers them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._functions: dict[str, LocalFunction] = {}

    def get(self, arn: str) -> LocalFunction | None:
        with self._lock:
            return self._functions.get(arn)

    def register(self, request: Any) -> dict:
        if not isinstance(request, dict):
            raise ValueError("expected a JSON object")
        arn, command = request.get("functionArn"), request.get("command")
        environment, log_file = request.get("environment") or {}, request.get("logFile")
        if not isinstance(arn, str) or not arn.startswith("arn:aws:lambda:"):
            raise ValueError("'functionArn' must be a Lambda function ARN")
        if isinstance(command, str):
            command = [command]
        if not (isinstance(command, list) and command and all(isinstance(part, str) for part in command)):
            raise ValueError("'command' must be a path or a list of strings")
        if not os.access(command[0], os.X_OK):
            raise ValueError(f"'command' does not name an executable file: {command[0]}")
        if not isinstance(environment, dict) or not all(isinstance(v, str) for v in environment.values()):
            raise ValueError("'environment' must map names to strings")
        if log_file is not None and not isinstance(log_file, str):
            raise ValueError("'logFile' must be a path")
        function = LocalFunction(arn, command, environment, log_file)
        with self._lock:
            previous = self._functions.pop(arn, None)
            self._functions[arn] = function
        if previous is not None:
            previous.stop()
        return function.describe()

    def describe(self) -> dict:
        with self._lock:
            return {"functions": [function.describe() for function in self._functions.values()]}

    def stop_all(self) -> None:
        with self._lock:
            functions, self._functions = list(self._functions.values()), {}
        for function in functions:
            function.stop()

    def control(self, method: str, route: str, body: bytes) -> tuple[dict, int]:
        """``GET|POST|DELETE /_emulator/lambda-functions``: list, register, stop all;
        ``POST /_emulator/lambda-functions/invoke`` ``{functionArn, event}``: invokes a
        registered function as Lambda's Invoke does (the demo runs a handler this way)."""
        if route == "lambda-functions/invoke" and method == "POST":
            try:
                request = json.loads(body or b"{}")
                function = self.get(request.get("functionArn")) if isinstance(request, dict) else None
                if function is None or not isinstance(request.get("event"), dict):
                    raise ValueError("'functionArn' must name a registered function and 'event' be an object")
                return {"payload": function.invoke(request["event"])}, 200
            except ValueError as error:
                return {"error": str(error)}, 400
            except JsonRESTError as error:
                return {"error": error.error_type, "message": error.message}, 502
        if route != "lambda-functions":
            return {"error": f"no such control endpoint: {method} {route}"}, 404
        if method == "GET":
            return self.describe(), 200
        if method == "DELETE":
            self.stop_all()
            return self.describe(), 200
        if method == "POST":
            try:
                return self.register(json.loads(body or b"{}")), 200
            except ValueError as error:
                return {"error": str(error)}, 400
        return {"error": f"no such control endpoint: {method} lambda-functions"}, 404


FUNCTIONS = LocalFunctions()
atexit.register(FUNCTIONS.stop_all)


# --------------------------------------------------------------------------
# The trigger: which function, the event, the answer applied to the tokens
# --------------------------------------------------------------------------


def trigger_of(pool: CognitoIdpUserPool) -> tuple[str, str] | None:
    """(function ARN, LambdaVersion) of the pool's pre token generation trigger, if any."""
    config = pool.extended_config.get("LambdaConfig") or {}
    versioned = config.get("PreTokenGenerationConfig") or {}
    if isinstance(versioned, dict) and versioned.get("LambdaArn"):
        return versioned["LambdaArn"], versioned.get("LambdaVersion") or "V1_0"
    if config.get("PreTokenGeneration"):
        return config["PreTokenGeneration"], "V1_0"
    return None


def user_attributes(pool: CognitoIdpUserPool, username: str) -> dict[str, str]:
    user = pool._get_user(username)
    attributes = {attribute["Name"]: str(attribute["Value"]) for attribute in user.attributes}
    attributes.setdefault("sub", user.id)
    status = getattr(user.status, "value", user.status)
    attributes["cognito:user_status"] = str(status)
    return attributes


def trigger_event(pool: CognitoIdpUserPool, client_id: str, username: str, version: str, source: str) -> dict:
    """The event Cognito sends for one issue of tokens."""
    user = pool._get_user(username)
    groups = list(user.groups)
    request: dict[str, Any] = {
        "userAttributes": user_attributes(pool, username),
        "groupConfiguration": {
            "groupsToOverride": [group.group_name for group in groups],
            "iamRolesToOverride": [group.role_arn for group in groups if getattr(group, "role_arn", None)],
            "preferredRole": None,
        },
    }
    event_version = EVENT_VERSIONS.get(version, "1")
    if event_version != "1":
        request["scopes"] = ["aws.cognito.signin.user.admin"]
    response_key = "claimsOverrideDetails" if event_version == "1" else "claimsAndScopeOverrideDetails"
    return {
        "version": event_version,
        "triggerSource": source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": request,
        "response": {response_key: None},
    }


@dataclass
class TokenChanges:
    """What the trigger's answer does to one token."""

    add: dict[str, Any] = field(default_factory=dict)
    suppress: list[str] = field(default_factory=list)
    groups: list[str] | None = None
    scopes_to_add: list[str] = field(default_factory=list)
    scopes_to_suppress: list[str] = field(default_factory=list)

    def apply(self, extra_data: dict, excluded: frozenset) -> dict:
        changed = dict(extra_data)
        for name in self.suppress:
            if isinstance(name, str) and name not in excluded:
                changed.pop(name, None)
        for name, value in self.add.items():
            if name not in excluded:
                changed[name] = value
        if self.groups is not None:
            if self.groups:
                changed["cognito:groups"] = list(self.groups)
            else:
                changed.pop("cognito:groups", None)
        if (self.scopes_to_add or self.scopes_to_suppress) and "scope" in changed:
            scopes = [s for s in str(changed["scope"]).split() if s not in self.scopes_to_suppress]
            scopes += [s for s in self.scopes_to_add if isinstance(s, str) and s not in scopes]
            changed["scope"] = " ".join(scopes)
        return changed


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def changes_from_answer(answer: dict, version: str) -> dict[str, TokenChanges]:
    """The answer's changes per token use ("id", "access"); invalid shapes raise
    InvalidLambdaResponseException, as Cognito refuses them."""
    response = answer.get("response")
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise InvalidLambdaResponseException("Unrecognizable lambda output")
    key = "claimsOverrideDetails" if EVENT_VERSIONS.get(version, "1") == "1" else "claimsAndScopeOverrideDetails"
    details = response.get(key)
    if details is None:
        return {}
    if not isinstance(details, dict):
        raise InvalidLambdaResponseException("Unrecognizable lambda output")
    group_override = details.get("groupOverrideDetails")
    groups = None
    if isinstance(group_override, dict) and isinstance(group_override.get("groupsToOverride"), list):
        groups = _strings(group_override["groupsToOverride"])

    def token(section: Any, with_scopes: bool) -> TokenChanges:
        if section is None:
            return TokenChanges(groups=groups)
        if not isinstance(section, dict) or not isinstance(section.get("claimsToAddOrOverride") or {}, dict):
            raise InvalidLambdaResponseException("Unrecognizable lambda output")
        return TokenChanges(
            add=dict(section.get("claimsToAddOrOverride") or {}),
            suppress=_strings(section.get("claimsToSuppress")),
            groups=groups,
            scopes_to_add=_strings(section.get("scopesToAdd")) if with_scopes else [],
            scopes_to_suppress=_strings(section.get("scopesToSuppress")) if with_scopes else [],
        )

    if key == "claimsOverrideDetails":
        return {"id": token(details, False)}
    return {
        "id": token(details.get("idTokenGeneration"), False),
        "access": token(details.get("accessTokenGeneration"), True),
    }


# --------------------------------------------------------------------------
# Hooks into moto's token issue
# --------------------------------------------------------------------------

_context = threading.local()
# (pool id, client id, username, origin_jti) -> changes of the issue under way: moto makes
# the access token first, then the id token, and both come from one invocation.
_issue_lock = threading.Lock()
_issues: dict[tuple, dict[str, TokenChanges]] = {}


def _source() -> str:
    return getattr(_context, "source", None) or "TokenGeneration_Authentication"


def _with_source(source: str, original: Callable) -> Callable:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        outer = getattr(_context, "source", None)
        _context.source = outer or source
        try:
            return original(*args, **kwargs)
        finally:
            _context.source = outer

    wrapped.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapped


def _run_trigger(pool: CognitoIdpUserPool, client_id: str, username: str) -> dict[str, TokenChanges]:
    trigger = trigger_of(pool)
    if trigger is None:
        return {}
    arn, version = trigger
    function = FUNCTIONS.get(arn)
    if function is None:
        raise UnexpectedLambdaException(f"PreTokenGeneration invocation failed: no local function for {arn}.")
    answer = function.invoke(trigger_event(pool, client_id, username, version, _source()))
    return changes_from_answer(answer, version)


def _create_jwt(original: Callable) -> Callable:
    def create_jwt(self: CognitoIdpUserPool, client_id: str, username: str, token_use: str,
                   expires_in: int = 60 * 60, extra_data: dict | None = None) -> tuple[str, int]:
        extra = dict(extra_data or {})
        if token_use in ("access", "id") and trigger_of(self) is not None:
            key = (self.id, client_id, username, extra.get("origin_jti"))
            with _issue_lock:
                changes = _issues.pop(key, None) if token_use == "id" else None
            if changes is None:
                changes = _run_trigger(self, client_id, username)
                if token_use == "access":
                    with _issue_lock:
                        _issues[key] = changes
            token_changes = changes.get(token_use)
            if token_changes is not None:
                excluded = EXCLUDED_ACCESS_CLAIMS if token_use == "access" else EXCLUDED_ID_CLAIMS
                extra = token_changes.apply(extra, excluded)
        return original(self, client_id, username, token_use, expires_in, extra)

    create_jwt.__wrapped__ = original  # type: ignore[attr-defined]
    return create_jwt


def check_tier(config: dict) -> None:
    """Refuses access token customization (V2_0, V3_0) on a Lite pool, as Cognito does."""
    lambda_config = config.get("LambdaConfig") or {}
    versioned = lambda_config.get("PreTokenGenerationConfig") or {}
    version = versioned.get("LambdaVersion") if isinstance(versioned, dict) else None
    tier = config.get("UserPoolTier") or "ESSENTIALS"
    if version in ("V2_0", "V3_0") and tier not in TIERS_WITH_ACCESS_TOKEN_CUSTOMIZATION:
        raise FeatureUnavailableInTierException(
            "Access token customization is not available in the current feature plan. "
            "Upgrade to the Essentials or Plus feature plan."
        )


def _create_user_pool(original: Callable) -> Callable:
    def create_user_pool(self: CognitoIdpBackend, name: str, extended_config: dict) -> Any:
        check_tier(extended_config or {})
        return original(self, name, extended_config)

    create_user_pool.__wrapped__ = original  # type: ignore[attr-defined]
    return create_user_pool


def _update_user_pool(original: Callable) -> Callable:
    def update_user_pool(self: CognitoIdpBackend, user_pool_id: str, extended_config: dict) -> Any:
        current = self.describe_user_pool(user_pool_id)
        # UpdateUserPool without UserPoolTier leaves the plan as it is (moto would drop it).
        config = dict(extended_config or {})
        if not config.get("UserPoolTier") and current.extended_config.get("UserPoolTier"):
            config["UserPoolTier"] = current.extended_config["UserPoolTier"]
        check_tier(config)
        return original(self, user_pool_id, config)

    update_user_pool.__wrapped__ = original  # type: ignore[attr-defined]
    return update_user_pool


def install() -> None:
    """Patches moto's token issue (idempotent); call after user_pool_rules.install()."""
    if getattr(CognitoIdpUserPool.create_jwt, "_pre_token_trigger", False):
        return
    create_jwt = _create_jwt(CognitoIdpUserPool.create_jwt)
    create_jwt._pre_token_trigger = True  # type: ignore[attr-defined]
    CognitoIdpUserPool.create_jwt = create_jwt
    CognitoIdpUserPool.create_tokens_from_refresh_token = _with_source(
        "TokenGeneration_RefreshTokens", CognitoIdpUserPool.create_tokens_from_refresh_token
    )
    CognitoIdpBackend._log_user_in = _with_source("TokenGeneration_Authentication", CognitoIdpBackend._log_user_in)
    CognitoIdpBackend.create_user_pool = _create_user_pool(CognitoIdpBackend.create_user_pool)
    CognitoIdpBackend.update_user_pool = _update_user_pool(CognitoIdpBackend.update_user_pool)
