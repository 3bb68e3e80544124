//! The context contract between the Cognito Bridge authorizer, which writes these keys
//! into every Allow, and [`crate::RequestCallerExt::caller_identity`], which reads them:
//! one set of constants for both sides, so a renamed key breaks the build or a test,
//! never a deployment.

/// The user pool `sub` (also the policy's `principalId`).
pub const SUB: &str = "sub";
/// `cognito:username`, when the token has one.
pub const USERNAME: &str = "username";
/// The caller's IdentityId in [`IDENTITY_POOL_ID`].
pub const IDENTITY_ID: &str = "identityId";
/// The identity pool the IdentityId belongs to.
pub const IDENTITY_POOL_ID: &str = "identityPoolId";
/// `"true"` when the IdentityId came from the token's `custom:identity_id`, `"false"`
/// when the authorizer resolved it.
pub const LINKED: &str = "linked";
/// The app client the token was issued to.
pub const CLIENT_ID: &str = "clientId";
/// The user's email, when the app client may read it.
pub const EMAIL: &str = "email";
/// `cognito:groups` as a JSON array of strings written as one string, e.g.
/// `["ops,admins","readers"]`: a Cognito group name may hold a comma, so no separator
/// is safe, and API Gateway passes only flat string values. The reader decodes that
/// form and no other (a value that is not such an array is malformed).
pub const GROUPS: &str = "groups";

/// `id` or `access`: which kind of user pool token the caller presented.
pub const TOKEN_USE: &str = "tokenUse";
/// An access token's OAuth scopes, space-joined.
pub const SCOPES: &str = "scopes";
/// The user pool that issued the caller's token (the authorizer may trust several).
pub const USER_POOL_ID: &str = "userPoolId";

/// Every key the authorizer may write.
pub const ALL: [&str; 11] =
    [SUB, USERNAME, IDENTITY_ID, IDENTITY_POOL_ID, LINKED, CLIENT_ID, EMAIL, GROUPS, TOKEN_USE, SCOPES, USER_POOL_ID];
