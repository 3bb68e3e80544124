//! The browser origins allowed to read a function's answers.
//!
//! API Gateway answers CORS preflights and adds `Access-Control-Allow-Origin` to its own
//! errors (the template's `Cors` and `GatewayResponses`), but a proxy integration's answer
//! is the function's own: without the header, a browser on the app's origin cannot read
//! a successful `/link` or `/whoami`. Each function that a browser calls adds it, from the
//! same list the template gives API Gateway (`ALLOWED_ORIGIN`, from the `AllowedOrigin`
//! parameter: `*`, or one or more origins separated by commas).
//!
//! `Access-Control-Allow-Origin` holds one origin (Fetch standard), so with a list the
//! function names the request's own `Origin` when it is listed, nothing when it is not,
//! and says `Vary: Origin` so that no cache hands one origin's answer to another. The
//! local gateway reads its `--allowed-origin` with the same parser.

use http::HeaderValue;
use http::header::VARY;

use crate::env_config::{ConfigError, optional};

/// The response header a function adds.
pub const ALLOW_ORIGIN_HEADER: &str = "access-control-allow-origin";
/// Lists the response headers, beyond the CORS-safelisted ones, that a page may read.
pub const EXPOSE_HEADERS_HEADER: &str = "access-control-expose-headers";
/// What a page may read beyond the safelisted headers: the `Retry-After` of a 429 or 503,
/// so the app can wait as long as asked.
pub const EXPOSED_HEADERS: &str = "Retry-After";
/// The request header a browser names its page's origin in.
pub const ORIGIN_HEADER: &str = "origin";

/// `*`, or one or more origins `http(s)://host[:port]` separated by commas: the
/// template's `AllowedOrigin` parameter (its `AllowedPattern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins {
    text: String,
    allowed: Allowed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// `*`: every origin may read the answers (no credentials are involved).
    Any,
    /// Only these, each as its header value, made once (every accepted origin is one).
    Listed(Vec<HeaderValue>),
}

const REASON: &str = "expected * or origins such as https://app.example.com[:port], separated by commas";

impl AllowedOrigins {
    /// Parses the list as the template's `AllowedOrigin` parameter accepts it: no empty
    /// entry, `*` only alone, no path, no trailing slash. Spaces around commas are allowed.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let entries: Vec<&str> = text.split(',').map(str::trim).collect();
        if entries == ["*"] {
            return Ok(AllowedOrigins { text: "*".into(), allowed: Allowed::Any });
        }
        if entries.contains(&"*") {
            return Err("* allows every origin: it cannot be listed with others");
        }
        if entries.iter().any(|entry| entry.is_empty()) {
            return Err("an entry of the list is empty (two commas, or one at either end)");
        }
        let listed = entries.iter().map(|entry| origin_header(entry)).collect::<Result<Vec<_>, _>>()?;
        Ok(AllowedOrigins { text: entries.join(","), allowed: Allowed::Listed(listed) })
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

    /// The list as configured (entries joined by commas, no spaces), e.g. for `ALLOWED_ORIGIN`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether every origin is allowed (`*`).
    pub fn allows_any(&self) -> bool {
        self.allowed == Allowed::Any
    }

    /// The value a static CORS header carries where it cannot depend on the request
    /// (API Gateway's preflight mock integration and gateway responses): the one origin
    /// of a one-origin list, else `*`.
    pub fn static_header_value(&self) -> HeaderValue {
        match &self.allowed {
            Allowed::Listed(listed) if listed.len() == 1 => listed[0].clone(),
            _ => HeaderValue::from_static("*"),
        }
    }

    /// The echo decision: the `Access-Control-Allow-Origin` value for a request from
    /// `request_origin`: `*` when any origin may read, the request's origin when it is
    /// listed (exactly: scheme, host and port), else none.
    pub fn allow_origin_for(&self, request_origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        match &self.allowed {
            Allowed::Any => Some(HeaderValue::from_static("*")),
            Allowed::Listed(listed) => {
                let origin = request_origin?;
                listed.iter().find(|allowed| allowed.as_bytes().eq_ignore_ascii_case(origin.as_bytes())).cloned()
            }
        }
    }
}

/// One origin `http(s)://host[:port]` as a header value.
fn origin_header(text: &str) -> Result<HeaderValue, &'static str> {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).ok_or(REASON)?;
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok = port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    if !(host_ok && port_ok) {
        return Err(REASON);
    }
    HeaderValue::from_str(text).map_err(|_| "not a valid header value")
}

/// `response` with the CORS headers for a request from `request_origin`, when origins
/// are configured (`None`: no browser client, the response as it is):
/// `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers: Retry-After` when the
/// origin may read it ([`AllowedOrigins::allow_origin_for`]), and `Vary: Origin` whenever
/// the answer depends on the origin. Success and errors alike, so that the app can read
/// why a call failed and how long to wait before it tries again.
///
/// ```
/// use http::HeaderValue;
/// use lambda_foundation::cors::{AllowedOrigins, with_allowed_origin};
///
/// let origins = AllowedOrigins::parse("https://app.example.com,https://admin.example.com").unwrap();
/// let admin = HeaderValue::from_static("https://admin.example.com");
/// let response = with_allowed_origin(Some(&origins), Some(&admin), http::Response::new(()));
/// assert_eq!(response.headers()["access-control-allow-origin"], "https://admin.example.com");
/// assert_eq!(response.headers()["access-control-expose-headers"], "Retry-After");
/// assert_eq!(response.headers()["vary"], "Origin");
/// let other = HeaderValue::from_static("https://evil.example.net");
/// let response = with_allowed_origin(Some(&origins), Some(&other), http::Response::new(()));
/// assert!(response.headers().get("access-control-allow-origin").is_none());
/// assert!(with_allowed_origin(None, Some(&admin), http::Response::new(())).headers().is_empty());
/// ```
pub fn with_allowed_origin<B>(
    origins: Option<&AllowedOrigins>,
    request_origin: Option<&HeaderValue>,
    mut response: http::Response<B>,
) -> http::Response<B> {
    let Some(origins) = origins else { return response };
    let headers = response.headers_mut();
    headers.remove(ALLOW_ORIGIN_HEADER);
    if let Some(value) = origins.allow_origin_for(request_origin) {
        headers.insert(ALLOW_ORIGIN_HEADER, value);
        headers.insert(EXPOSE_HEADERS_HEADER, HeaderValue::from_static(EXPOSED_HEADERS));
    }
    if !origins.allows_any() {
        headers.append(VARY, HeaderValue::from_static("Origin"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(text: &'static str) -> HeaderValue {
        HeaderValue::from_static(text)
    }

    #[test]
    fn accepts_what_the_template_accepts() {
        for good in ["*", "http://localhost:3000", "https://app.example.com", "https://a-b.example.co.uk:8443"] {
            assert_eq!(AllowedOrigins::parse(good).unwrap().as_str(), good);
        }
        let list = AllowedOrigins::parse("https://app.example.com, http://localhost:5173").unwrap();
        assert_eq!(list.as_str(), "https://app.example.com,http://localhost:5173");
        for bad in [
            "",
            "localhost",
            "ftp://x",
            "https://",
            "https://x/",
            "https://x/app",
            "https://x:",
            "https://x:123456",
            "https://x y",
            "https://a.example.com,",
            ",https://a.example.com",
            "https://a.example.com,,https://b.example.com",
            "*,https://a.example.com",
            "https://a.example.com,*",
            "*,*",
        ] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            AllowedOrigins::parse("*,https://a.example.com").unwrap_err(),
            "* allows every origin: it cannot be listed with others"
        );
    }

    #[test]
    fn the_echo_decision() {
        let list = AllowedOrigins::parse("https://app.example.com,http://localhost:5173").unwrap();
        assert_eq!(
            list.allow_origin_for(Some(&origin("http://localhost:5173"))),
            Some(origin("http://localhost:5173"))
        );
        assert_eq!(
            list.allow_origin_for(Some(&origin("https://APP.example.com"))),
            Some(origin("https://app.example.com"))
        );
        for other in
            ["https://app.example.com:444", "http://app.example.com", "https://app.example.com.evil.net", "null"]
        {
            assert_eq!(list.allow_origin_for(Some(&HeaderValue::from_str(other).unwrap())), None, "{other}");
        }
        assert_eq!(list.allow_origin_for(None), None, "no Origin (not a browser): nothing to allow");
        let any = AllowedOrigins::parse("*").unwrap();
        assert_eq!(any.allow_origin_for(None), Some(origin("*")));
        assert_eq!(any.allow_origin_for(Some(&origin("https://x.example"))), Some(origin("*")));
    }

    #[test]
    fn static_headers_name_the_one_origin_or_any() {
        assert_eq!(AllowedOrigins::parse("https://a.example").unwrap().static_header_value(), "https://a.example");
        assert_eq!(AllowedOrigins::parse("https://a.example,https://b.example").unwrap().static_header_value(), "*");
        assert_eq!(AllowedOrigins::parse("*").unwrap().static_header_value(), "*");
    }

    #[test]
    fn the_header_names_the_origin_replaces_any_other_and_varies() {
        let origins = AllowedOrigins::parse("http://localhost:5173").unwrap();
        let answer =
            http::Response::builder().header(ALLOW_ORIGIN_HEADER, "*").header(VARY, "Accept").body(()).unwrap();
        let answer = with_allowed_origin(Some(&origins), Some(&origin("http://localhost:5173")), answer);
        let values: Vec<_> = answer.headers().get_all(ALLOW_ORIGIN_HEADER).iter().collect();
        assert_eq!(values, [origin("http://localhost:5173")]);
        assert_eq!(answer.headers()[EXPOSE_HEADERS_HEADER], "Retry-After");
        let vary: Vec<_> = answer.headers().get_all(VARY).iter().collect();
        assert_eq!(vary, [origin("Accept"), origin("Origin")]);

        let unlisted = http::Response::builder().header(ALLOW_ORIGIN_HEADER, "*").body(()).unwrap();
        let unlisted = with_allowed_origin(Some(&origins), Some(&origin("https://evil.example")), unlisted);
        assert!(unlisted.headers().get(ALLOW_ORIGIN_HEADER).is_none(), "an unlisted origin gets nothing");
        assert!(unlisted.headers().get(EXPOSE_HEADERS_HEADER).is_none());
        assert_eq!(unlisted.headers()[VARY], "Origin");

        let any = AllowedOrigins::parse("*").unwrap();
        let answer = with_allowed_origin(Some(&any), None, http::Response::new(()));
        assert_eq!(answer.headers()[ALLOW_ORIGIN_HEADER], "*");
        assert!(answer.headers().get(VARY).is_none(), "* does not depend on the origin");
    }

    #[test]
    fn unset_is_none_and_bad_names_the_variable() {
        assert_eq!(AllowedOrigins::from_lookup(&|_| None).unwrap(), None);
        let err = AllowedOrigins::from_lookup(&|_| Some("nope".into())).unwrap_err();
        assert!(err.to_string().starts_with("configuration error: ALLOWED_ORIGIN is invalid"), "{err}");
    }
}
