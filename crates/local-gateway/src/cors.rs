//! CORS as `template.yaml` configures the deployed REST API: the `Cors` property (SAM's
//! OPTIONS mock integration on every route) and the CORS headers of the `GatewayResponses`
//! (`UNAUTHORIZED`, `ACCESS_DENIED`, `DEFAULT_4XX`, `DEFAULT_5XX`), so that a browser can
//! read the gateway's own 401 and 403 answers too. The functions' own answers carry the
//! header the functions add themselves ([`lambda_foundation::cors`]).

use lambda_foundation::cors::{ALLOW_ORIGIN_HEADER, AllowedOrigins};

/// `Cors.AllowMethods` of the template.
pub const ALLOW_METHODS: &str = "GET,POST,OPTIONS";
/// `Cors.AllowHeaders` of the template, also sent on the 4XX gateway responses.
pub const ALLOW_HEADERS: &str =
    "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Amz-Content-Sha256,X-Amz-User-Agent";
/// `Cors.MaxAge` of the template.
pub const MAX_AGE: &str = "600";
/// The template's `AllowedOrigin` parameter default.
pub const DEFAULT_ALLOWED_ORIGIN: &str = "http://localhost:3000";

/// Which of the template's gateway responses an error of the gateway itself is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayResponseType {
    /// `UNAUTHORIZED`: the authorizer said 401, or the identity source is missing.
    Unauthorized,
    /// `ACCESS_DENIED`: the authorizer's policy denies the route.
    AccessDenied,
    /// `DEFAULT_4XX`: every other 4xx (no such route, a bad or missing SigV4 signature).
    Default4xx,
    /// `DEFAULT_5XX`: the authorizer or the integration failed.
    Default5xx,
}

impl GatewayResponseType {
    /// The type API Gateway gives a gateway error with this status (401 from the
    /// authorizer, 403 from its policy, anything else by its class).
    pub fn of(status: u16, from_authorizer_policy: bool) -> Self {
        match status {
            401 => GatewayResponseType::Unauthorized,
            403 if from_authorizer_policy => GatewayResponseType::AccessDenied,
            400..=499 => GatewayResponseType::Default4xx,
            _ => GatewayResponseType::Default5xx,
        }
    }
}

/// The browser origins the deployed stack allows (its `AllowedOrigin` parameter). The
/// preflight's mock integration and the gateway responses carry a static header, as in
/// the template: the one origin of a one-origin list, else `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsPolicy {
    /// `scheme://host[:port]` or `*`.
    pub allowed_origin: AllowedOrigins,
}

impl CorsPolicy {
    /// The headers of SAM's OPTIONS mock integration: the same on every route, whatever
    /// the request's origin (the browser does the origin check).
    pub fn preflight_headers(&self) -> Vec<(&'static str, String)> {
        vec![
            (ALLOW_ORIGIN_HEADER, self.static_origin()),
            ("access-control-allow-methods", ALLOW_METHODS.to_owned()),
            ("access-control-allow-headers", ALLOW_HEADERS.to_owned()),
            ("access-control-max-age", MAX_AGE.to_owned()),
        ]
    }

    fn static_origin(&self) -> String {
        // Every accepted origin is visible ASCII.
        self.allowed_origin.static_header_value().to_str().unwrap_or("*").to_owned()
    }

    /// The headers the template's `GatewayResponses` add to a gateway error of this type.
    pub fn gateway_response_headers(&self, kind: GatewayResponseType) -> Vec<(&'static str, String)> {
        let mut headers = vec![(ALLOW_ORIGIN_HEADER, self.static_origin())];
        if kind != GatewayResponseType::Default5xx {
            headers.push(("access-control-allow-headers", ALLOW_HEADERS.to_owned()));
        }
        if kind == GatewayResponseType::Unauthorized {
            headers.push(("www-authenticate", "Bearer".to_owned()));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> CorsPolicy {
        CorsPolicy { allowed_origin: AllowedOrigins::parse("http://127.0.0.1:5173").unwrap() }
    }

    fn names(headers: &[(&'static str, String)]) -> Vec<&'static str> {
        headers.iter().map(|(name, _)| *name).collect()
    }

    #[test]
    fn preflight_carries_the_templates_cors_values() {
        let headers = policy().preflight_headers();
        assert!(headers.contains(&("access-control-allow-origin", "http://127.0.0.1:5173".into())));
        assert!(headers.contains(&("access-control-allow-methods", "GET,POST,OPTIONS".into())));
        assert!(headers.contains(&("access-control-max-age", "600".into())));
        let allowed = &headers.iter().find(|(n, _)| *n == "access-control-allow-headers").unwrap().1;
        for header in
            ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256", "X-Amz-User-Agent"]
        {
            assert!(allowed.split(',').any(|h| h == header), "{header} missing from {allowed}");
        }
    }

    #[test]
    fn gateway_errors_carry_cors_as_the_gateway_responses_do() {
        let policy = policy();
        assert_eq!(
            names(&policy.gateway_response_headers(GatewayResponseType::Unauthorized)),
            ["access-control-allow-origin", "access-control-allow-headers", "www-authenticate"]
        );
        assert_eq!(
            names(&policy.gateway_response_headers(GatewayResponseType::AccessDenied)),
            ["access-control-allow-origin", "access-control-allow-headers"]
        );
        assert_eq!(
            names(&policy.gateway_response_headers(GatewayResponseType::Default4xx)),
            ["access-control-allow-origin", "access-control-allow-headers"]
        );
        assert_eq!(
            names(&policy.gateway_response_headers(GatewayResponseType::Default5xx)),
            ["access-control-allow-origin"]
        );
    }

    #[test]
    fn the_templates_default_origin_is_one_the_template_accepts() {
        assert_eq!(
            AllowedOrigins::parse(DEFAULT_ALLOWED_ORIGIN).map(|o| o.as_str().to_owned()),
            Ok(DEFAULT_ALLOWED_ORIGIN.into())
        );
    }

    #[test]
    fn several_origins_give_static_headers_of_any_as_the_template_does() {
        let policy = CorsPolicy {
            allowed_origin: AllowedOrigins::parse("http://127.0.0.1:5173,https://app.example.com").unwrap(),
        };
        assert!(policy.preflight_headers().contains(&("access-control-allow-origin", "*".into())));
        assert_eq!(policy.gateway_response_headers(GatewayResponseType::Default5xx)[0].1, "*");
    }

    #[test]
    fn statuses_map_to_the_template_response_types() {
        assert_eq!(GatewayResponseType::of(401, false), GatewayResponseType::Unauthorized);
        assert_eq!(GatewayResponseType::of(403, true), GatewayResponseType::AccessDenied);
        assert_eq!(GatewayResponseType::of(403, false), GatewayResponseType::Default4xx);
        assert_eq!(GatewayResponseType::of(502, false), GatewayResponseType::Default5xx);
    }
}
