//! The claim checks as one pure function: claims and rules in, verdict out.

use crate::claims::{AcceptedTokens, CognitoClaims, TokenUse};
use crate::error::VerifyError;

/// What a token's claims must satisfy. Built once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRules {
    /// The exact expected `iss`.
    pub issuer: String,
    /// App client ids accepted as `aud` (id tokens) or `client_id` (access tokens).
    pub client_ids: Vec<String>,
    /// The accepted `token_use` kinds.
    pub token_use: AcceptedTokens,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

/// Checks `token_use`, `iss`, audience (`aud` for id tokens, `client_id` for access
/// tokens, whichever kinds are accepted), `exp` and `nbf` at time `now` (seconds since the epoch).
///
/// Runs only after the signature verified, so the claims are the issuer's own.
pub fn check_claims(claims: &CognitoClaims, rules: &ClaimRules, now: u64) -> Result<(), VerifyError> {
    let kind = claims.kind().filter(|kind| rules.token_use.accepts(*kind));
    let Some(kind) = kind else {
        return Err(VerifyError::WrongTokenUse { expected: rules.token_use.as_str() });
    };
    if claims.iss != rules.issuer {
        return Err(VerifyError::WrongIssuer);
    }
    let audience_ok = match kind {
        TokenUse::Id => claims.aud.iter().any(|aud| rules.client_ids.contains(aud)),
        TokenUse::Access => claims.client_id.as_ref().is_some_and(|id| rules.client_ids.contains(id)),
    };
    if !audience_ok {
        return Err(VerifyError::WrongAudience);
    }
    let exp = claims.exp.ok_or(VerifyError::MissingClaim("exp"))?;
    if now >= exp.saturating_add(rules.leeway_secs) {
        return Err(VerifyError::Expired);
    }
    if let Some(nbf) = claims.nbf
        && now.saturating_add(rules.leeway_secs) < nbf
    {
        return Err(VerifyError::NotYetValid);
    }
    if claims.sub.is_empty() {
        return Err(VerifyError::MissingClaim("sub"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn rules(token_use: impl Into<AcceptedTokens>) -> ClaimRules {
        ClaimRules {
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool".into(),
            client_ids: vec!["client-a".into(), "client-b".into()],
            token_use: token_use.into(),
            leeway_secs: 10,
        }
    }

    fn id_claims() -> CognitoClaims {
        serde_json::from_value(serde_json::json!({
            "sub": "0000-sub",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
            "token_use": "id",
            "aud": "client-b",
            "exp": NOW + 3600,
            "cognito:username": "alice",
        }))
        .unwrap()
    }

    #[test]
    fn a_good_id_token_passes() {
        assert_eq!(check_claims(&id_claims(), &rules(TokenUse::Id), NOW), Ok(()));
    }

    #[test]
    fn token_use_must_match() {
        let mut claims = id_claims();
        claims.token_use = "access".into();
        assert_eq!(
            check_claims(&claims, &rules(TokenUse::Id), NOW),
            Err(VerifyError::WrongTokenUse { expected: "id" })
        );
    }

    #[test]
    fn issuer_must_match_exactly() {
        for iss in [
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool/",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
            "http://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
        ] {
            let mut claims = id_claims();
            claims.iss = iss.into();
            assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::WrongIssuer));
        }
    }

    #[test]
    fn id_token_audience_must_be_an_accepted_client() {
        let mut claims = id_claims();
        claims.aud = vec!["client-z".into()];
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::WrongAudience));
        claims.aud = vec![];
        claims.client_id = Some("client-a".into());
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::WrongAudience));
    }

    #[test]
    fn access_token_audience_is_client_id() {
        let mut claims = id_claims();
        claims.token_use = "access".into();
        claims.aud = vec![];
        claims.client_id = Some("client-a".into());
        assert_eq!(check_claims(&claims, &rules(TokenUse::Access), NOW), Ok(()));
        claims.client_id = Some("client-z".into());
        assert_eq!(check_claims(&claims, &rules(TokenUse::Access), NOW), Err(VerifyError::WrongAudience));
    }

    #[test]
    fn any_accepts_both_kinds_each_by_its_own_audience() {
        let any = rules(AcceptedTokens::Any);
        assert_eq!(check_claims(&id_claims(), &any, NOW), Ok(()));
        let mut access = id_claims();
        access.token_use = "access".into();
        access.client_id = Some("client-a".into());
        access.aud = vec!["client-z".into()];
        assert_eq!(check_claims(&access, &any, NOW), Ok(()));
        // An id token is never accepted on its client_id, an access token never on its aud.
        let mut id = id_claims();
        id.aud = vec!["client-z".into()];
        id.client_id = Some("client-a".into());
        assert_eq!(check_claims(&id, &any, NOW), Err(VerifyError::WrongAudience));
        access.client_id = None;
        access.aud = vec!["client-a".into()];
        assert_eq!(check_claims(&access, &any, NOW), Err(VerifyError::WrongAudience));
        for other in ["refresh", "", "ID"] {
            let mut claims = id_claims();
            claims.token_use = other.into();
            assert_eq!(
                check_claims(&claims, &any, NOW),
                Err(VerifyError::WrongTokenUse { expected: "id or access" }),
                "{other}"
            );
        }
    }

    #[test]
    fn exp_is_required() {
        let mut claims = id_claims();
        claims.exp = None;
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::MissingClaim("exp")));
    }

    #[test]
    fn exp_honours_leeway_and_no_more() {
        let mut claims = id_claims();
        claims.exp = Some(NOW - 5);
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Ok(()));
        claims.exp = Some(NOW - 10);
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::Expired));
    }

    #[test]
    fn nbf_is_checked_when_present() {
        let mut claims = id_claims();
        claims.nbf = Some(NOW + 5);
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Ok(()));
        claims.nbf = Some(NOW + 11);
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::NotYetValid));
    }

    #[test]
    fn sub_must_not_be_empty() {
        let mut claims = id_claims();
        claims.sub = String::new();
        assert_eq!(check_claims(&claims, &rules(TokenUse::Id), NOW), Err(VerifyError::MissingClaim("sub")));
    }

    #[test]
    fn audience_may_be_a_list() {
        let claims: CognitoClaims = serde_json::from_value(serde_json::json!({
            "sub": "s", "iss": "i", "token_use": "id", "aud": ["x", "client-a"], "exp": NOW + 1
        }))
        .unwrap();
        let mut r = rules(TokenUse::Id);
        r.issuer = "i".into();
        assert_eq!(check_claims(&claims, &r, NOW), Ok(()));
    }
}
