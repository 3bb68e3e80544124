//! Reading the user pool id out of a token's issuer.

/// The user pool id of a Cognito issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`
/// (the `iss` claim API Gateway's own authorizers pass on).
///
/// Claims carry no pool id of their own, and a `sub` is unique only within its pool, so
/// this is how a handler behind the built-in authorizers tells pools apart. Any other
/// issuer (another identity provider behind a JWT authorizer, a look-alike host, a path
/// with more segments) is `None`.
///
/// ```
/// assert_eq!(
///     caller_identity::user_pool_id_from_issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"),
///     Some("us-east-1_AbCdEf123"),
/// );
/// assert_eq!(caller_identity::user_pool_id_from_issuer("https://login.example.com/us-east-1_AbCdEf123"), None);
/// ```
pub fn user_pool_id_from_issuer(iss: &str) -> Option<&str> {
    let (host, pool) = iss.strip_prefix("https://")?.split_once('/')?;
    let region = host.strip_prefix("cognito-idp.")?;
    let region = region.strip_suffix(".amazonaws.com").or_else(|| region.strip_suffix(".amazonaws.com.cn"))?;
    let region_ok =
        !region.is_empty() && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let (pool_region, suffix) = pool.split_once('_')?;
    let pool_ok = pool_region == region
        && !suffix.is_empty()
        && pool.len() <= 55
        && suffix.chars().all(|c| c.is_ascii_alphanumeric());
    (region_ok && pool_ok).then_some(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cognito_issuers_name_their_pool() {
        assert_eq!(
            user_pool_id_from_issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X9"),
            Some("eu-west-1_X9")
        );
        assert_eq!(
            user_pool_id_from_issuer("https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Ab"),
            Some("cn-north-1_Ab")
        );
    }

    #[test]
    fn other_issuers_name_no_pool() {
        for iss in [
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
        ] {
            assert_eq!(user_pool_id_from_issuer(iss), None, "{iss:?}");
        }
    }
}
