// requireScope / requireGroup, and bad input: a clear error, never a crash.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { AccessDenied, NoCallerIdentity, callerIdentity, requireGroup, requireScope } from "../dist/index.js";
import { EVENTS, EXPECTED, load } from "./shared-fixtures.js";

const COMMA_GROUP = join(EXPECTED, "extra", "rest-lambda-authorizer-group-with-comma.event.json");

const denied = (code, message) => (error) =>
  error instanceof AccessDenied && error.status === 403 && error.code === code && error.message === message;

test("a group name with a comma is not two groups", () => {
  const caller = callerIdentity(load(COMMA_GROUP));
  assert.deepStrictEqual(caller.groups, ["ops,admins", "readers"]);
  requireGroup(caller, "ops,admins");
  assert.throws(
    () => requireGroup(caller, "admins"),
    denied("missing_group", "not in user pool group admins: the token's groups do not list it"),
  );
});

test("requireScope says why for each kind of caller", () => {
  const access = callerIdentity(load(COMMA_GROUP));
  requireScope(access, "orders/write");
  assert.throws(
    () => requireScope(access, "orders/read"),
    denied("missing_scope", "missing OAuth scope orders/read: the access token does not grant it"),
  );
  const idToken = callerIdentity(load(join(EVENTS, "whoami-rest-cognito-authorizer.json")));
  assert.throws(
    () => requireScope(idToken, "orders/write"),
    denied("missing_scope", "missing OAuth scope orders/write: id tokens carry no OAuth scopes; call with an access token"),
  );
  const iam = callerIdentity(load(join(EVENTS, "whoami-rest-iam.json")));
  assert.throws(
    () => requireScope(iam, "orders/write"),
    denied("missing_scope", "missing OAuth scope orders/write: IAM auth carries no OAuth scopes"),
  );
  assert.throws(
    () => requireGroup(iam, "admins"),
    denied("missing_group", "not in user pool group admins: IAM auth carries no user pool groups"),
  );
  assert.throws(
    () => requireScope({ ...access, tokenUse: null, scopes: [] }, "orders/write"),
    denied("missing_scope", "missing OAuth scope orders/write: the request names no OAuth scopes"),
  );
});

test("the caller is frozen", () => {
  const caller = callerIdentity(load(COMMA_GROUP));
  assert.throws(() => {
    caller.sub = "someone-else";
  }, TypeError);
  assert.throws(() => caller.groups.push("admins"), TypeError);
});

test("groups read only in the JSON array form", () => {
  const event = load(join(EVENTS, "whoami-rest-lambda-authorizer.json"));
  for (const [groups, expected] of [
    ['["admins","readers"]', ["admins", "readers"]],
    ["[]", []],
    [" ", []],
    [["a,b"], ["a,b"]],
  ]) {
    event.requestContext.authorizer.groups = groups;
    assert.deepStrictEqual(callerIdentity(event).groups, expected, String(groups));
  }
  delete event.requestContext.authorizer.groups;
  assert.deepStrictEqual(callerIdentity(event).groups, []);
});

test("groups in any other form are a clear error", () => {
  for (const groups of ["admins,readers", "ops,admins", "[ops,admins]", '["admins"', '["admins", 3]', '[{"a": 1}]', '{"a":1}', "[1]", true, 3]) {
    const event = load(join(EVENTS, "whoami-http-api-lambda-authorizer.json"));
    event.requestContext.authorizer.lambda.groups = groups;
    assert.throws(
      () => callerIdentity(event),
      (error) =>
        error instanceof NoCallerIdentity &&
        error.reason === "malformed" &&
        error.status === 403 &&
        error.message === "the request context has an invalid authorizer groups",
      String(groups),
    );
  }
});

test("the identity_id claim is read beside the custom attribute", () => {
  const event = load(join(EVENTS, "whoami-rest-cognito-authorizer.json"));
  const claims = event.requestContext.authorizer.claims;
  claims.identity_id = claims["custom:identity_id"];
  delete claims["custom:identity_id"];
  let caller = callerIdentity(event);
  assert.deepStrictEqual([caller.identityId, caller.linked], ["us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6", true]);
  delete claims.identity_id;
  caller = callerIdentity(event);
  assert.deepStrictEqual([caller.identityId, caller.linked], [null, false]);
});

test("events without a usable identity throw NoCallerIdentity and change nothing", () => {
  for (const event of [
    undefined,
    null,
    "text",
    {},
    { requestContext: null },
    { requestContext: "x" },
    { version: "2.0", requestContext: { http: {}, authorizer: { iam: { cognitoIdentity: null } } } },
    { requestContext: { authorizer: { claims: "not an object" } } },
    { requestContext: { authorizer: { sub: "" } } },
    { requestContext: { identity: { cognitoIdentityId: "us-east-1:x", cognitoAuthenticationProvider: "graph.facebook.com" } } },
  ]) {
    const before = JSON.stringify(event);
    assert.throws(
      () => callerIdentity(event),
      (error) => error instanceof NoCallerIdentity && [401, 403].includes(error.status),
      before,
    );
    assert.equal(JSON.stringify(event), before);
  }
});

test("error messages never repeat event values", () => {
  const event = load(join(EVENTS, "whoami-http-api-iam.json"));
  event.requestContext.authorizer.iam.cognitoIdentity.amr = ["authenticated", "eyJraWQiOiJzZWNyZXQtdG9rZW4ifQ:CognitoSignIn:x"];
  assert.throws(
    () => callerIdentity(event),
    (error) => error.reason === "not_a_user_pool_login" && !error.message.includes("eyJ"),
  );
});
