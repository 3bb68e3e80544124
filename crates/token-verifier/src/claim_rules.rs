//! The claim checks as one pure function: claims and rules in, verdict out.

use crate::claims::{CognitoClaims, TokenUse};
use crate::error::VerifyError;

/// What a token's claims must satisfy. Built once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRules {
    /// The exact expected `iss`.
    pub issuer: String,
    /// App client ids accepted as `aud` (id tokens) or `client_id` (access tokens).
    pub client_ids: Vec<String>,
    /// The required `token_use`.
    pub token_use: TokenUse,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

/// Checks `token_use`, `iss`, audience, `exp` and `nbf` at time `now` (seconds since the epoch).
///
/// Runs only after the signature verified, so the claims are the issuer's own.
pub fn check_claims(claims: &CognitoClaims, rules: &ClaimRules, now: u64) -> Result<(), VerifyError> {
    if claims.token_use != rules.token_use.as_str() {
        return Err(VerifyError::WrongTokenUse { expected: rules.token_use.as_str() });
    }
    if claims.iss != rules.issuer {
        return Err(VerifyError::WrongIssuer);
    }
    let audience_ok = match rules.token_use {
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

    fn rules(token_use: TokenUse) -> ClaimRules {
        ClaimRules {
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool".into(),
            client_ids: vec!["client-a".into(), "client-b".into()],
            token_use,
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
