//! Cognito's ids as types: parsed once where they enter (configuration, a token, an S3
//! key), so that code further in never re-checks a string or splits out a region again.

use std::fmt;
use std::str::FromStr;

/// Why a string is not the id it claims to be. `Display` says what was expected, never
/// repeats the value (which may come from a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not `<region>_<id>`.
    #[error("expected a user pool id <region>_<id>, e.g. us-east-1_AbCdEf123")]
    UserPool,
    /// Not `<region>:<uuid>`.
    #[error("expected an identity pool id <region>:<uuid>, e.g. us-east-1:1f0c1a2b-…")]
    IdentityPool,
    /// Not an IdentityId as Cognito writes them (`<region>:<lowercase hex and dashes>`).
    #[error("expected an IdentityId <region>:<uuid>, e.g. us-east-1:1f0c7e2a-…")]
    Identity,
}

/// An AWS region as it appears inside Cognito ids: lowercase letters, digits, dashes.
fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

macro_rules! id_type_common {
    ($name:ident) => {
        impl $name {
            /// The id as Cognito writes it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The region the id belongs to (its part before the separator): where calls
            /// about it must go, wherever the caller runs.
            pub fn region(&self) -> &str {
                &self.0[..self.1]
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::parse(text)
            }
        }
    };
}

/// A user pool id, `us-east-1_AbCdEf123`: its region names its issuer and its `Logins` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserPoolId(String, usize);

impl UserPoolId {
    /// Parses `<region>_<alphanumeric id>`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let (region, id) = text.split_once('_').ok_or(IdError::UserPool)?;
        let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        if is_region(region) && id_ok { Ok(UserPoolId(text.to_owned(), region.len())) } else { Err(IdError::UserPool) }
    }

    /// The exact `iss` claim of this pool's tokens.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.region(), self.0)
    }

    /// This pool's key in a Cognito Identity `Logins` map (the issuer without its scheme).
    pub fn login_provider(&self) -> String {
        format!("cognito-idp.{}.amazonaws.com/{}", self.region(), self.0)
    }
}
id_type_common!(UserPoolId);

/// An identity pool id, `us-east-1:1f0c1a2b-…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityPoolId(String, usize);

impl IdentityPoolId {
    /// Parses `<region>:<id>`, the id at least 8 characters with no further colon.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let (region, id) = text.split_once(':').ok_or(IdError::IdentityPool)?;
        let id_ok = id.len() >= 8 && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if is_region(region) && id_ok {
            Ok(IdentityPoolId(text.to_owned(), region.len()))
        } else {
            Err(IdError::IdentityPool)
        }
    }
}
id_type_common!(IdentityPoolId);

/// A user's IdentityId in an identity pool, `us-east-1:1f0c7e2a-…`: what S3 policies
/// see as `${cognito-identity.amazonaws.com:sub}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityId(String, usize);

impl IdentityId {
    /// Cognito's own bound on an IdentityId's length.
    pub const MAX_LEN: usize = 55;

    /// Parses what Cognito's API accepts as an IdentityId (`[\w-]+:[0-9a-f-]+`, at most
    /// 55 characters), with the region part checked as a region.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.len() > Self::MAX_LEN {
            return Err(IdError::Identity);
        }
        let (region, id) = text.split_once(':').ok_or(IdError::Identity)?;
        let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-');
        if is_region(region) && id_ok { Ok(IdentityId(text.to_owned(), region.len())) } else { Err(IdError::Identity) }
    }
}
id_type_common!(IdentityId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_pool_ids_name_their_region_issuer_and_login_key() {
        let pool = UserPoolId::parse("us-east-1_AbCdEf123").unwrap();
        assert_eq!(pool.region(), "us-east-1");
        assert_eq!(pool.issuer(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123");
        assert_eq!(pool.login_provider(), "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123");
        assert_eq!(pool.to_string(), "us-east-1_AbCdEf123");
    }

    #[test]
    fn malformed_user_pool_ids_are_refused() {
        for bad in ["", "us-east-1", "_Abc", "us-east-1_", "US-EAST-1_Abc", "us-east-1_Ab-c", "us east_1", "a_b_c"] {
            assert_eq!(UserPoolId::parse(bad), Err(IdError::UserPool), "{bad}");
        }
    }

    #[test]
    fn identity_pool_ids_are_region_colon_id() {
        let pool = IdentityPoolId::parse("eu-west-1:1f0c1a2b-0000-4000-8000-000000000000").unwrap();
        assert_eq!(pool.region(), "eu-west-1");
        for bad in ["us-east-1", "us-east-1:short", "US EAST:1f0c1a2b-0000", ":1f0c1a2b-0000", "a:b:1f0c1a2b-0000"] {
            assert_eq!(IdentityPoolId::parse(bad), Err(IdError::IdentityPool), "{bad}");
        }
    }

    #[test]
    fn identity_ids_are_what_cognito_writes() {
        let id = IdentityId::parse("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6").unwrap();
        assert_eq!(id.region(), "us-east-1");
        assert_eq!(id.as_str().parse::<IdentityId>().unwrap(), id);
        let too_long = format!("us-east-1:{}", "a".repeat(50));
        for bad in [
            "",
            "us-east-1",
            "us-east-1:",
            ":abc",
            "us-east-1:1F0C",
            "us-east-1:1f0c/../x",
            "us-east-1:1f0c:2",
            "us-east-1:1f0c 7e2a",
            "us-east-1:1f0c%2F",
            too_long.as_str(),
        ] {
            assert_eq!(IdentityId::parse(bad), Err(IdError::Identity), "{bad}");
        }
    }

    #[test]
    fn errors_never_repeat_the_value() {
        let err = IdentityId::parse("us-east-1:secret-looking-VALUE").unwrap_err();
        assert!(!err.to_string().contains("VALUE"));
    }
}
