//! Cognito's Pre Token Generation trigger, event version `V2_0`: once a user is linked,
//! both of their tokens carry the claim `identity_id` (no colon, so that API Gateway
//! mapping templates and JWT authorizer claims can name it), copied from the user's
//! `custom:identity_id` attribute.
//!
//! The trigger runs on every sign-in and every refresh, and a failing trigger fails the
//! sign-in. So it makes no AWS call, reads no configuration, and never fails: a user who
//! is not linked yet, an event without attributes, or an attribute that is not an
//! IdentityId all get their tokens unchanged.
//!
//! | module | job |
//! |---|---|
//! | [`identity_claim`] | the decision: which claim, if any, from the user's attributes |
//! | [`trigger_event`] | the event as Cognito sends it, and the answer written into it |

pub mod identity_claim;
pub mod trigger_event;

pub use identity_claim::{IDENTITY_ID_CLAIM, IdentityClaim, identity_claim};
pub use trigger_event::{TriggerOutcome, answer};
