//! The sample events of `events/`, filled in with a test stack's real values.
//!
//! The files carry realistic example ids; tests swap them for the ids of the pools
//! and users they created, so the same files serve `cargo lambda invoke`,
//! `sam local invoke` and the tests.

use serde_json::Value;

/// The example user pool id used in `events/`.
pub const EXAMPLE_USER_POOL_ID: &str = "us-east-1_AbCdEf123";
/// The example identity pool id used in `events/`.
pub const EXAMPLE_IDENTITY_POOL_ID: &str = "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// The example IdentityId used in `events/`.
pub const EXAMPLE_IDENTITY_ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";
/// The example user pool `sub` used in `events/`.
pub const EXAMPLE_SUB: &str = "7d8ca528-4931-4254-9273-ea5ee853f271";
/// The placeholder where a real id token goes.
pub const TOKEN_PLACEHOLDER: &str = "REPLACE_WITH_ID_TOKEN";

/// Values to put into a sample event; `None` keeps the example value.
#[derive(Debug, Clone, Default)]
pub struct EventValues {
    /// Replaces [`EXAMPLE_USER_POOL_ID`].
    pub user_pool_id: Option<String>,
    /// Replaces [`EXAMPLE_IDENTITY_POOL_ID`].
    pub identity_pool_id: Option<String>,
    /// Replaces [`EXAMPLE_IDENTITY_ID`].
    pub identity_id: Option<String>,
    /// Replaces [`EXAMPLE_SUB`].
    pub sub: Option<String>,
    /// Replaces [`TOKEN_PLACEHOLDER`].
    pub id_token: Option<String>,
}

/// The raw text of `events/<file>`.
pub fn sample_event_text(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The text of `events/<file>` as the Lambda service delivers an event: one line of
/// JSON with no whitespace between tokens (the files are indented for people), keys in
/// the file's order.
pub fn compact_event_text(file: &str) -> String {
    compact_json(&sample_event_text(file))
}

/// `json` without the whitespace outside its strings.
fn compact_json(json: &str) -> String {
    let mut compact = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c.is_ascii_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        compact.push(c);
    }
    compact
}

/// `events/<file>` with `values` filled in, parsed.
pub fn sample_event(file: &str, values: &EventValues) -> Value {
    let mut text = sample_event_text(file);
    let swaps = [
        (EXAMPLE_USER_POOL_ID, &values.user_pool_id),
        (EXAMPLE_IDENTITY_POOL_ID, &values.identity_pool_id),
        (EXAMPLE_IDENTITY_ID, &values.identity_id),
        (EXAMPLE_SUB, &values.sub),
        (TOKEN_PLACEHOLDER, &values.id_token),
    ];
    for (example, value) in swaps {
        if let Some(value) = value {
            text = text.replace(example, value);
        }
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/{file} is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_text_is_the_same_json_on_one_line() {
        for file in ["authorizer-rest-request.json", "authorizer-http-api-v2.json", "authorizer-rest-token.json"] {
            let compact = compact_event_text(file);
            assert!(!compact.contains('\n') && !compact.contains(": "), "{compact}");
            let parsed: Value = serde_json::from_str(&compact).unwrap();
            let original: Value = serde_json::from_str(&sample_event_text(file)).unwrap();
            assert_eq!(parsed, original, "{file}");
        }
        assert_eq!(compact_json(r#"{ "a \" b" : [ 1 , "c\\" ] }"#), r#"{"a \" b":[1,"c\\"]}"#);
    }
}
