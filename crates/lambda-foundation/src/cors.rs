//! The browser origin allowed to read a function's answers.
//!
//! API Gateway answers CORS preflights and adds `Access-Control-Allow-Origin` to its own
//! errors (the template's `Cors` and `GatewayResponses`), but a proxy integration's answer
//! is the function's own: without the header, a browser on the app's origin cannot read
//! a successful `/link` or `/whoami`. Each function that a browser calls adds it, with the
//! same value the template gives API Gateway (`ALLOWED_ORIGIN`, from the `AllowedOrigin`
//! parameter). The local gateway reads its `--allowed-origin` with the same parser.

use http::HeaderValue;

use crate::env_config::{ConfigError, optional};

/// The response header a function adds.
pub const ALLOW_ORIGIN_HEADER: &str = "access-control-allow-origin";
/// Lists the response headers, beyond the CORS-safelisted ones, that a page may read.
pub const EXPOSE_HEADERS_HEADER: &str = "access-control-expose-headers";
/// What a page may read beyond the safelisted headers: the `Retry-After` of a 429 or 503,
/// so the app can wait as long as asked.
pub const EXPOSED_HEADERS: &str = "Retry-After";

/// `*`, or one origin `http(s)://host[:port]`: the template's `AllowedPattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin {
    text: String,
    /// The same text as a header value, made once (every accepted origin is one).
    header: HeaderValue,
}

impl AllowedOrigin {
    /// Parses an origin as the template's `AllowedOrigin` parameter accepts it.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        const REASON: &str = "expected * or an origin such as https://app.example.com[:port]";
        if text == "*" {
            return Self::accepted(text);
        }
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).ok_or(REASON)?;
        let (host, port) = match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        };
        let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        let port_ok = port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
        if host_ok && port_ok { Self::accepted(text) } else { Err(REASON) }
    }

    /// An origin that passed [`Self::parse`]'s checks (visible ASCII only, so always a
    /// valid header value).
    fn accepted(text: &str) -> Result<Self, &'static str> {
        let header = HeaderValue::from_str(text).map_err(|_| "not a valid header value")?;
        Ok(AllowedOrigin { text: text.to_owned(), header })
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

    /// The origin as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The `Access-Control-Allow-Origin` value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

/// `response` with `Access-Control-Allow-Origin` naming `origin` and
/// `Access-Control-Expose-Headers: Retry-After`, when an origin is configured (`None`: no
/// browser client, the response as it is). Success and errors alike, so that the app can
/// read why a call failed and how long to wait before it tries again.
///
/// ```
/// use lambda_foundation::cors::{AllowedOrigin, with_allowed_origin};
///
/// let origin = AllowedOrigin::parse("https://app.example.com").unwrap();
/// let response = with_allowed_origin(Some(&origin), http::Response::new(()));
/// assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
/// assert_eq!(response.headers()["access-control-expose-headers"], "Retry-After");
/// assert!(with_allowed_origin(None, http::Response::new(())).headers().is_empty());
/// ```
pub fn with_allowed_origin<B>(origin: Option<&AllowedOrigin>, mut response: http::Response<B>) -> http::Response<B> {
    if let Some(origin) = origin {
        response.headers_mut().insert(ALLOW_ORIGIN_HEADER, origin.header.clone());
        response.headers_mut().insert(EXPOSE_HEADERS_HEADER, HeaderValue::from_static(EXPOSED_HEADERS));
    }
    response
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
    fn the_header_names_the_origin_and_replaces_any_other() {
        let origin = AllowedOrigin::parse("http://localhost:5173").unwrap();
        let answer = http::Response::builder().header(ALLOW_ORIGIN_HEADER, "*").body(()).unwrap();
        let answer = with_allowed_origin(Some(&origin), answer);
        let values: Vec<_> = answer.headers().get_all(ALLOW_ORIGIN_HEADER).iter().collect();
        assert_eq!(values, [origin.header_value()]);
        assert_eq!(origin.header_value(), "http://localhost:5173");
        assert_eq!(answer.headers()[EXPOSE_HEADERS_HEADER], "Retry-After");
    }

    #[test]
    fn unset_is_none_and_bad_names_the_variable() {
        assert_eq!(AllowedOrigin::from_lookup(&|_| None).unwrap(), None);
        let err = AllowedOrigin::from_lookup(&|_| Some("nope".into())).unwrap_err();
        assert!(err.to_string().starts_with("configuration error: ALLOWED_ORIGIN is invalid"), "{err}");
    }
}
