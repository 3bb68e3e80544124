//! The policy resource: the whole API stage, not the one method that was called.
//!
//! API Gateway caches an authorizer's policy per token and checks every later
//! request of that token against it. A policy naming only `GET /whoami` would deny
//! the same user's `POST /link` until the cache entry expires; a policy covering the
//! stage (`…/prod/*/*`) does not.

/// `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/whoami`
/// → `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/*`.
///
/// Works for any partition (`aws`, `aws-cn`, `aws-us-gov`). `None` when `arn` is not
/// an `execute-api` ARN with an API id and a stage.
pub fn stage_wide_resource(arn: &str) -> Option<String> {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("execute-api"), Some(region), Some(account), Some(path)) =
        (fields.next(), fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return None;
    };
    let mut segments = path.split('/');
    let (Some(api_id), Some(stage)) = (segments.next(), segments.next()) else {
        return None;
    };
    let plain = |s: &str| !s.is_empty() && !s.contains(':');
    if ![partition, region, account, api_id, stage].iter().all(|s| plain(s)) {
        return None;
    }
    // Built piece by piece: this runs on every request, and `format!` costs several
    // times as much.
    let mut resource = String::with_capacity(arn.len() + 4);
    for piece in ["arn:", partition, ":execute-api:", region, ":", account, ":", api_id, "/", stage, "/*/*"] {
        resource.push_str(piece);
    }
    Some(resource)
}

/// The method and the path (without its leading `/`) an `execute-api` ARN names after
/// its stage: `…/prod/GET/orders/42` → `("GET", "orders/42")`. `None` when the ARN has
/// no method segment.
pub fn method_and_path(arn: &str) -> Option<(&str, &str)> {
    let path = arn.splitn(6, ':').nth(5)?;
    let mut segments = path.splitn(4, '/');
    let (_api_id, _stage, method) = (segments.next()?, segments.next()?, segments.next()?);
    (!method.is_empty()).then_some((method, segments.next().unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_method_and_path_after_the_stage() {
        let arn = |tail: &str| format!("arn:aws:execute-api:us-east-1:123456789012:abcdef123/{tail}");
        assert_eq!(method_and_path(&arn("prod/DELETE/orders/42/items")), Some(("DELETE", "orders/42/items")));
        assert_eq!(method_and_path(&arn("$default/GET/whoami")), Some(("GET", "whoami")));
        assert_eq!(method_and_path(&arn("prod/GET/orders/42")), Some(("GET", "orders/42")));
        assert_eq!(method_and_path(&arn("prod/GET")), Some(("GET", "")));
        assert_eq!(method_and_path(&arn("prod/GET/")), Some(("GET", "")));
        assert_eq!(method_and_path(&arn("prod/")), None);
        assert_eq!(method_and_path(&arn("prod")), None);
        assert_eq!(method_and_path("arn:aws:execute-api"), None);
    }

    #[test]
    fn covers_the_whole_stage() {
        assert_eq!(
            stage_wide_resource("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/whoami").as_deref(),
            Some("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/*")
        );
        assert_eq!(
            stage_wide_resource("arn:aws:execute-api:eu-west-1:123456789012:abcdef123/prod/POST/users/42/items")
                .as_deref(),
            Some("arn:aws:execute-api:eu-west-1:123456789012:abcdef123/prod/*/*")
        );
    }

    #[test]
    fn keeps_http_api_stages_and_other_partitions() {
        assert_eq!(
            stage_wide_resource("arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/whoami").as_deref(),
            Some("arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/*/*")
        );
        assert_eq!(
            stage_wide_resource("arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/prod/ANY/").as_deref(),
            Some("arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/prod/*/*")
        );
        // The console's test invoke sends `*` as the stage.
        assert_eq!(
            stage_wide_resource("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/").as_deref(),
            Some("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*/*")
        );
    }

    #[test]
    fn refuses_what_is_not_an_execute_api_arn() {
        for arn in [
            "",
            "arn",
            "arn:aws:execute-api:us-east-1:123456789012",
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123",
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/",
            "arn:aws:execute-api:us-east-1:123456789012:/prod/GET/x",
            "arn:aws:lambda:us-east-1:123456789012:abcdef123/prod/GET/x",
            "urn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/x",
            "arn::execute-api:us-east-1:123456789012:abcdef123/prod/GET/x",
            "arn:aws:execute-api::123456789012:abcdef123/prod/GET/x",
            "arn:aws:execute-api:us-east-1::abcdef123/prod/GET/x",
            "arn:aws:execute-api:us-east-1:123456789012:abc:def/prod/GET/x",
            "arn:aws:s3:::bucket",
        ] {
            assert_eq!(stage_wide_resource(arn), None, "{arn}");
        }
    }
}
