/**
 * The keys the Cognito Bridge authorizer writes into every Allow's context: the same
 * names as the Rust crate's `context_keys`, one contract for every reader.
 */

/** The user pool `sub` (also the policy's `principalId`). */
export const SUB = "sub";
/** `cognito:username`, when the token has one. */
export const USERNAME = "username";
/** The caller's IdentityId in {@link IDENTITY_POOL_ID}. */
export const IDENTITY_ID = "identityId";
/** The identity pool the IdentityId belongs to. */
export const IDENTITY_POOL_ID = "identityPoolId";
/** `"true"` when the IdentityId came from the token's `custom:identity_id`. */
export const LINKED = "linked";
/** The app client the token was issued to. */
export const CLIENT_ID = "clientId";
/** The user's email, when the app client may read it. */
export const EMAIL = "email";
/** `cognito:groups` as a JSON array string, e.g. `["ops,admins","x"]`. */
export const GROUPS = "groups";
/** `id` or `access`: which kind of user pool token the caller presented. */
export const TOKEN_USE = "tokenUse";
/** An access token's OAuth scopes, space-joined. */
export const SCOPES = "scopes";
/** The user pool that issued the caller's token. */
export const USER_POOL_ID = "userPoolId";
