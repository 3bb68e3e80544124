//! One test per request context shape, read from the sample events in `events/`
//! through `lambda_http` exactly as a deployed function receives them.

use caller_identity::{
    AccessDenied, CallerIdentity, CallerIdentityError, IdentitySource, RequestCallerExt, TokenUse, context_keys,
};
use lambda_http::Request;
use serde_json::{Value, json};
use test_support::sample_events::{
    EXAMPLE_IDENTITY_ID, EXAMPLE_IDENTITY_POOL_ID, EXAMPLE_SUB, EXAMPLE_USER_POOL_ID, EventValues, sample_event,
    sample_event_text,
};

fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway event")
}

fn caller_of(file: &str) -> CallerIdentity {
    request(&sample_event(file, &EventValues::default())).caller_identity().unwrap()
}

fn groups() -> Vec<String> {
    vec!["admins".into(), "readers".into()]
}

#[test]
fn rest_lambda_authorizer_context() {
    let caller = caller_of("whoami-rest-lambda-authorizer.json");
    assert_eq!(
        caller,
        CallerIdentity {
            sub: EXAMPLE_SUB.into(),
            username: Some("alice".into()),
            identity_id: Some(EXAMPLE_IDENTITY_ID.into()),
            identity_pool_id: Some(EXAMPLE_IDENTITY_POOL_ID.into()),
            user_pool_id: Some("us-east-1_AbCdEf123".into()),
            email: Some("alice@example.com".into()),
            groups: groups(),
            scopes: vec![],
            token_use: Some(TokenUse::Id),
            client_id: Some("4p1l7kq2v0example9clientid".into()),
            linked: Some(true),
            source: IdentitySource::LambdaAuthorizer,
        }
    );
}

#[test]
fn http_api_lambda_authorizer_context() {
    let caller = caller_of("whoami-http-api-lambda-authorizer.json");
    assert_eq!(caller.source, IdentitySource::LambdaAuthorizer);
    assert_eq!((caller.token_use, caller.user_pool_id.as_deref()), (Some(TokenUse::Id), Some("us-east-1_AbCdEf123")));
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.identity_pool_id.as_deref(), Some(EXAMPLE_IDENTITY_POOL_ID));
    assert_eq!(caller.groups, groups());
}

#[test]
fn rest_iam_auth() {
    let caller = caller_of("whoami-rest-iam.json");
    assert_eq!(caller.source, IdentitySource::Iam);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.identity_pool_id.as_deref(), Some(EXAMPLE_IDENTITY_POOL_ID));
    assert_eq!(caller.username, None, "IAM auth does not carry the user name");
}

#[test]
fn http_api_iam_auth() {
    let caller = caller_of("whoami-http-api-iam.json");
    assert_eq!(caller.source, IdentitySource::Iam);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.identity_pool_id.as_deref(), Some(EXAMPLE_IDENTITY_POOL_ID));
}

#[test]
fn rest_cognito_user_pool_authorizer_claims() {
    let caller = caller_of("whoami-rest-cognito-authorizer.json");
    assert_eq!(caller.source, IdentitySource::CognitoUserPoolAuthorizer);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.username.as_deref(), Some("alice"));
    assert_eq!(caller.groups, groups());
    assert_eq!(caller.linked, Some(true));
}

#[test]
fn http_api_jwt_authorizer_claims() {
    let caller = caller_of("whoami-http-api-jwt-authorizer.json");
    assert_eq!(caller.source, IdentitySource::JwtAuthorizer);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.groups, groups(), "HTTP API renders arrays as [a b]");
    assert_eq!(caller.email.as_deref(), Some("alice@example.com"));
}

#[test]
fn claims_of_an_unlinked_user_have_no_identity_id() {
    let mut event = sample_event("whoami-rest-cognito-authorizer.json", &EventValues::default());
    event["requestContext"]["authorizer"]["claims"].as_object_mut().unwrap().remove("custom:identity_id");
    let caller = request(&event).caller_identity().unwrap();
    assert_eq!(caller.identity_id, None);
    assert_eq!(caller.linked, Some(false));
}

#[test]
fn no_identity_at_all_is_a_clear_error() {
    let mut event = sample_event("whoami-rest-iam.json", &EventValues::default());
    event["requestContext"]["identity"] = json!({"sourceIp": "203.0.113.10"});
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NoIdentity);
    let mut event = sample_event("whoami-http-api-iam.json", &EventValues::default());
    event["requestContext"].as_object_mut().unwrap().remove("authorizer");
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NoIdentity);
}

#[test]
fn iam_credentials_not_from_a_user_pool_sign_in_are_refused() {
    let text = sample_event_text("whoami-rest-iam.json");
    let mut event: Value = serde_json::from_str(&text).unwrap();
    event["requestContext"]["identity"]["cognitoAuthenticationType"] = json!("unauthenticated");
    event["requestContext"]["identity"]["cognitoAuthenticationProvider"] = json!(null);
    let err = request(&event).caller_identity().unwrap_err();
    assert_eq!(err, CallerIdentityError::NotAUserPoolLogin);
    assert_eq!(err.status(), 403);

    let mut event = sample_event("whoami-http-api-iam.json", &EventValues::default());
    event["requestContext"]["authorizer"]["iam"]["cognitoIdentity"]["amr"] = json!(["unauthenticated"]);
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NotAUserPoolLogin);
    event["requestContext"]["authorizer"]["iam"].as_object_mut().unwrap().remove("cognitoIdentity");
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NotAUserPoolLogin);
}

#[test]
fn raw_aws_lambda_events_types_work_too() {
    use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
    let rest: ApiGatewayProxyRequest =
        serde_json::from_value(sample_event("whoami-rest-lambda-authorizer.json", &EventValues::default())).unwrap();
    assert_eq!(rest.caller_identity().unwrap().sub, EXAMPLE_SUB);
    let http: ApiGatewayV2httpRequest =
        serde_json::from_value(sample_event("whoami-http-api-iam.json", &EventValues::default())).unwrap();
    assert_eq!(http.caller_identity().unwrap().identity_id.as_deref(), Some(EXAMPLE_IDENTITY_ID));
}

/// The keys the authorizer adds for an access token, as it writes them (strings).
fn access_token_context() -> Value {
    json!({
        context_keys::TOKEN_USE: "access",
        context_keys::SCOPES: "openid orders/write",
        context_keys::USER_POOL_ID: EXAMPLE_USER_POOL_ID,
        context_keys::GROUPS: r#"["admins"]"#,
    })
}

fn merge(target: &mut Value, extra: &Value) {
    let target = target.as_object_mut().expect("an object");
    for (key, value) in extra.as_object().expect("an object") {
        target.insert(key.clone(), value.clone());
    }
}

#[test]
fn rest_lambda_authorizer_context_of_an_access_token() {
    let mut event = sample_event("whoami-rest-lambda-authorizer.json", &EventValues::default());
    merge(&mut event["requestContext"]["authorizer"], &access_token_context());
    let caller = request(&event).caller_identity().unwrap();
    assert_eq!(caller.token_use, Some(TokenUse::Access));
    assert_eq!(caller.scopes, vec!["openid", "orders/write"]);
    assert_eq!(caller.groups, vec!["admins"]);
    assert_eq!(caller.user_pool_id.as_deref(), Some(EXAMPLE_USER_POOL_ID));
    assert_eq!(caller.require_scope("orders/write"), Ok(()));
    assert_eq!(caller.require_group("admins"), Ok(()));
    assert!(matches!(caller.require_scope("orders/read"), Err(AccessDenied::MissingScope { .. })));
    assert!(matches!(caller.require_group("readers"), Err(AccessDenied::MissingGroup { .. })));
}

#[test]
fn http_api_lambda_authorizer_context_of_an_access_token() {
    let mut event = sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default());
    merge(&mut event["requestContext"]["authorizer"]["lambda"], &access_token_context());
    let caller = request(&event).caller_identity().unwrap();
    assert_eq!(caller.source, IdentitySource::LambdaAuthorizer);
    assert_eq!(caller.token_use, Some(TokenUse::Access));
    assert_eq!(caller.scopes, vec!["openid", "orders/write"]);
    assert_eq!(caller.groups, vec!["admins"]);
    assert_eq!(caller.user_pool_id.as_deref(), Some(EXAMPLE_USER_POOL_ID));
}

#[test]
fn lambda_authorizer_context_of_an_id_token_has_no_scopes() {
    let mut event = sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default());
    merge(
        &mut event["requestContext"]["authorizer"]["lambda"],
        &json!({context_keys::TOKEN_USE: "id", context_keys::USER_POOL_ID: EXAMPLE_USER_POOL_ID}),
    );
    let caller = request(&event).caller_identity().unwrap();
    assert_eq!(caller.token_use, Some(TokenUse::Id));
    assert_eq!(caller.scopes, Vec::<String>::new());
    assert_eq!(
        caller.require_scope("orders/write").unwrap_err().to_string(),
        "missing OAuth scope orders/write: id tokens carry no OAuth scopes; call with an access token"
    );
    assert_eq!(caller.require_group("admins"), Ok(()), "the sample's groups are admins and readers");
}

/// A group name may hold a comma: a member of `ops,admins` is not a member of `admins`,
/// whichever flavour carries our authorizer's context.
#[test]
fn a_group_name_with_a_comma_is_one_group() {
    for (file, at) in [
        ("whoami-rest-lambda-authorizer.json", &["requestContext", "authorizer"][..]),
        ("whoami-http-api-lambda-authorizer.json", &["requestContext", "authorizer", "lambda"][..]),
    ] {
        let mut event = sample_event(file, &EventValues::default());
        let context = at.iter().fold(&mut event, |value, key| &mut value[*key]);
        merge(context, &json!({context_keys::GROUPS: r#"["ops,admins","x"]"#}));
        let caller = request(&event).caller_identity().unwrap();
        assert_eq!(caller.groups, vec!["ops,admins", "x"], "{file}");
        assert_eq!(caller.require_group("ops,admins"), Ok(()), "{file}");
        assert!(matches!(caller.require_group("admins"), Err(AccessDenied::MissingGroup { .. })), "{file}");
        assert!(matches!(caller.require_group("ops"), Err(AccessDenied::MissingGroup { .. })), "{file}");
    }
}

/// Groups in any other form than the JSON array are refused, not guessed at.
#[test]
fn comma_joined_groups_from_our_authorizer_are_malformed() {
    let mut event = sample_event("whoami-rest-lambda-authorizer.json", &EventValues::default());
    merge(&mut event["requestContext"]["authorizer"], &json!({context_keys::GROUPS: "ops,admins"}));
    assert_eq!(
        request(&event).caller_identity(),
        Err(caller_identity::CallerIdentityError::Malformed("authorizer groups"))
    );
}

#[test]
fn an_unknown_token_use_is_not_taken_for_a_known_one() {
    let mut event = sample_event("whoami-rest-lambda-authorizer.json", &EventValues::default());
    merge(&mut event["requestContext"]["authorizer"], &json!({context_keys::TOKEN_USE: "refresh"}));
    assert_eq!(request(&event).caller_identity().unwrap().token_use, None);
}

#[test]
fn rest_cognito_authorizer_claims_of_an_id_token() {
    let caller = caller_of("whoami-rest-cognito-authorizer.json");
    assert_eq!(caller.token_use, Some(TokenUse::Id));
    assert_eq!(caller.user_pool_id.as_deref(), Some(EXAMPLE_USER_POOL_ID), "from iss");
    assert_eq!(caller.scopes, Vec::<String>::new());
    assert!(caller.require_scope("orders/write").is_err());
    assert_eq!(caller.require_group("readers"), Ok(()));
}

/// An access token's claims as the REST Cognito authorizer passes them: `username`,
/// `client_id`, a space-separated `scope`; `cognito:groups` as one string, in each
/// form reported for it.
#[test]
fn rest_cognito_authorizer_claims_of_an_access_token() {
    for (groups, expected) in [
        (json!("admins"), vec!["admins"]),
        (json!("admins,readers"), vec!["admins", "readers"]),
        (json!("[admins readers]"), vec!["admins", "readers"]),
        (json!(["admins", "readers"]), vec!["admins", "readers"]),
    ] {
        let mut event = sample_event("whoami-rest-cognito-authorizer.json", &EventValues::default());
        event["requestContext"]["authorizer"]["claims"] = json!({
            "sub": EXAMPLE_SUB,
            "cognito:groups": groups,
            "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{EXAMPLE_USER_POOL_ID}"),
            "client_id": "4p1l7kq2v0example9clientid",
            "origin_jti": "b7e0e3a3-5f1b-4d6f-9f6a-1d2c3b4a5e6f",
            "event_id": "0c9a7d1e-2b3c-4d5e-8f60-718293a4b5c6",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin orders/write",
            "auth_time": "1795428000",
            "exp": "Mon Nov 23 11:15:00 UTC 2026",
            "iat": "Mon Nov 23 10:15:00 UTC 2026",
            "jti": "3f1d2e4c-5b6a-4978-8a1b-2c3d4e5f6a7b",
            "username": "alice",
        });
        let caller = request(&event).caller_identity().unwrap();
        assert_eq!(caller.source, IdentitySource::CognitoUserPoolAuthorizer);
        assert_eq!(caller.token_use, Some(TokenUse::Access));
        assert_eq!(caller.scopes, vec!["aws.cognito.signin.user.admin", "orders/write"]);
        assert_eq!(caller.groups, expected, "{groups}");
        assert_eq!(caller.username.as_deref(), Some("alice"));
        assert_eq!(caller.user_pool_id.as_deref(), Some(EXAMPLE_USER_POOL_ID));
        assert_eq!(
            (caller.identity_id.as_deref(), caller.linked),
            (None, Some(false)),
            "access tokens carry no attributes"
        );
        assert_eq!(caller.require_scope("orders/write"), Ok(()));
        assert_eq!(caller.require_group("admins"), Ok(()));
    }
}

#[test]
fn http_api_jwt_authorizer_claims_of_an_id_token() {
    let caller = caller_of("whoami-http-api-jwt-authorizer.json");
    assert_eq!(caller.token_use, Some(TokenUse::Id));
    assert_eq!(caller.user_pool_id.as_deref(), Some(EXAMPLE_USER_POOL_ID));
    assert_eq!(caller.scopes, Vec::<String>::new(), "jwt.scopes is null in the sample");
}

/// An access token behind the HTTP API JWT authorizer: the `scope` claim is the token's
/// own list; `jwt.scopes` is used only when the claim is missing.
#[test]
fn http_api_jwt_authorizer_claims_and_scopes_of_an_access_token() {
    let event_with = |scope_claim: Option<&str>, scopes: Value| {
        let mut event = sample_event("whoami-http-api-jwt-authorizer.json", &EventValues::default());
        let jwt = &mut event["requestContext"]["authorizer"]["jwt"];
        let claims = jwt["claims"].as_object_mut().unwrap();
        for attribute in ["custom:identity_id", "email", "email_verified", "cognito:username", "aud"] {
            claims.remove(attribute);
        }
        claims.insert("token_use".into(), json!("access"));
        claims.insert("username".into(), json!("alice"));
        claims.insert("cognito:groups".into(), json!("[admins]"));
        if let Some(scope) = scope_claim {
            claims.insert("scope".into(), json!(scope));
        }
        jwt["scopes"] = scopes;
        request(&event).caller_identity().unwrap()
    };
    let caller = event_with(Some("openid orders/write"), json!(["orders/write"]));
    assert_eq!(caller.source, IdentitySource::JwtAuthorizer);
    assert_eq!(caller.token_use, Some(TokenUse::Access));
    assert_eq!(caller.scopes, vec!["openid", "orders/write"]);
    assert_eq!(caller.groups, vec!["admins"]);
    assert_eq!(caller.username.as_deref(), Some("alice"));
    assert_eq!(caller.user_pool_id.as_deref(), Some(EXAMPLE_USER_POOL_ID));

    let listed_only = event_with(None, json!(["orders/read", "orders/write"]));
    assert_eq!(listed_only.scopes, vec!["orders/read", "orders/write"]);
    assert_eq!(listed_only.require_scope("orders/read"), Ok(()));

    let neither = event_with(None, Value::Null);
    assert_eq!(neither.scopes, Vec::<String>::new());
    assert_eq!(
        neither.require_scope("orders/write").unwrap_err().to_string(),
        "missing OAuth scope orders/write: the access token does not grant it"
    );
}

#[test]
fn a_foreign_issuer_names_no_user_pool() {
    let mut event = sample_event("whoami-http-api-jwt-authorizer.json", &EventValues::default());
    event["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] =
        json!("https://login.example.com/us-east-1_AbCdEf123");
    assert_eq!(request(&event).caller_identity().unwrap().user_pool_id, None);
}

#[test]
fn iam_auth_carries_no_token_use_scopes_groups_or_pool() {
    for file in ["whoami-rest-iam.json", "whoami-http-api-iam.json"] {
        let caller = caller_of(file);
        assert_eq!(caller.source, IdentitySource::Iam, "{file}");
        assert_eq!(caller.token_use, None, "{file}");
        assert_eq!(caller.scopes, Vec::<String>::new(), "{file}");
        assert_eq!(caller.groups, Vec::<String>::new(), "{file}");
        assert_eq!(caller.user_pool_id, None, "{file}");
        assert_eq!(
            caller.require_scope("orders/write").unwrap_err().to_string(),
            "missing OAuth scope orders/write: IAM auth carries no OAuth scopes"
        );
        assert_eq!(
            caller.require_group("admins").unwrap_err().to_string(),
            "not in user pool group admins: IAM auth carries no user pool groups"
        );
    }
}

#[test]
fn the_new_fields_serialize_under_their_context_names() {
    let mut event = sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default());
    merge(&mut event["requestContext"]["authorizer"]["lambda"], &access_token_context());
    let value = serde_json::to_value(request(&event).caller_identity().unwrap()).unwrap();
    assert_eq!(value[context_keys::TOKEN_USE], json!("access"));
    assert_eq!(value[context_keys::SCOPES], json!(["openid", "orders/write"]));
    assert_eq!(value[context_keys::USER_POOL_ID], json!(EXAMPLE_USER_POOL_ID));
    assert_eq!(value[context_keys::GROUPS], json!(["admins"]));
}

/// The `identity_id` claim that a Pre Token Generation trigger adds to id and access
/// tokens reads as the IdentityId when `custom:identity_id` is absent (access tokens
/// carry no `custom:` attributes); when both are present, `custom:identity_id` wins.
#[test]
fn the_identity_id_claim_links_a_caller_under_both_built_in_authorizers() {
    const FROM_TRIGGER: &str = "us-east-1:0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e";
    for (file, claims_at) in [
        ("whoami-rest-cognito-authorizer.json", "/requestContext/authorizer/claims"),
        ("whoami-http-api-jwt-authorizer.json", "/requestContext/authorizer/jwt/claims"),
    ] {
        let with = |custom: bool| {
            let mut event = sample_event(file, &EventValues::default());
            let claims = event.pointer_mut(claims_at).and_then(Value::as_object_mut).unwrap();
            if !custom {
                claims.remove("custom:identity_id");
            }
            claims.insert("identity_id".into(), json!(FROM_TRIGGER));
            request(&event).caller_identity().unwrap()
        };
        let trigger_only = with(false);
        assert_eq!(
            (trigger_only.identity_id.as_deref(), trigger_only.linked),
            (Some(FROM_TRIGGER), Some(true)),
            "{file}"
        );
        let both = with(true);
        assert_eq!((both.identity_id.as_deref(), both.linked), (Some(EXAMPLE_IDENTITY_ID), Some(true)), "{file}");
    }
}

/// The app client: our authorizer's `clientId`, an access token's `client_id` claim, an
/// id token's `aud`; IAM auth carries no token, so no client.
#[test]
fn the_app_client_is_read_from_every_token_source_and_absent_under_iam() {
    const CLIENT: &str = "4p1l7kq2v0example9clientid";
    for file in [
        "whoami-rest-lambda-authorizer.json",
        "whoami-http-api-lambda-authorizer.json",
        "whoami-rest-cognito-authorizer.json",
        "whoami-http-api-jwt-authorizer.json",
    ] {
        assert_eq!(caller_of(file).client_id.as_deref(), Some(CLIENT), "{file}");
    }
    for file in ["whoami-rest-iam.json", "whoami-http-api-iam.json"] {
        assert_eq!(caller_of(file).client_id, None, "{file}");
    }
    let mut event = sample_event("whoami-rest-cognito-authorizer.json", &EventValues::default());
    let claims = event["requestContext"]["authorizer"]["claims"].as_object_mut().unwrap();
    claims.remove("aud");
    claims.insert("client_id".into(), json!("access-token-client"));
    claims.insert("token_use".into(), json!("access"));
    assert_eq!(request(&event).caller_identity().unwrap().client_id.as_deref(), Some("access-token-client"));
    event["requestContext"]["authorizer"]["claims"].as_object_mut().unwrap().remove("client_id");
    assert_eq!(request(&event).caller_identity().unwrap().client_id, None, "no client claim at all");
    let value = serde_json::to_value(caller_of("whoami-rest-lambda-authorizer.json")).unwrap();
    assert_eq!(value[context_keys::CLIENT_ID], json!(CLIENT));
}

/// REST IAM auth signed by an IAM user (a `userArn`, no Cognito identity): a caller, but
/// not a user pool user, 403 as under the HTTP API; with no `userArn` either the route
/// is unprotected, 401.
#[test]
fn a_rest_request_signed_by_an_iam_user_is_not_a_user_pool_login() {
    let mut event = sample_event("whoami-rest-iam.json", &EventValues::default());
    let identity = event["requestContext"]["identity"].as_object_mut().unwrap();
    for cognito in
        ["cognitoIdentityId", "cognitoIdentityPoolId", "cognitoAuthenticationType", "cognitoAuthenticationProvider"]
    {
        identity.insert(cognito.into(), Value::Null);
    }
    identity.insert("userArn".into(), json!("arn:aws:iam::123456789012:user/ops-script"));
    let err = request(&event).caller_identity().unwrap_err();
    assert_eq!((err.clone(), err.status()), (CallerIdentityError::NotAUserPoolLogin, 403));
    for unsigned in [Value::Null, json!("")] {
        event["requestContext"]["identity"]["userArn"] = unsigned.clone();
        let err = request(&event).caller_identity().unwrap_err();
        assert_eq!((err.clone(), err.status()), (CallerIdentityError::NoIdentity, 401), "{unsigned}");
    }
}
