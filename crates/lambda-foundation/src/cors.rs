//! The browser origin allowed to read a function's answers.
//!
//! API Gateway answers CORS preflights and adds `Access-Control-Allow-Origin` to its own
//! errors (the template's `Cors` and `GatewayResponses`), but a proxy integration's answer
//! is the function's own: without the header, a browser on the app's origin cannot read
//! a successful `/link` or `/whoami`. Each function that a browser calls adds it, with the
//! same value the template gives API Gateway (`ALLOWED_ORIGIN`, from the `AllowedOrigin`
//! parameter).

use crate::env_config::{ConfigError, optional};

/// The response header a function adds.
pub const ALLOW_ORIGIN_HEADER: &str = "access-control-allow-origin";

/// `*`, or one origin `http(s)://host[:port]`: the template's `AllowedPattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin(String);

impl AllowedOrigin {
    /// Parses an origin as the template's `AllowedOrigin` parameter accepts it.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        const REASON: &str = "expected * or an origin such as https://app.example.com[:port]";
        if text == "*" {
            return Ok(AllowedOrigin(text.to_owned()));
        }
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).ok_or(REASON)?;
        let (host, port) = match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        };
        let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        let port_ok = port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
        if host_ok && port_ok { Ok(AllowedOrigin(text.to_owned())) } else { Err(REASON) }
    }

    /// `ALLOWED_ORIGIN` through `lookup`: `None` when unset (no browser client).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        optional(lookup, "ALLOWED_ORIGIN")
            .map(|value| {
                Self::parse(&value)
                    .map_err(|reason| ConfigError::Invalid { var: "ALLOWED_ORIGIN", reason: reason.into() })
            })
            .transpose()
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_template_accepts() {
        for good in ["*", "http://localhost:3000", "https://app.example.com", "https://a-b.example.co.uk:8443"] {
            assert_eq!(AllowedOrigin::parse(good).unwrap().as_str(), good);
        }
        for bad in
            ["", "localhost", "ftp://x", "https://", "https://x/", "https://x:", "https://x:123456", "https://x y"]
        {
            assert!(AllowedOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unset_is_none_and_bad_names_the_variable() {
        assert_eq!(AllowedOrigin::from_lookup(&|_| None).unwrap(), None);
        let err = AllowedOrigin::from_lookup(&|_| Some("nope".into())).unwrap_err();
        assert!(err.to_string().starts_with("configuration error: ALLOWED_ORIGIN is invalid"), "{err}");
    }
}
