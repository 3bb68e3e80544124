//! The events API Gateway (REST API, payload 1.0) sends: to a Lambda authorizer of
//! type REQUEST, and to a Lambda proxy integration.

use serde_json::{Map, Value, json};

/// The account and API id the local gateway pretends to be.
pub const ACCOUNT_ID: &str = "123456789012";
/// The local API's id.
pub const API_ID: &str = "local";

/// One incoming HTTP request, as the gateway saw it.
pub struct IncomingRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path without the stage, e.g. `/whoami`.
    pub path: String,
    /// The API resource (path template) the request matched, e.g. `/admin/whoami`; the
    /// path itself when it matched none.
    pub resource: String,
    /// The stage, e.g. `prod`.
    pub stage: String,
    /// Raw query string (may be empty).
    pub query: String,
    /// Headers with their original names.
    pub headers: Vec<(String, String)>,
    /// Body as UTF-8 text (the demo's APIs are JSON).
    pub body: Option<String>,
    /// A fresh request id.
    pub request_id: String,
}

impl IncomingRequest {
    /// `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path without its leading />`:
    /// the request's own path, not the resource template.
    pub fn method_arn(&self, region: &str) -> String {
        format!("arn:aws:execute-api:{region}:{ACCOUNT_ID}:{API_ID}/{}/{}{}", self.stage, self.method, self.path)
    }

    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A header's value as `method.request.header.<name>` reads it: the last one sent
    /// (the one the events' `headers` map carries); `None` when missing or empty.
    pub fn identity_source(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn header_maps(&self) -> (Value, Value) {
        single_and_multi_value_maps(self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    fn query_maps(&self) -> (Value, Value) {
        if self.query.is_empty() {
            return (Value::Null, Value::Null);
        }
        let pairs =
            self.query.split('&').filter(|p| !p.is_empty()).map(|pair| pair.split_once('=').unwrap_or((pair, "")));
        single_and_multi_value_maps(pairs)
    }

    fn request_context(&self, identity: Value, authorizer: Option<Value>) -> Value {
        let host = self.header("host").unwrap_or("127.0.0.1");
        let mut context = json!({
            "resourceId": "local1",
            "resourcePath": self.resource,
            "httpMethod": self.method,
            "extendedRequestId": self.request_id,
            "requestTime": "",
            "path": format!("/{}{}", self.stage, self.path),
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": self.stage,
            "domainPrefix": API_ID,
            "requestTimeEpoch": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() as u64,
            "requestId": self.request_id,
            "identity": identity,
            "domainName": host,
            "apiId": API_ID,
        });
        if let Some(authorizer) = authorizer {
            context["authorizer"] = authorizer;
        }
        context
    }

    /// The `REQUEST` authorizer event.
    pub fn authorizer_event(&self, region: &str) -> Value {
        let (headers, multi_headers) = self.header_maps();
        let (query, multi_query) = self.query_maps();
        json!({
            "type": "REQUEST",
            "methodArn": self.method_arn(region),
            "resource": self.resource,
            "path": self.path,
            "httpMethod": self.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": {},
            "stageVariables": {},
            "requestContext": self.request_context(json!({"sourceIp": "127.0.0.1", "userAgent": self.header("user-agent")}), None),
        })
    }

    /// The proxy integration event, with the caller's `identity` and an optional authorizer context.
    pub fn proxy_event(&self, identity: Value, authorizer: Option<Value>) -> Value {
        let (headers, multi_headers) = self.header_maps();
        let (query, multi_query) = self.query_maps();
        json!({
            "resource": self.resource,
            "path": self.path,
            "httpMethod": self.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": self.request_context(identity, authorizer),
            "body": self.body,
            "isBase64Encoded": false,
        })
    }
}

/// `requestContext.identity` of an `AWS_IAM`-authorized request made with Cognito
/// identity pool credentials: what API Gateway learns from STS about the caller.
pub fn iam_identity(issued: &Value, access_key_id: &str, user_agent: Option<&str>) -> Value {
    let providers: Vec<&str> = issued["providers"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let logins: Vec<&str> = issued["logins"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let authenticated = issued["authenticated"].as_bool().unwrap_or(false);
    let provider = if authenticated { Some([providers, logins].concat().join(",")) } else { None };
    json!({
        "cognitoIdentityPoolId": issued["identityPoolId"],
        "accountId": issued["accountId"],
        "cognitoIdentityId": issued["identityId"],
        "caller": "AROALOCALGATEWAYROLE:CognitoIdentityCredentials",
        "sourceIp": "127.0.0.1",
        "principalOrgId": null,
        "accessKey": access_key_id,
        "cognitoAuthenticationType": if authenticated { "authenticated" } else { "unauthenticated" },
        "cognitoAuthenticationProvider": provider,
        "userArn": format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/cognito-bridge-AuthenticatedRole/CognitoIdentityCredentials"),
        "userAgent": user_agent,
        "user": "AROALOCALGATEWAYROLE:CognitoIdentityCredentials",
    })
}

/// The authorizer context as API Gateway passes it to the integration (REST: values as given, plus `principalId`).
pub fn authorizer_context(principal_id: &str, context: &Map<String, Value>) -> Value {
    let mut out = context.clone();
    out.insert("principalId".into(), json!(principal_id));
    out.insert("integrationLatency".into(), json!(0));
    Value::Object(out)
}

/// API Gateway's two views of repeatable name/value pairs (headers, query parameters):
/// the last value of each name, and every value of each name in order.
fn single_and_multi_value_maps<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in pairs {
        single.insert(name.to_owned(), json!(value));
        if let Some(Value::Array(values)) = multi.get_mut(name) {
            values.push(json!(value));
        } else {
            multi.insert(name.to_owned(), json!([value]));
        }
    }
    (Value::Object(single), Value::Object(multi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> IncomingRequest {
        IncomingRequest {
            method: "GET".into(),
            path: "/admin/whoami".into(),
            resource: "/admin/whoami".into(),
            stage: "prod".into(),
            query: "a=1&a=2".into(),
            headers: vec![
                ("Host".into(), "127.0.0.1:1".into()),
                ("Authorization".into(), "Bearer one".into()),
                ("authorization".into(), "Bearer two".into()),
            ],
            body: None,
            request_id: "local-000001".into(),
        }
    }

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// The top-level fields of a real REST REQUEST authorizer event
    /// (aws_lambda_events' example-apigw-custom-auth-request-type-request.json).
    #[test]
    fn the_authorizer_event_has_the_fields_of_a_rest_request_event() {
        let event = request().authorizer_event("us-east-1");
        assert_eq!(
            keys(&event),
            [
                "headers",
                "httpMethod",
                "methodArn",
                "multiValueHeaders",
                "multiValueQueryStringParameters",
                "path",
                "pathParameters",
                "queryStringParameters",
                "requestContext",
                "resource",
                "stageVariables",
                "type",
            ]
        );
        assert_eq!(event["type"], "REQUEST");
        assert_eq!(event["methodArn"], "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/admin/whoami");
        assert_eq!(event["resource"], "/admin/whoami");
        assert_eq!(event["path"], "/admin/whoami");
        assert_eq!(event["httpMethod"], "GET");
        assert_eq!(event["requestContext"]["resourcePath"], "/admin/whoami");
        assert_eq!(event["requestContext"]["stage"], "prod");
        assert_eq!(event["requestContext"]["httpMethod"], "GET");
        assert_eq!(event["queryStringParameters"]["a"], "2");
        assert_eq!(event["multiValueQueryStringParameters"]["a"], serde_json::json!(["1", "2"]));
    }

    #[test]
    fn the_identity_source_is_the_last_value_as_in_the_headers_map() {
        let request = request();
        assert_eq!(request.identity_source("Authorization"), Some("Bearer two"));
        assert_eq!(request.authorizer_event("us-east-1")["headers"]["authorization"], "Bearer two");
        let mut empty = request;
        empty.headers.push(("AUTHORIZATION".into(), String::new()));
        assert_eq!(empty.identity_source("authorization"), None, "an empty identity source is a missing one");
        assert_eq!(empty.identity_source("x-missing"), None);
    }
}
