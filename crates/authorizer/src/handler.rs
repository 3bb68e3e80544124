//! The authorizer itself: one call per API Gateway event, I/O only through the
//! verifier (JWKS, on a key miss) and the identity resolver (`GetId`, unlinked users),
//! all of it within one [`Deadline`] per request.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentity::Client as IdentityClient;
use serde_json::Value;
use token_verifier::CognitoJwtVerifier;

use crate::caller::{Grant, VerifiedCaller};
use crate::config::{AuthorizerConfig, HttpApiResponseFormat};
use crate::deadline::{Deadline, Step, log_out_of_time};
use crate::decision::{DenyReason, IdentityPlan, OnDirectoryMiss, Verdict, plan_identity};
use crate::error::{AuthorizerError, RejectReason};
use crate::event::{AuthorizerRequest, EventFlavour, EventParts};
use crate::identity_notes::{IdentityNotes, IdentitySource};
use crate::identity_resolver::{
    DEFAULT_IDENTITY_CACHE_CAPACITY, DirectoryLookup, IdentityResolver, Resolved, UnlinkedUser,
};
use crate::resource_arn::method_and_path;
use crate::response::{AnswerForm, AuthorizerResponse};
use crate::route_rules::{CalledRoute, RouteDenial, RouteRules};
use crate::token_cache::{
    DEFAULT_VERIFIED_TOKEN_CACHE_BYTES, DEFAULT_VERIFIED_TOKEN_CACHE_CAPACITY, VerifiedTokenCache,
};
use crate::token_identity::{ClaimCheck, ClaimUse, check_claim};

/// Built once per process (no network then) and shared by every invocation; a bench
/// or a test calls [`Authorizer::authorize`] in-process exactly as the runtime does.
pub struct Authorizer {
    verifier: CognitoJwtVerifier,
    identities: IdentityResolver,
    verified_tokens: VerifiedTokenCache,
    identity_pool_id: Arc<str>,
    require_linked: bool,
    /// `TRUST_TOKEN_IDENTITY_ID`: whether a token's `custom:identity_id` is its IdentityId
    /// or only a claim to check against the directory.
    claim_use: ClaimUse,
    http_api_response: HttpApiResponseFormat,
    max_token_bytes: usize,
    /// Each trusted pool's exact `iss`, to name the pool of a verified token.
    pools_by_issuer: Vec<(String, lambda_foundation::UserPoolId)>,
    /// `ROUTE_SCOPES` and `ROUTE_GROUPS`; shared with the answers that name their Deny
    /// statements.
    route_rules: Arc<RouteRules>,
    /// `AUTHORIZER_DEADLINE_MS`: the time budget of one request.
    budget: Duration,
}

impl Authorizer {
    /// An authorizer over `verifier` (built from `config.verifier`, or with a custom JWKS
    /// source) that resolves unlinked users with `identity_client`.
    pub fn new(config: AuthorizerConfig, verifier: CognitoJwtVerifier, identity_client: IdentityClient) -> Self {
        let user_pools: Vec<lambda_foundation::UserPoolId> =
            config.verifier.pools.iter().map(|pool| pool.user_pool_id.clone()).collect();
        let identities = IdentityResolver::new(
            identity_client,
            config.identity_pool_id.clone(),
            &user_pools,
            DEFAULT_IDENTITY_CACHE_CAPACITY,
            config.identity_cache_ttl_secs,
        );
        Authorizer {
            verifier,
            identities,
            verified_tokens: VerifiedTokenCache::new(
                DEFAULT_VERIFIED_TOKEN_CACHE_CAPACITY,
                DEFAULT_VERIFIED_TOKEN_CACHE_BYTES,
                config.verified_token_cache_ttl_secs,
            ),
            identity_pool_id: Arc::from(config.identity_pool_id.as_str()),
            require_linked: config.require_linked,
            claim_use: ClaimUse::from_setting(config.trust_token_identity_id),
            // Route rules never go with simple answers (`AuthorizerConfig::from_lookup`
            // refuses the pair); a configuration built in code gets policies too.
            http_api_response: if config.route_rules.is_empty() {
                config.http_api_response
            } else {
                HttpApiResponseFormat::Iam
            },
            max_token_bytes: config.verifier.max_token_bytes,
            pools_by_issuer: user_pools.into_iter().map(|pool| (pool.issuer(), pool)).collect(),
            route_rules: Arc::new(config.route_rules),
            budget: config.deadline,
        }
    }

    /// Answers one authorizer event as of `now` (seconds since the epoch).
    ///
    /// `Ok` is the policy or simple answer to return to API Gateway (it serializes to
    /// the JSON the flavour expects; [`AuthorizerResponse::to_value`] shows it); `Err` is
    /// a failure to report as the function's error (`Unauthorized` → 401, anything else
    /// → 500, see [`crate::error`]). Logs exactly one line per call, never the token.
    ///
    /// The same as [`Authorizer::authorize_request`] on the same JSON, which is what the
    /// Lambda runtime calls: it skips building the event as a [`Value`].
    pub async fn authorize(&self, event: &Value, now: u64) -> Result<AuthorizerResponse, AuthorizerError> {
        self.authorize_request(&AuthorizerRequest::from_value(event), now).await
    }

    /// Answers one authorizer event, deserialized from its JSON as an [`AuthorizerRequest`],
    /// as of `now` (seconds since the epoch), within the configured budget
    /// (`AUTHORIZER_DEADLINE_MS`) from this call. See [`Authorizer::authorize`].
    pub async fn authorize_request(
        &self,
        event: &AuthorizerRequest,
        now: u64,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        self.authorize_within(event, now, Deadline::starting_now(self.budget)).await
    }

    /// The configured budget of one request (`AUTHORIZER_DEADLINE_MS`).
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Answers one authorizer event within `deadline`: every wait for a dependency gets
    /// only what is left of it, and one that runs out is answered as that dependency's
    /// outage (see [`crate::deadline`]). The entry point computes the deadline when the
    /// invocation starts, cut to Lambda's own deadline.
    pub async fn authorize_within(
        &self,
        event: &AuthorizerRequest,
        now: u64,
        deadline: Deadline,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        let mut trace = DecisionTrace::default();
        let (request, answer) = match self.read(event, &mut trace) {
            Ok(read) => read,
            Err(err) => {
                trace.log(Err(&err));
                return Err(err);
            }
        };
        let outcome = self.decide(&request, now, &deadline, &mut trace).await;
        let route_denial = match &outcome {
            Ok(Verdict::Allow(grant)) if !self.route_rules.is_empty() => self.route_denial(&request, grant),
            _ => None,
        };
        trace.route_denial = route_denial;
        trace.log(outcome.as_ref());
        answer.render(outcome, &self.identity_pool_id, &self.route_rules, route_denial)
    }

    /// Why the called route is closed to an allowed caller, if it is. The answer does not
    /// depend on it (it denies every unmet route, see [`crate::route_rules`]), except a
    /// simple answer, which can only say yes or no to the route called; the log line
    /// names it either way.
    fn route_denial(&self, request: &EventParts<'_>, grant: &Grant) -> Option<RouteDenial> {
        let unmet = &grant.caller.unmet_routes;
        if unmet.is_empty() {
            return None;
        }
        let (method, path) = request.resource_arn.and_then(method_and_path)?;
        let route = CalledRoute { method, template: request.resource_path, path };
        self.route_rules.denial_for(route, unmet)
    }

    /// The event's parts and the form of its answer; an event that cannot be answered
    /// (unknown flavour, or no usable ARN where a policy needs one) is `Unauthorized`.
    fn read<'e>(
        &self,
        event: &'e AuthorizerRequest,
        trace: &mut DecisionTrace,
    ) -> Result<(EventParts<'e>, AnswerForm), AuthorizerError> {
        let malformed = |why| AuthorizerError::Unauthorized(RejectReason::MalformedEvent(why));
        let request = event.read().map_err(malformed)?;
        trace.flavour = Some(request.flavour);
        // With route rules the configuration never asks for simple answers (see
        // `AUTHORIZER_RESPONSE` in `crate::config`): one cannot name routes.
        let answer =
            AnswerForm::for_event(request.flavour, self.http_api_response, request.resource_arn).map_err(malformed)?;
        Ok((request, answer))
    }

    /// The verdict for a caller whose token is in `request`: verify (or recall), then
    /// find the IdentityId as the token and `REQUIRE_LINKED` dictate.
    async fn decide(
        &self,
        request: &EventParts<'_>,
        now: u64,
        deadline: &Deadline,
        trace: &mut DecisionTrace,
    ) -> Result<Verdict, AuthorizerError> {
        let token = request.token.ok_or(AuthorizerError::Unauthorized(RejectReason::MissingToken))?;
        let (caller, fresh) = self.verified_caller(token, now, deadline, trace).await?;
        trace.caller = Some(caller.clone());
        let outcome = self.identify(token, caller.clone(), now, deadline, &mut trace.identity).await;
        if let Some(key_set_generation) = fresh {
            self.remember(token, caller, &outcome, now, key_set_generation);
        }
        outcome
    }

    /// Puts a token verified by this call into the verified-token cache. A caller whose
    /// token does not carry their IdentityId goes in with the context of this Allow
    /// written out (in place: the answer's caller is the same one), which the answer then
    /// copies, and so will every repeat while the caller keeps that IdentityId.
    fn remember(
        &self,
        token: &str,
        caller: Arc<VerifiedCaller>,
        outcome: &Result<Verdict, AuthorizerError>,
        now: u64,
        key_set_generation: u64,
    ) {
        if let Ok(Verdict::Allow(grant)) = outcome {
            caller.write_resolved_context(grant.identity_id.as_ref(), &self.identity_pool_id, grant.linked);
        }
        self.verified_tokens.insert(token, caller, now, key_set_generation);
    }

    /// The verdict for a verified caller: find the IdentityId as the token and
    /// `REQUIRE_LINKED` dictate.
    async fn identify(
        &self,
        token: &str,
        caller: Arc<VerifiedCaller>,
        now: u64,
        deadline: &Deadline,
        notes: &mut IdentityNotes,
    ) -> Result<Verdict, AuthorizerError> {
        let not_linked =
            |caller: &VerifiedCaller| Verdict::Deny { sub: caller.sub.clone(), reason: DenyReason::NotLinked };
        let unknown = |caller| Verdict::Allow(Grant { caller, identity_id: None, linked: false });
        let user = UnlinkedUser {
            user_pool_id: &caller.user_pool_id,
            sub: &caller.sub,
            username: caller.username.as_deref(),
            id_token: Some(token),
        };
        let resolved = |resolved: Resolved, caller| {
            Verdict::Allow(Grant { identity_id: Some(resolved.identity_id), linked: resolved.in_directory, caller })
        };
        match plan_identity(&caller, self.require_linked, self.identities.has_directory(), self.claim_use) {
            IdentityPlan::Linked(identity_id) => {
                notes.source = Some(IdentitySource::Claim);
                Ok(Verdict::Allow(Grant { caller, identity_id: Some(identity_id), linked: true }))
            }
            IdentityPlan::DenyUnlinked => Ok(not_linked(&caller)),
            IdentityPlan::Unknown => Ok(unknown(caller)),
            IdentityPlan::Resolve { get_id_on_miss } => {
                match self.identities.resolve(user, get_id_on_miss, now, deadline, notes).await? {
                    Some(found) => match check_claim(caller.linked_identity_id.as_deref(), &found) {
                        ClaimCheck::Consistent => Ok(resolved(found, caller.clone())),
                        ClaimCheck::Contradicted => Ok(contradicted(&caller, &found)),
                    },
                    None => Ok(not_linked(&caller)),
                }
            }
            IdentityPlan::Lookup { on_miss } => {
                let user = UnlinkedUser { id_token: None, ..user };
                match (self.identities.resolve(user, false, now, deadline, notes).await, on_miss) {
                    (Ok(Some(found)), _) => Ok(resolved(found, caller.clone())),
                    (Ok(None), OnDirectoryMiss::Deny) => Ok(not_linked(&caller)),
                    // Nothing else knows an access token's IdentityId: without a required
                    // link, a user the directory does not know is allowed without one.
                    (Ok(None), OnDirectoryMiss::AllowUnidentified) => Ok(unknown(caller.clone())),
                    // A directory that cannot answer is a 500, never an Allow without
                    // identity that API Gateway would cache for its whole TTL.
                    (Err(err), _) => Err(err),
                }
            }
        }
    }

    /// The caller of a token: from the verified-token cache, else by verifying it, with
    /// the key set generation to cache it under when it may be (see
    /// [`Authorizer::remember`]).
    ///
    /// A token is cached only if the key set did not change during the verification
    /// (the first token of an instance loads the keys, for one): the entry must belong
    /// to the key set it was verified with, or a flush on rotation could miss it. Such a
    /// token is simply verified again next time.
    async fn verified_caller(
        &self,
        token: &str,
        now: u64,
        deadline: &Deadline,
        trace: &mut DecisionTrace,
    ) -> Result<(Arc<VerifiedCaller>, Option<u64>), AuthorizerError> {
        // An oversized token goes straight to the verifier, which refuses it before
        // reading it: looking it up first would only cost time.
        let cacheable = token.len() <= self.max_token_bytes;
        let key_set_generation = self.verifier.key_set_generation();
        if cacheable && let Some(caller) = self.verified_tokens.get(token, now, key_set_generation) {
            trace.from_cache = true;
            return Ok((caller, None));
        }
        // Ready at once when the keys are cached; waits only on a JWKS fetch (or behind one).
        let claims = match deadline.bound(deadline.allowance(Step::Keys), self.verifier.verify_at(token, now)).await {
            Ok(verified) => verified?,
            Err(out) => {
                log_out_of_time(Step::Keys, out, None);
                return Err(AuthorizerError::KeysUnavailable);
            }
        };
        let pool = self.pools_by_issuer.iter().find(|(issuer, _)| *issuer == claims.iss).map(|(_, pool)| pool.clone());
        // The verifier accepts only these issuers; anything else is refused as it would be.
        let pool = pool.ok_or(AuthorizerError::Unauthorized(RejectReason::InvalidToken(
            token_verifier::VerifyError::WrongIssuer,
        )))?;
        let caller = Arc::new(VerifiedCaller::from_claims(claims, &self.identity_pool_id, pool, &self.route_rules));
        let cache_under =
            (cacheable && self.verifier.key_set_generation() == key_set_generation).then_some(key_set_generation);
        Ok((caller, cache_under))
    }

    /// The same authorizer resolving unlinked users through the identity directory
    /// first, by each token's own pool and `sub` (`GetId` only on a miss, then recorded
    /// there); for access tokens the directory is the only source.
    pub fn with_directory(mut self, directory: directory::IdentityDirectory) -> Self {
        self.identities = self.identities.with_directory(DirectoryLookup { directory });
        self
    }

    /// How many verified tokens this instance holds: what the tests and benches check the
    /// cache with (the `cache-introspection` feature, which only they turn on).
    #[cfg(feature = "cache-introspection")]
    pub fn cached_token_count(&self) -> usize {
        self.verified_tokens.len()
    }
}

/// The Deny for a token whose `custom:identity_id` is not the IdentityId the directory
/// holds for its user, with its one warning line: the user, their pool and the two ids,
/// nothing else of the token.
fn contradicted(caller: &VerifiedCaller, found: &Resolved) -> Verdict {
    tracing::warn!(
        sub = caller.sub.as_str(),
        user_pool_id = caller.user_pool_id.as_str(),
        directory_identity_id = &*found.identity_id,
        token_identity_id = caller.linked_identity_id.as_deref(),
        "the token's custom:identity_id disagrees with the directory; denied"
    );
    Verdict::Deny { sub: caller.sub.clone(), reason: DenyReason::IdentityMismatch }
}

/// What one call learnt, for its single log line.
#[derive(Default)]
struct DecisionTrace {
    flavour: Option<EventFlavour>,
    caller: Option<Arc<VerifiedCaller>>,
    from_cache: bool,
    /// The route rule the called route's request fails, for an allowed caller.
    route_denial: Option<RouteDenial>,
    /// Where the IdentityId came from, and the directory's and `GetId`'s part: for the
    /// call's metrics line.
    identity: IdentityNotes,
}

impl DecisionTrace {
    /// One line per decision: outcome, reason code, flavour, `sub` once known; then the
    /// call's metrics line.
    fn log(&self, outcome: Result<&Verdict, &AuthorizerError>) {
        crate::metrics::record(outcome, self.route_denial.is_some(), self.identity);
        let flavour = self.flavour.map(EventFlavour::as_str);
        let sub = self.caller.as_deref().map(|caller| caller.sub.as_str());
        let cached = self.from_cache;
        match outcome {
            Ok(Verdict::Allow(_)) if let Some(denial) = self.route_denial => {
                tracing::info!(outcome = "deny", reason = denial.code(), flavour, sub, cached, "authorizer decision")
            }
            Ok(Verdict::Allow(grant)) => {
                tracing::info!(outcome = "allow", flavour, sub, linked = grant.linked, cached, "authorizer decision")
            }
            Ok(Verdict::Deny { reason, .. }) => {
                tracing::info!(outcome = "deny", reason = reason.code(), flavour, sub, cached, "authorizer decision")
            }
            Err(err) if err.is_unauthorized() => {
                tracing::info!(
                    outcome = "unauthorized",
                    reason = err.code(),
                    flavour,
                    sub,
                    cached,
                    "authorizer decision"
                )
            }
            Err(err) => {
                tracing::error!(outcome = "error", reason = err.code(), flavour, sub, cached, "authorizer decision")
            }
        }
    }
}
