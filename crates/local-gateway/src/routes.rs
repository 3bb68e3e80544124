//! The routes of `template.yaml`'s REST API, in one place: which function serves each
//! and how it is authorized. SAM adds a CORS preflight (OPTIONS, no auth) to each path.
//! A test checks this table, the authorizer's identity source and the cache TTL default
//! against the template after the SAM transform.

/// Who a route lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `AWS_IAM`: a SigV4 signature by Cognito identity pool credentials.
    Iam,
    /// The stack's Lambda authorizer (REQUEST, [`IDENTITY_SOURCE_HEADER`]).
    LambdaAuthorizer,
}

/// The function behind a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `LinkFunction`.
    Link,
    /// `WhoamiFunction`.
    Whoami,
}

#[cfg(test)]
impl Function {
    /// The function's logical id in the template.
    pub fn logical_id(self) -> &'static str {
        match self {
            Function::Link => "LinkFunction",
            Function::Whoami => "WhoamiFunction",
        }
    }
}

/// One method on one resource path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The resource path (no path parameters in this API), e.g. `/whoami`.
    pub path: &'static str,
    /// How callers are authorized.
    pub auth: Auth,
    /// Who answers.
    pub function: Function,
}

/// Every route of the API (preflights aside).
pub const ROUTES: &[Route] = &[
    Route { method: "POST", path: "/link", auth: Auth::Iam, function: Function::Link },
    Route { method: "GET", path: "/iam/whoami", auth: Auth::Iam, function: Function::Whoami },
    Route { method: "GET", path: "/whoami", auth: Auth::LambdaAuthorizer, function: Function::Whoami },
    Route { method: "GET", path: "/scoped/whoami", auth: Auth::LambdaAuthorizer, function: Function::Whoami },
    Route { method: "GET", path: "/admin/whoami", auth: Auth::LambdaAuthorizer, function: Function::Whoami },
];

/// The Lambda authorizer's identity source: `method.request.header.Authorization`.
pub const IDENTITY_SOURCE_HEADER: &str = "Authorization";

/// `template.yaml`'s `AuthorizerCacheTtl` default (the authorizer's `ReauthorizeEvery`).
pub const DEFAULT_AUTHORIZER_CACHE_TTL: u64 = 300;

/// `AuthorizerCacheTtl`'s `MaxValue` (API Gateway's limit).
pub const MAX_AUTHORIZER_CACHE_TTL: u64 = 3600;

/// What a request's method and path are on this API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A route.
    Route(&'static Route),
    /// The CORS preflight of a route's path.
    Preflight,
    /// Nothing: API Gateway answers 403 "Missing Authentication Token".
    Unknown,
}

/// The route `method path` calls.
pub fn target(method: &str, path: &str) -> Target {
    let mut on_path = ROUTES.iter().filter(|r| r.path == path).peekable();
    if on_path.peek().is_none() {
        return Target::Unknown;
    }
    if method == "OPTIONS" {
        return Target::Preflight;
    }
    on_path.find(|r| r.method == method).map_or(Target::Unknown, Target::Route)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn requests_find_their_route() {
        assert!(matches!(target("GET", "/whoami"), Target::Route(Route { auth: Auth::LambdaAuthorizer, .. })));
        assert!(matches!(
            target("POST", "/link"),
            Target::Route(Route { auth: Auth::Iam, function: Function::Link, .. })
        ));
        assert_eq!(target("OPTIONS", "/admin/whoami"), Target::Preflight);
        assert_eq!(target("POST", "/whoami"), Target::Unknown);
        assert_eq!(target("OPTIONS", "/nowhere"), Target::Unknown);
        assert_eq!(target("GET", "/whoami/"), Target::Unknown);
    }

    /// The deployed API as the SAM transform makes it: tests/template/api_routes.py.
    fn template_api() -> serde_json::Value {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = root.join(".venv/bin/python");
        let output = std::process::Command::new(&python)
            .arg(root.join("tests/template/api_routes.py"))
            .output()
            .unwrap_or_else(|e| panic!("{}: {e} (run `make venv`)", python.display()));
        assert!(output.status.success(), "api_routes.py failed: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("api_routes.py prints JSON")
    }

    #[test]
    fn routes_and_cache_settings_match_the_template() {
        let api = template_api();
        let authorizer = &api["authorizer"];
        assert_eq!(authorizer["type"], "request");
        assert_eq!(authorizer["identitySource"], format!("method.request.header.{IDENTITY_SOURCE_HEADER}"));
        assert_eq!(
            api["authorizerCacheTtlDefault"].as_u64(),
            Some(DEFAULT_AUTHORIZER_CACHE_TTL),
            "--authorizer-cache-ttl's default is template.yaml's AuthorizerCacheTtl Default"
        );
        assert_eq!(
            authorizer["ttl"].as_u64(),
            Some(DEFAULT_AUTHORIZER_CACHE_TTL),
            "the authorizer's TTL with default parameters"
        );
        assert_eq!(api["authorizerCacheTtlMax"].as_u64(), Some(MAX_AUTHORIZER_CACHE_TTL));

        let authorizer_name = authorizer["name"].as_str().expect("authorizer name");
        let in_template: BTreeSet<(String, String, String, String)> = api["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .map(|r| {
                let field = |k: &str| r[k].as_str().unwrap_or_else(|| panic!("{k} of {r}")).to_owned();
                let auth = match field("auth").as_str() {
                    "AWS_IAM" => "iam".to_owned(),
                    name if name == authorizer_name => "lambda-authorizer".to_owned(),
                    other => other.to_owned(),
                };
                (field("method"), field("path"), auth, field("function"))
            })
            .collect();
        let here: BTreeSet<(String, String, String, String)> = ROUTES
            .iter()
            .map(|r| {
                let auth = match r.auth {
                    Auth::Iam => "iam",
                    Auth::LambdaAuthorizer => "lambda-authorizer",
                };
                (r.method.to_owned(), r.path.to_owned(), auth.to_owned(), r.function.logical_id().to_owned())
            })
            .collect();
        assert_eq!(here, in_template, "the local gateway's routes (left) and the template's (right)");

        let preflights: BTreeSet<&str> =
            api["preflights"].as_array().expect("preflights").iter().filter_map(|p| p.as_str()).collect();
        let paths: BTreeSet<&str> = ROUTES.iter().map(|r| r.path).collect();
        assert_eq!(paths, preflights, "every path has an unauthenticated OPTIONS preflight");
    }
}
