//! Reading the user pool sign-in out of IAM auth's Cognito fields.

/// A user pool sign-in behind Cognito identity pool credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPoolLogin {
    /// `cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub provider: String,
    /// The user pool `sub`.
    pub sub: String,
}

const SIGN_IN_MARKER: &str = ":CognitoSignIn:";

/// Parses REST `identity.cognitoAuthenticationProvider`, e.g.
/// `cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab,cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab:CognitoSignIn:<sub>`.
///
/// Returns `None` for any other provider (federated, developer-authenticated, unauthenticated).
///
/// ```
/// let login = caller_identity::parse_authentication_provider(
///     "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab,cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab:CognitoSignIn:7f1e",
/// ).unwrap();
/// assert_eq!(login.sub, "7f1e");
/// assert_eq!(login.provider, "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab");
/// ```
pub fn parse_authentication_provider(value: &str) -> Option<UserPoolLogin> {
    value.split(',').rev().find_map(|part| parse_sign_in(part.trim()))
}

/// Finds the user pool sign-in in HTTP API `authorizer.iam.cognitoIdentity.amr`
/// (`["authenticated", "cognito-idp…/<pool>", "cognito-idp…/<pool>:CognitoSignIn:<sub>"]`).
pub fn user_pool_login_from_amr(amr: &[String]) -> Option<UserPoolLogin> {
    if !amr.iter().any(|a| a == "authenticated") {
        return None;
    }
    amr.iter().rev().find_map(|part| parse_sign_in(part))
}

fn parse_sign_in(part: &str) -> Option<UserPoolLogin> {
    let (provider, sub) = part.split_once(SIGN_IN_MARKER)?;
    let provider_ok = provider.starts_with("cognito-idp.") && provider.contains(".amazonaws.com/");
    let sub_ok = !sub.is_empty() && sub.len() <= 128 && sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (provider_ok && sub_ok).then(|| UserPoolLogin { provider: provider.to_owned(), sub: sub.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_provider_with_sign_in() {
        let login = parse_authentication_provider(
            "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X,cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X:CognitoSignIn:abc-123",
        )
        .unwrap();
        assert_eq!(
            login,
            UserPoolLogin { provider: "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X".into(), sub: "abc-123".into() }
        );
    }

    #[test]
    fn other_providers_are_not_user_pool_logins() {
        assert_eq!(parse_authentication_provider("graph.facebook.com"), None);
        assert_eq!(parse_authentication_provider(""), None);
        assert_eq!(
            parse_authentication_provider("cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:"),
            None
        );
        assert_eq!(parse_authentication_provider("evil.example/x:CognitoSignIn:abc"), None);
    }

    #[test]
    fn amr_requires_authenticated() {
        let amr = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let sign_in = "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:s-1";
        assert_eq!(
            user_pool_login_from_amr(&amr(&[
                "authenticated",
                "cognito-idp.us-east-1.amazonaws.com/us-east-1_X",
                sign_in
            ]))
            .unwrap()
            .sub,
            "s-1"
        );
        assert_eq!(user_pool_login_from_amr(&amr(&["unauthenticated", sign_in])), None);
        assert_eq!(user_pool_login_from_amr(&amr(&["authenticated", "graph.facebook.com"])), None);
    }
}
