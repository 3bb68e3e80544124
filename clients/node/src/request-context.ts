/**
 * Reading a {@link CallerIdentity} out of each API Gateway request context shape. Mirrors
 * the Rust crate `caller-identity`; `events/expected/` holds the answers all readers share.
 */

import * as key from "./context-keys.js";
import { InvalidValue, authorizerGroups, claimGroups, splitScopes, valueText } from "./context-values.js";
import { NoCallerIdentity } from "./errors.js";
import { subFromAmr, subFromAuthenticationProvider } from "./iam-provider.js";
import type { CallerIdentity, IdentitySource, TokenUse } from "./identity.js";
import { userPoolIdFromIssuer } from "./issuer.js";

type Fields = Readonly<Record<string, unknown>>;

/**
 * The caller of an API Gateway proxy event (REST payload 1.0 or HTTP API payload 2.0),
 * as a Lambda handler receives it. Throws {@link NoCallerIdentity} when the event does
 * not say which user pool user is calling: its `status` is the answer to give (401 or 403).
 */
export function callerIdentity(event: unknown): CallerIdentity {
  const context = fieldsOf(fieldsOf(event)?.["requestContext"]);
  if (context === null) throw new NoCallerIdentity("no_identity");
  if (fieldsOf(event)?.["version"] === "2.0" || "http" in context) return fromHttpApiContext(context);
  return fromRestContext(context);
}

/** REST (payload 1.0): Cognito authorizer `claims` or our authorizer's keys under `authorizer`, or IAM auth under `identity`. */
function fromRestContext(context: Fields): CallerIdentity {
  const authorizer = fieldsOf(context["authorizer"]) ?? {};
  if ("claims" in authorizer) {
    const claims = fieldsOf(authorizer["claims"]);
    if (claims === null) throw new NoCallerIdentity("malformed", "authorizer.claims");
    return fromClaims(claims, null, "cognitoUserPoolAuthorizer");
  }
  if (key.SUB in authorizer) return fromAuthorizerContext(authorizer);
  const identity = fieldsOf(context["identity"]) ?? {};
  const identityId = text(identity, "cognitoIdentityId");
  if (identityId !== null) {
    const provider = text(identity, "cognitoAuthenticationProvider");
    const sub = provider === null ? null : subFromAuthenticationProvider(provider);
    if (sub === null) throw new NoCallerIdentity("not_a_user_pool_login");
    return iamIdentity(sub, identityId, text(identity, "cognitoIdentityPoolId"));
  }
  // IAM auth signed by an IAM user or role: a caller, but no user pool user.
  if (text(identity, "userArn") !== null) throw new NoCallerIdentity("not_a_user_pool_login");
  throw new NoCallerIdentity("no_identity");
}

/** HTTP API (payload 2.0): `authorizer.jwt` (claims and scopes), `authorizer.lambda` or `authorizer.iam.cognitoIdentity`. */
function fromHttpApiContext(context: Fields): CallerIdentity {
  const authorizer = fieldsOf(context["authorizer"]);
  if (authorizer === null) throw new NoCallerIdentity("no_identity");
  const jwt = fieldsOf(authorizer["jwt"]);
  if (jwt !== null) {
    const scopes = jwt["scopes"];
    const listed = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === "string") : null;
    return fromClaims(fieldsOf(jwt["claims"]) ?? {}, listed, "jwtAuthorizer");
  }
  const fields = fieldsOf(authorizer["lambda"]) ?? {};
  if (key.SUB in fields) return fromAuthorizerContext(fields);
  const iam = fieldsOf(authorizer["iam"]);
  if (iam === null) throw new NoCallerIdentity("no_identity");
  const cognito = fieldsOf(iam["cognitoIdentity"]);
  if (cognito === null) throw new NoCallerIdentity("not_a_user_pool_login");
  const identityId = text(cognito, "identityId");
  if (identityId === null) throw new NoCallerIdentity("malformed", "authorizer.iam.cognitoIdentity.identityId");
  const amr = cognito["amr"];
  const sub = Array.isArray(amr) ? subFromAmr(amr) : null;
  if (sub === null) throw new NoCallerIdentity("not_a_user_pool_login");
  return iamIdentity(sub, identityId, text(cognito, "identityPoolId"));
}

function iamIdentity(sub: string, identityId: string, identityPoolId: string | null): CallerIdentity {
  // SigV4 credentials carry no token: no pool, groups, scopes, token use or client.
  return frozen({
    sub,
    username: null,
    identityId,
    identityPoolId,
    userPoolId: null,
    email: null,
    groups: [],
    scopes: [],
    tokenUse: null,
    clientId: null,
    linked: null,
    source: "iam",
  });
}

/** The Cognito Bridge authorizer's context: every value a string, `groups` a JSON array string. */
function fromAuthorizerContext(fields: Fields): CallerIdentity {
  const sub = text(fields, key.SUB);
  if (sub === null) throw new NoCallerIdentity("malformed", "authorizer sub");
  let groups: string[];
  try {
    groups = authorizerGroups(fields[key.GROUPS]);
  } catch (error) {
    if (error instanceof InvalidValue) throw new NoCallerIdentity("malformed", "authorizer groups");
    throw error;
  }
  const linked = text(fields, key.LINKED);
  return frozen({
    sub,
    username: text(fields, key.USERNAME),
    identityId: text(fields, key.IDENTITY_ID),
    identityPoolId: text(fields, key.IDENTITY_POOL_ID),
    userPoolId: text(fields, key.USER_POOL_ID),
    email: text(fields, key.EMAIL),
    groups,
    scopes: splitScopes(text(fields, key.SCOPES) ?? ""),
    tokenUse: tokenUse(text(fields, key.TOKEN_USE)),
    clientId: text(fields, key.CLIENT_ID),
    linked: linked === "true" ? true : linked === "false" ? false : null,
    source: "lambdaAuthorizer",
  });
}

/**
 * Claims of a user pool id or access token as API Gateway's own authorizers pass them.
 * The `scope` claim, when present, is the token's own full list and wins over the JWT
 * authorizer's `scopes`, which API Gateway leaves null on routes without scopes. The
 * IdentityId is `custom:identity_id` (id tokens), else `identity_id`, which the Pre Token
 * Generation trigger adds to both tokens of a linked user.
 */
function fromClaims(claims: Fields, listedScopes: readonly string[] | null, source: IdentitySource): CallerIdentity {
  const sub = text(claims, "sub");
  if (sub === null) throw new NoCallerIdentity("malformed", "claims sub");
  const identityId = text(claims, "custom:identity_id") ?? text(claims, "identity_id");
  const scope = text(claims, "scope");
  const iss = text(claims, "iss");
  return frozen({
    sub,
    username: text(claims, "cognito:username") ?? text(claims, "username"),
    identityId,
    identityPoolId: null,
    userPoolId: iss === null ? null : userPoolIdFromIssuer(iss),
    email: text(claims, "email"),
    groups: claimGroups(text(claims, "cognito:groups") ?? ""),
    scopes: scope !== null ? splitScopes(scope) : (listedScopes ?? []).filter((s) => s !== ""),
    tokenUse: tokenUse(text(claims, "token_use")),
    clientId: text(claims, "client_id") ?? text(claims, "aud"),
    linked: identityId !== null,
    source,
  });
}

/** `id` or `access`, the values Cognito writes; anything else is null, so a value from a newer or foreign writer never passes for a known kind of token. */
function tokenUse(value: string | null): TokenUse | null {
  return value === "id" || value === "access" ? value : null;
}

function frozen(caller: CallerIdentity): CallerIdentity {
  Object.freeze(caller.groups);
  Object.freeze(caller.scopes);
  return Object.freeze(caller);
}

function fieldsOf(value: unknown): Fields | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

/** A value as text, null when missing or empty: API Gateway writes `""` and `null` alike. */
function text(fields: Fields, name: string): string | null {
  const value = Object.hasOwn(fields, name) ? valueText(fields[name]) : "";
  return value === "" ? null : value;
}
