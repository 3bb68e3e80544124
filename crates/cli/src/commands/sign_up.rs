//! `signup` and `confirm`: create a user through the app client, and confirm
//! them with the emailed code or, with admin credentials, without one.

use aws_sdk_cognitoidentityprovider as idp;
use idp::types::AttributeType;
use serde_json::json;

use crate::aws_call_error::AwsCallError;
use crate::cli_args::{ConfirmArgs, SignupArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::settings::Setting;

/// `signup`: SignUp with the email attribute; Cognito sends a confirmation code.
pub async fn sign_up(context: &Context, args: &SignupArgs) -> Result<Output, CliError> {
    let client_id = context.config.client_id()?;
    let password = args.password.read()?;
    let secret = password.clone();
    let email = AttributeType::builder().name("email").value(&args.email).build().map_err(|why| {
        CliError::Unexpected { action: "signup", cause: format!("the email attribute: {why}"), hint: None }
    })?;
    let answer = context
        .idp()?
        .sign_up()
        .client_id(client_id)
        .username(&args.username)
        .password(password)
        .user_attributes(email)
        .send()
        .await;
    let answer = answer.map_err(|err| {
        let failure = AwsCallError::from_sdk(&err).redacting(&secret);
        let hint = match failure.code() {
            Some("UsernameExistsException") => Some(format!(
                "pick another username, or sign in with 'cognito-bridge login --username {}'",
                args.username
            )),
            Some("InvalidPasswordException") => Some("choose a password that meets the user pool's policy".into()),
            Some("ResourceNotFoundException") => Some(format!("check {}", Setting::ClientId.names())),
            _ => None,
        };
        failure.into_error("signup", &context.config.aws_target(), hint)
    })?;
    let destination = answer.code_delivery_details.and_then(|d| d.destination);
    let next = if answer.user_confirmed {
        format!("cognito-bridge login --username {}", args.username)
    } else {
        format!("cognito-bridge confirm --username {} --code <code> (or --admin)", args.username)
    };
    let mut human = TextBlock::new(format!("signed up {}", args.username))
        .line("sub", &answer.user_sub)
        .line("confirmed", if answer.user_confirmed { "yes" } else { "no" });
    if let Some(destination) = &destination {
        human = human.line("code sent to", destination);
    }
    human = human.line("next", &next);
    Ok(Output::Report {
        human: human.render(),
        json: json!({
            "username": args.username,
            "sub": answer.user_sub,
            "confirmed": answer.user_confirmed,
            "codeSentTo": destination,
        }),
    })
}

/// `confirm`: ConfirmSignUp with `--code`, or AdminConfirmSignUp with `--admin`.
pub async fn confirm(context: &Context, args: &ConfirmArgs) -> Result<Output, CliError> {
    let idp = context.idp()?;
    let target = context.config.aws_target();
    let hint_for = |failure: &AwsCallError| match failure.code() {
        Some("CodeMismatchException") => Some("check the code from the email".to_owned()),
        Some("ExpiredCodeException") => Some("the code expired: sign up again or confirm with --admin".to_owned()),
        Some("UserNotFoundException") => Some("check the username".to_owned()),
        Some("AccessDeniedException") | Some("UnrecognizedClientException") => {
            Some("--admin needs IAM credentials allowed to call cognito-idp:AdminConfirmSignUp".to_owned())
        }
        _ => None,
    };
    let how = if args.how.admin {
        let pool = context.config.user_pool_id()?;
        idp.admin_confirm_sign_up().user_pool_id(pool).username(&args.username).send().await.map(|_| ()).map_err(
            |err| {
                let failure = AwsCallError::from_sdk(&err);
                let hint = hint_for(&failure);
                failure.into_error("confirm", &target, hint)
            },
        )?;
        "AdminConfirmSignUp"
    } else {
        let client_id = context.config.client_id()?;
        let code = args.how.code.as_deref().unwrap_or_default();
        idp.confirm_sign_up()
            .client_id(client_id)
            .username(&args.username)
            .confirmation_code(code)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| {
                let failure = AwsCallError::from_sdk(&err);
                let hint = hint_for(&failure);
                failure.into_error("confirm", &target, hint)
            })?;
        "ConfirmSignUp"
    };
    let human = TextBlock::new(format!("confirmed {}", args.username))
        .line("with", how)
        .line("next", format!("cognito-bridge login --username {}", args.username))
        .render();
    Ok(Output::Report { human, json: json!({"username": args.username, "confirmed": true, "with": how}) })
}
