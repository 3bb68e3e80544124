// The issuer and IAM provider parsers accept exactly what the Rust crate accepts.
import assert from "node:assert/strict";
import { test } from "node:test";

import { claimGroups, splitScopes, valueText } from "../dist/context-values.js";
import { subFromAmr, subFromAuthenticationProvider } from "../dist/iam-provider.js";
import { userPoolIdFromIssuer } from "../dist/issuer.js";

test("Cognito issuers name their pool", () => {
  assert.equal(userPoolIdFromIssuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X9"), "eu-west-1_X9");
  assert.equal(userPoolIdFromIssuer("https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Ab"), "cn-north-1_Ab");
});

test("other issuers name no pool", () => {
  for (const iss of [
    "",
    "us-east-1_AbCdEf123",
    "http://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab",
    "https://cognito-idp.us-east-1.amazonaws.com/",
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_",
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab/extra",
    "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_Ab",
    "https://cognito-idp.us-east-1.amazonaws.com.evil.example/us-east-1_Ab",
    "https://evil.example/cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab",
    "https://cognito-idp..amazonaws.com/_Ab",
    "https://accounts.google.com",
  ]) {
    assert.equal(userPoolIdFromIssuer(iss), null, iss);
  }
});

test("REST provider with a sign-in", () => {
  assert.equal(
    subFromAuthenticationProvider(
      "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X,cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X:CognitoSignIn:abc-123",
    ),
    "abc-123",
  );
  for (const other of ["graph.facebook.com", "", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:", "evil.example/x:CognitoSignIn:abc"]) {
    assert.equal(subFromAuthenticationProvider(other), null, other);
  }
});

test("amr requires authenticated", () => {
  const signIn = "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:s-1";
  assert.equal(subFromAmr(["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X", signIn]), "s-1");
  assert.equal(subFromAmr(["unauthenticated", signIn]), null);
  assert.equal(subFromAmr(["authenticated", "graph.facebook.com"]), null);
});

test("claim groups in every encoding, scopes and values", () => {
  assert.deepStrictEqual(claimGroups("admins,readers"), ["admins", "readers"]);
  assert.deepStrictEqual(claimGroups("[admins readers]"), ["admins", "readers"]);
  assert.deepStrictEqual(claimGroups("[admins, readers]"), ["admins", "readers"]);
  assert.deepStrictEqual(claimGroups("[admins]"), ["admins"]);
  assert.deepStrictEqual(claimGroups(" [] "), []);
  assert.deepStrictEqual(claimGroups(valueText(["admins", "readers"])), ["admins", "readers"]);
  assert.deepStrictEqual(splitScopes("  aws.cognito.signin.user.admin\t openid "), ["aws.cognito.signin.user.admin", "openid"]);
  assert.deepStrictEqual([valueText(true), valueText(null), valueText(42)], ["true", "", "42"]);
});
