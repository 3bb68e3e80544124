//! Rules per route: which OAuth scopes (`ROUTE_SCOPES`) or user pool groups
//! (`ROUTE_GROUPS`) a token needs on a route of the API. Parsed once at start-up; every
//! decision here is a pure function of the rules and the token's claims.
//!
//! ```text
//! ROUTE_SCOPES="GET /orders=orders/read,orders/admin; POST /orders=orders/write"
//! ROUTE_GROUPS="DELETE /orders/{id}=admins"
//! ```
//!
//! - A rule is `METHOD PATH=value,value`; rules are separated by `;`. `METHOD` is an HTTP
//!   method or `*` (any method); `PATH` is the API's resource path, with `{name}` for a
//!   path parameter and `{name+}` for a greedy one (last segment only).
//! - A scope rule needs **one** of its scopes in an access token's `scope`, as API
//!   Gateway's own Cognito authorizer decides; an id token carries no scopes, so it is
//!   refused on a scope-ruled route, as API Gateway does.
//! - A group rule needs one of its groups in `cognito:groups` (id and access tokens).
//! - A route with both needs both; a route without a rule needs a valid token only.
//!
//! **Cache-safe answers.** API Gateway caches an authorizer's answer per identity source
//! and applies it to every route of the stage. So the answer never depends on the route
//! that was called: it allows the stage and adds an explicit Deny for every ruled route
//! the token does not satisfy ([`RouteRules::unmet_by`], computed once per token), and IAM
//! lets the Deny win. The route called matters only for the log line and for HTTP API
//! simple answers, which cannot name routes (see [`crate::response::AnswerForm`]).

use std::fmt;

use token_verifier::TokenUse;

/// The most rules the two variables may hold together. Each unmet rule is one Deny
/// statement, and API Gateway refuses policies much beyond a few kilobytes.
pub const MAX_ROUTE_RULES: usize = 100;

/// A rule's method: one HTTP method, or any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleMethod {
    /// `*`: every method.
    Any,
    /// One method, upper case (`GET`, `POST`, …, and API Gateway's own `ANY` route method).
    Exactly(String),
}

/// The methods a rule may name (upper case), besides `*`.
const METHODS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

/// One route's requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    /// The method the rule covers.
    pub method: RuleMethod,
    /// The resource path as written, e.g. `/orders/{id}`.
    pub path: String,
    /// Scopes of which an access token needs one; empty when only groups are ruled.
    pub scopes: Vec<String>,
    /// Groups of which the user needs one; empty when only scopes are ruled.
    pub groups: Vec<String>,
    /// The rule as an `execute-api` ARN suffix after the stage (`GET/orders/*`): what
    /// the Deny statement names.
    pub arn_suffix: String,
}

/// Why a token may not use a ruled route. Logged; the caller sees API Gateway's 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteDenial {
    /// An id token on a route that needs a scope: id tokens carry none.
    IdTokenOnScopedRoute,
    /// An access token with none of the route's scopes.
    MissingScope,
    /// A user in none of the route's groups.
    MissingGroup,
}

impl RouteDenial {
    /// A short stable code for logs and metrics.
    pub fn code(self) -> &'static str {
        match self {
            RouteDenial::IdTokenOnScopedRoute => "id_token_on_scoped_route",
            RouteDenial::MissingScope => "missing_scope",
            RouteDenial::MissingGroup => "missing_group",
        }
    }
}

/// What a verified token holds that rules ask about, borrowed from its claims.
#[derive(Debug, Clone, Copy)]
pub struct TokenGrants<'a> {
    /// Id or access token.
    pub token_use: TokenUse,
    /// The access token's scopes (`scope`, split on spaces); empty for an id token.
    pub scopes: &'a [String],
    /// `cognito:groups`.
    pub groups: &'a [String],
}

/// The ruled routes a token may not use, with why: indices into [`RouteRules`], in rule
/// order. Computed once per token and cached with it; empty (no allocation) when every
/// rule is met or there are none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnmetRoutes(Box<[(u16, RouteDenial)]>);

impl UnmetRoutes {
    /// True when the token may use every ruled route.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many ruled routes the token may not use.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Why the token may not use rule `index`, if it may not.
    pub fn denial_of(&self, index: usize) -> Option<RouteDenial> {
        self.0.iter().find(|(unmet, _)| usize::from(*unmet) == index).map(|(_, denial)| *denial)
    }

    /// The rule indices, in order.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().map(|(index, _)| usize::from(*index))
    }
}

/// The route an event is for, as far as its flavour tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalledRoute<'a> {
    /// The request's method (from the event's ARN).
    pub method: &'a str,
    /// The resource path template when the event names it (REST `resource`, HTTP API
    /// `routeKey`), e.g. `/orders/{id}`.
    pub template: Option<&'a str>,
    /// The concrete path without its leading `/` (from the event's ARN), e.g. `orders/42`.
    pub path: &'a str,
}

/// Every rule of `ROUTE_SCOPES` and `ROUTE_GROUPS`, one entry per route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteRules {
    rules: Vec<RouteRule>,
}

/// A rule that cannot be used, named by its variable and its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule \"{rule}\": {reason}")]
pub struct RouteRuleError {
    /// `ROUTE_SCOPES` or `ROUTE_GROUPS`.
    pub var: &'static str,
    /// The rule as written.
    pub rule: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Which variable a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleKind {
    Scopes,
    Groups,
}

impl RuleKind {
    fn var(self) -> &'static str {
        match self {
            RuleKind::Scopes => "ROUTE_SCOPES",
            RuleKind::Groups => "ROUTE_GROUPS",
        }
    }
}

impl RouteRules {
    /// Parses `ROUTE_SCOPES` and `ROUTE_GROUPS` (either may be absent). A route named in
    /// both gets one rule with both requirements; a route named twice in one variable,
    /// or any malformed rule, is an error naming it.
    ///
    /// ```
    /// use authorizer::RouteRules;
    ///
    /// let rules = RouteRules::parse(Some("GET /orders=orders/read; POST /orders=orders/write"), Some("DELETE /orders/{id}=admins")).unwrap();
    /// assert_eq!(rules.len(), 3);
    /// assert!(RouteRules::parse(Some("GET orders=orders/read"), None).is_err());
    /// ```
    pub fn parse(scopes: Option<&str>, groups: Option<&str>) -> Result<Self, RouteRuleError> {
        let mut rules = RouteRules::default();
        for (kind, text) in [(RuleKind::Scopes, scopes), (RuleKind::Groups, groups)] {
            for rule in text.unwrap_or_default().split(';').map(str::trim).filter(|rule| !rule.is_empty()) {
                rules.add(kind, rule)?;
            }
        }
        Ok(rules)
    }

    fn add(&mut self, kind: RuleKind, text: &str) -> Result<(), RouteRuleError> {
        let error = |reason: &str| RouteRuleError { var: kind.var(), rule: text.to_owned(), reason: reason.to_owned() };
        let (route, values) = text.split_once('=').ok_or_else(|| error("expected METHOD /path=value,value"))?;
        let (method, path) =
            route.trim().split_once(char::is_whitespace).ok_or_else(|| error("expected METHOD /path before ="))?;
        let method = parse_method(method).ok_or_else(|| error("the method must be an HTTP method or *"))?;
        let path = path.trim();
        let arn_suffix = arn_suffix(&method, path).map_err(&error)?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_owned()).collect();
        if values.iter().any(String::is_empty) {
            return Err(error("expected one or more comma-separated values after ="));
        }
        let valid = match kind {
            RuleKind::Scopes => values.iter().all(|scope| is_scope_token(scope)),
            RuleKind::Groups => values.iter().all(|group| is_group_name(group)),
        };
        if !valid {
            return Err(error(match kind {
                RuleKind::Scopes => "a scope has a character OAuth scopes may not contain",
                RuleKind::Groups => "a group name is longer than 128 characters or has a space",
            }));
        }
        let same_route = |rule: &RouteRule| rule.method == method && same_template(&rule.path, path);
        let index = match self.rules.iter().position(same_route) {
            Some(index) => index,
            None if self.rules.len() == MAX_ROUTE_RULES => {
                return Err(error(&format!("more than {MAX_ROUTE_RULES} ruled routes")));
            }
            None => {
                self.rules.push(RouteRule {
                    method,
                    path: path.to_owned(),
                    scopes: Vec::new(),
                    groups: Vec::new(),
                    arn_suffix,
                });
                self.rules.len() - 1
            }
        };
        let rule = &mut self.rules[index];
        let listed = match kind {
            RuleKind::Scopes => &mut rule.scopes,
            RuleKind::Groups => &mut rule.groups,
        };
        if !listed.is_empty() {
            return Err(error("this route already has a rule in the same variable"));
        }
        *listed = values;
        Ok(())
    }

    /// True when no route is ruled: every answer is then the plain stage-wide Allow.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// How many routes are ruled.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Rule `index`.
    #[cfg(test)]
    pub(crate) fn get(&self, index: usize) -> Option<&RouteRule> {
        self.rules.get(index)
    }

    /// True when some rule asks for a scope (which only access tokens carry).
    pub(crate) fn has_scope_rules(&self) -> bool {
        self.rules.iter().any(|rule| !rule.scopes.is_empty())
    }

    /// The ruled routes `grants` do not satisfy, with why.
    pub(crate) fn unmet_by(&self, grants: TokenGrants<'_>) -> UnmetRoutes {
        let unmet: Vec<(u16, RouteDenial)> = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                let denial = rule_denial(rule, grants)?;
                // At most MAX_ROUTE_RULES rules: the index fits.
                Some((u16::try_from(index).ok()?, denial))
            })
            .collect();
        UnmetRoutes(unmet.into_boxed_slice())
    }

    /// Why the token whose unmet routes are `unmet` may not use `route`, if it may not:
    /// every rule that covers the route must be met (IAM lets any Deny win).
    pub(crate) fn denial_for(&self, route: CalledRoute<'_>, unmet: &UnmetRoutes) -> Option<RouteDenial> {
        unmet.indices().find(|index| self.rules[*index].covers(route)).and_then(|index| unmet.denial_of(index))
    }

    /// The ARN suffixes after the stage (`GET/orders/*`) of the Deny statements for
    /// `unmet`: each statement names `<stage ARN>/<suffix>`.
    pub(crate) fn deny_suffixes<'a>(&'a self, unmet: &'a UnmetRoutes) -> impl Iterator<Item = &'a str> + 'a {
        unmet.indices().map(|index| self.rules[index].arn_suffix.as_str())
    }

    /// The ARNs of the Deny statements for `unmet`, under `stage_arn`
    /// (`arn:aws:execute-api:<region>:<account>:<api>/<stage>`).
    #[cfg(test)]
    pub(crate) fn deny_resources(&self, stage_arn: &str, unmet: &UnmetRoutes) -> Vec<String> {
        self.deny_suffixes(unmet).map(|suffix| format!("{stage_arn}/{suffix}")).collect()
    }
}

impl RouteRule {
    /// True when this rule applies to `route`: same method (or `*`), and the same
    /// template when the event names one, else a path the template matches.
    pub(crate) fn covers(&self, route: CalledRoute<'_>) -> bool {
        let method = match &self.method {
            RuleMethod::Any => true,
            RuleMethod::Exactly(method) => method.eq_ignore_ascii_case(route.method),
        };
        method
            && match route.template {
                Some(template) => same_template(template, &self.path),
                None => template_matches(&self.path, route.path),
            }
    }
}

impl fmt::Display for RuleMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleMethod::Any => f.write_str("*"),
            RuleMethod::Exactly(method) => f.write_str(method),
        }
    }
}

/// Why `grants` fail `rule`, if they do.
fn rule_denial(rule: &RouteRule, grants: TokenGrants<'_>) -> Option<RouteDenial> {
    if !rule.scopes.is_empty() {
        if grants.token_use == TokenUse::Id {
            return Some(RouteDenial::IdTokenOnScopedRoute);
        }
        if !rule.scopes.iter().any(|scope| grants.scopes.contains(scope)) {
            return Some(RouteDenial::MissingScope);
        }
    }
    if !rule.groups.is_empty() && !rule.groups.iter().any(|group| grants.groups.contains(group)) {
        return Some(RouteDenial::MissingGroup);
    }
    None
}

fn parse_method(method: &str) -> Option<RuleMethod> {
    if method == "*" {
        return Some(RuleMethod::Any);
    }
    let upper = method.to_ascii_uppercase();
    METHODS.contains(&upper.as_str()).then_some(RuleMethod::Exactly(upper))
}

/// The rule's ARN suffix (`GET/orders/*`), or why its path cannot be one.
fn arn_suffix(method: &RuleMethod, path: &str) -> Result<String, &'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("the path must start with /");
    };
    let segments: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
    let mut suffix = format!("{method}/");
    for (n, segment) in segments.iter().enumerate() {
        if n > 0 {
            suffix.push('/');
        }
        match parameter(segment)? {
            Some(greedy) => {
                if greedy && n + 1 != segments.len() {
                    return Err("a greedy {name+} parameter must be the last segment");
                }
                // IAM's `*` matches within and across segments: the Deny covers the
                // parameter's every value (and, for `{name}`, deeper paths under it too).
                suffix.push('*');
            }
            None if segment.is_empty() => return Err("the path has an empty segment"),
            None if !segment.chars().all(is_path_char) => {
                return Err("the path has a character API Gateway resource paths may not contain");
            }
            None => suffix.push_str(segment),
        }
    }
    Ok(suffix)
}

/// `Some(greedy)` for a `{name}` / `{name+}` segment; `None` for a literal one.
fn parameter(segment: &str) -> Result<Option<bool>, &'static str> {
    let Some(inner) = segment.strip_prefix('{') else {
        return if segment.contains(['{', '}']) { Err("a path parameter must be a whole segment") } else { Ok(None) };
    };
    let inner = inner.strip_suffix('}').ok_or("a path parameter must be a whole segment")?;
    let (name, greedy) = match inner.strip_suffix('+') {
        Some(name) => (name, true),
        None => (inner, false),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err("a path parameter needs a name of letters, digits, _ or -");
    }
    Ok(Some(greedy))
}

/// Characters of a literal path segment: RFC 3986 `pchar` without `*` and `?` (IAM
/// wildcards) and without `=`, `;` and `,` (this syntax's separators).
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()+:@%".contains(c)
}

/// An OAuth 2.0 scope token (RFC 6749, section 3.3), without `,` (this syntax's separator).
fn is_scope_token(scope: &str) -> bool {
    scope.chars().all(|c| matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E') && c != ',')
}

/// A Cognito group name: at most 128 characters, no whitespace (nor this syntax's `,`).
fn is_group_name(group: &str) -> bool {
    group.chars().count() <= 128 && !group.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// True when two templates are one route to API Gateway: the same segments, parameter
/// names aside (`/orders/{id}` and `/orders/{orderId}`). Compared segment by segment,
/// without allocating: this runs on the calls of a token a rule closes a route to.
fn same_template(a: &str, b: &str) -> bool {
    let kind = |segment| match parameter(segment) {
        Ok(Some(greedy)) => Err(greedy),
        _ => Ok(segment),
    };
    let (mut a, mut b) = (a.split('/'), b.split('/'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if kind(x) == kind(y) => continue,
            _ => return false,
        }
    }
}

/// True when the concrete `path` (no leading `/`) is one the `template` (leading `/`)
/// describes: literal segments equal, `{name}` one segment, `{name+}` the rest.
fn template_matches(template: &str, path: &str) -> bool {
    let template = template.strip_prefix('/').unwrap_or(template);
    let mut wanted = template.split('/').filter(|s| !s.is_empty());
    let mut given = path.split('/').filter(|s| !s.is_empty());
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(segment), Some(value)) => match parameter(segment) {
                Ok(Some(true)) => return !value.is_empty(),
                Ok(Some(false)) => continue,
                _ if segment == value => continue,
                _ => return false,
            },
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::template::parameter_default;

    #[test]
    fn the_templates_example_rules_parse() {
        let scopes = parameter_default("RouteScopes");
        let groups = parameter_default("RouteGroups");
        let rules = RouteRules::parse(Some(&scopes), Some(&groups)).unwrap();
        assert_eq!(rules.len(), 2, "{scopes} / {groups}");
        assert_eq!(rules.get(0).unwrap().arn_suffix, "GET/scoped/whoami");
        assert_eq!(rules.get(1).unwrap().arn_suffix, "GET/admin/whoami");
        assert_eq!(parameter_default("TokenUse"), "any", "scope rules need access tokens");
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    fn grants<'a>(token_use: TokenUse, scopes: &'a [String], groups: &'a [String]) -> TokenGrants<'a> {
        TokenGrants { token_use, scopes, groups }
    }

    fn orders() -> RouteRules {
        RouteRules::parse(
            Some("GET /orders=orders/read,orders/admin; POST /orders=orders/write"),
            Some("DELETE /orders/{id}=admins; POST /orders=clerks,admins"),
        )
        .unwrap()
    }

    #[test]
    fn parses_both_variables_into_one_rule_per_route() {
        let rules = orders();
        assert_eq!(rules.len(), 3);
        let post = rules.get(1).unwrap();
        assert_eq!(post.method, RuleMethod::Exactly("POST".into()));
        assert_eq!(post.scopes, strings(&["orders/write"]));
        assert_eq!(post.groups, strings(&["clerks", "admins"]));
        assert_eq!(rules.get(2).unwrap().arn_suffix, "DELETE/orders/*");
        assert!(rules.has_scope_rules());
        assert!(RouteRules::parse(None, None).unwrap().is_empty());
        assert!(RouteRules::parse(Some(" ; "), Some("")).unwrap().is_empty());
    }

    #[test]
    fn arn_suffixes_follow_api_gateways_method_arns() {
        for (rule, suffix) in [
            ("GET /=s", "GET/"),
            ("* /orders=s", "*/orders"),
            ("get /orders/{id}/items=s", "GET/orders/*/items"),
            ("ANY /files/{proxy+}=s", "ANY/files/*"),
            ("PUT /a.b/c-d_e~f=s", "PUT/a.b/c-d_e~f"),
        ] {
            let rules = RouteRules::parse(Some(rule), None).unwrap();
            assert_eq!(rules.get(0).unwrap().arn_suffix, suffix, "{rule}");
        }
    }

    #[test]
    fn every_malformed_rule_is_named() {
        for (scopes, groups) in [
            (Some("GET /orders"), None),
            (Some("/orders=s"), None),
            (Some("FETCH /orders=s"), None),
            (Some("GET orders=s"), None),
            (Some("GET /orders="), None),
            (Some("GET /orders=a,,b"), None),
            (Some("GET /orders=a b"), None),
            (Some("GET /orders=\"quoted\""), None),
            (Some("GET /orders//x=s"), None),
            (Some("GET /orders/*=s"), None),
            (Some("GET /orders/?=s"), None),
            (Some("GET /orders/{=s"), None),
            (Some("GET /orders/{}=s"), None),
            (Some("GET /orders/x{id}=s"), None),
            (Some("GET /files/{proxy+}/x=s"), None),
            (Some("GET /orders=a; GET /orders=b"), None),
            (Some("GET /orders/{id}=a; get /orders/{order}=b"), None),
            (None, Some("GET /orders=has space")),
            (None, Some(&*format!("GET /orders={}", "g".repeat(129)))),
        ] {
            let err = RouteRules::parse(scopes, groups).unwrap_err();
            let written = scopes.or(groups).unwrap();
            assert!(written.contains(err.rule.trim()), "{err}");
            assert_eq!(err.var, if scopes.is_some() { "ROUTE_SCOPES" } else { "ROUTE_GROUPS" });
        }
    }

    #[test]
    fn there_is_a_bound_on_ruled_routes() {
        let many: Vec<String> = (0..=MAX_ROUTE_RULES).map(|n| format!("GET /r{n}=s")).collect();
        assert!(RouteRules::parse(Some(&many[..MAX_ROUTE_RULES].join(";")), None).is_ok());
        let err = RouteRules::parse(Some(&many.join(";")), None).unwrap_err();
        assert!(err.reason.contains("more than"), "{err}");
    }

    #[test]
    fn a_scope_rule_needs_one_listed_scope_of_an_access_token() {
        let rules = orders();
        let read = strings(&["orders/read"]);
        let admin = strings(&["orders/admin", "other"]);
        let none: Vec<String> = Vec::new();
        let admins = strings(&["admins"]);
        // GET needs read or admin; POST needs write and (clerks or admins); DELETE admins.
        let unmet = rules.unmet_by(grants(TokenUse::Access, &read, &none));
        assert_eq!(unmet.denial_of(0), None);
        assert_eq!(unmet.denial_of(1), Some(RouteDenial::MissingScope));
        assert_eq!(unmet.denial_of(2), Some(RouteDenial::MissingGroup));
        assert_eq!(rules.unmet_by(grants(TokenUse::Access, &admin, &admins)).denial_of(0), None);
        let unmet = rules.unmet_by(grants(TokenUse::Access, &none, &admins));
        assert_eq!(unmet.denial_of(0), Some(RouteDenial::MissingScope));
        assert_eq!(unmet.denial_of(2), None);
    }

    #[test]
    fn an_id_token_is_refused_on_scope_ruled_routes_only() {
        let rules = orders();
        let none: Vec<String> = Vec::new();
        let admins = strings(&["admins"]);
        let unmet = rules.unmet_by(grants(TokenUse::Id, &none, &admins));
        assert_eq!(unmet.denial_of(0), Some(RouteDenial::IdTokenOnScopedRoute));
        assert_eq!(unmet.denial_of(1), Some(RouteDenial::IdTokenOnScopedRoute));
        assert_eq!(unmet.denial_of(2), None, "group rules apply to id tokens");
        assert_eq!(unmet.len(), 2);
    }

    #[test]
    fn scopes_and_groups_are_compared_exactly() {
        let rules = RouteRules::parse(Some("GET /a=orders/read"), Some("GET /b=admins")).unwrap();
        let near = strings(&["orders/read/x", "Orders/read", "orders/rea"]);
        let groups = strings(&["Admins", "admins2", "admin"]);
        let unmet = rules.unmet_by(grants(TokenUse::Access, &near, &groups));
        assert_eq!(unmet.denial_of(0), Some(RouteDenial::MissingScope));
        assert_eq!(unmet.denial_of(1), Some(RouteDenial::MissingGroup));
    }

    #[test]
    fn a_token_meeting_every_rule_has_nothing_unmet() {
        let rules = orders();
        let scopes = strings(&["orders/read", "orders/write"]);
        let admins = strings(&["admins"]);
        let unmet = rules.unmet_by(grants(TokenUse::Access, &scopes, &admins));
        assert!(unmet.is_empty());
        assert_eq!(rules.deny_resources("arn:aws:execute-api:us-east-1:1:api/prod", &unmet), Vec::<String>::new());
    }

    #[test]
    fn deny_resources_name_each_unmet_route_under_the_stage() {
        let rules = orders();
        let none: Vec<String> = Vec::new();
        let unmet = rules.unmet_by(grants(TokenUse::Access, &none, &none));
        assert_eq!(
            rules.deny_resources("arn:aws:execute-api:us-east-1:1:api/prod", &unmet),
            [
                "arn:aws:execute-api:us-east-1:1:api/prod/GET/orders",
                "arn:aws:execute-api:us-east-1:1:api/prod/POST/orders",
                "arn:aws:execute-api:us-east-1:1:api/prod/DELETE/orders/*",
            ]
        );
    }

    #[test]
    fn the_called_route_is_found_by_template_or_by_path() {
        let rules = RouteRules::parse(Some("GET /orders/{id}=s; * /files/{key+}=s; GET /=s"), None).unwrap();
        let none: Vec<String> = Vec::new();
        let unmet = rules.unmet_by(grants(TokenUse::Access, &none, &none));
        let denied = |method, template, path| rules.denial_for(CalledRoute { method, template, path }, &unmet);
        assert_eq!(denied("GET", Some("/orders/{orderId}"), "orders/42"), Some(RouteDenial::MissingScope));
        assert_eq!(denied("GET", None, "orders/42"), Some(RouteDenial::MissingScope));
        assert_eq!(denied("get", None, "orders/42/"), Some(RouteDenial::MissingScope));
        assert_eq!(denied("POST", None, "orders/42"), None, "another method");
        assert_eq!(denied("GET", None, "orders"), None, "the parameter needs a segment");
        assert_eq!(denied("GET", None, "orders/42/items"), None, "one segment only");
        assert_eq!(denied("GET", Some("/orders"), "orders/42"), None, "the template decides when named");
        assert_eq!(denied("DELETE", None, "files/a/b/c"), Some(RouteDenial::MissingScope));
        assert_eq!(denied("DELETE", None, "files"), None);
        assert_eq!(denied("GET", None, ""), Some(RouteDenial::MissingScope));
        assert_eq!(denied("GET", Some("/"), ""), Some(RouteDenial::MissingScope));
    }

    #[test]
    fn overlapping_rules_must_all_be_met() {
        let rules = RouteRules::parse(Some("* /orders=orders/any"), Some("GET /orders=readers")).unwrap();
        let scopes = strings(&["orders/any"]);
        let none: Vec<String> = Vec::new();
        let unmet = rules.unmet_by(grants(TokenUse::Access, &scopes, &none));
        let route = CalledRoute { method: "GET", template: Some("/orders"), path: "orders" };
        assert_eq!(rules.denial_for(route, &unmet), Some(RouteDenial::MissingGroup));
        let route = CalledRoute { method: "POST", template: Some("/orders"), path: "orders" };
        assert_eq!(rules.denial_for(route, &unmet), None);
    }
}
