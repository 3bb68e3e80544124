//! The web app's `config.json`, made from a stack's outputs: the seven keys `web/src`
//! reads (`bridge-client.ts`'s `StackOutputs`, `private-folder.ts`'s
//! `PrivateFolderOutputs`), each checked, or an error naming the output the stack lacks.
//! Pure: outputs in, a document out; the command reads and writes the files.

use std::collections::{BTreeMap, HashMap};

use lambda_foundation::{IdentityPoolId, UserPoolId};
use serde::Deserialize;

/// The stack outputs the app reads, in the order `config.json` lists them.
pub const WEB_APP_OUTPUTS: [&str; 7] =
    ["ApiUrl", "UserPoolId", "UserPoolClientId", "IdentityPoolId", "Region", "BucketName", "DirectoryTableName"];

/// The optional output the app reads when the stack has it: `FolderLayout` (absent in
/// stacks from before the setting, which the app reads as `identity-id`).
pub const WEB_APP_FOLDER_LAYOUT: &str = "FolderLayout";

/// Why no config could be made. Nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebConfigError {
    /// The stack has no such output (or an empty one).
    #[error("stack {stack} has no output {output}, which the web app needs; deploy the current template.yaml")]
    MissingOutput {
        /// The stack.
        stack: String,
        /// The output key.
        output: &'static str,
    },
    /// An output's value is not what the app can use.
    #[error("stack {stack}'s output {output} = {value:?} is unusable: {reason}")]
    InvalidOutput {
        /// The stack.
        stack: String,
        /// The output key.
        output: &'static str,
        /// Its value (ids and URLs only: no secret is a stack output here).
        value: String,
        /// What was expected.
        reason: String,
    },
    /// UserPoolClientId lists several app clients (adopt mode) and none was chosen.
    #[error(
        "stack {stack}'s output UserPoolClientId lists several app clients ({clients}); pick the web app's with --client-id"
    )]
    SeveralClients {
        /// The stack.
        stack: String,
        /// The listed ids.
        clients: String,
    },
    /// `--client-id` names a client the stack does not list.
    #[error("app client {chosen} is not one of stack {stack}'s UserPoolClientId ({clients}); fix --client-id")]
    ClientNotListed {
        /// The stack.
        stack: String,
        /// `--client-id`.
        chosen: String,
        /// The listed ids.
        clients: String,
    },
    /// The saved DescribeStacks answer cannot be read.
    #[error("{0}")]
    SavedAnswer(String),
}

/// The app's config: output key → value, for the seven keys.
pub type WebAppConfig = BTreeMap<&'static str, String>;

/// Makes the app's config from `outputs` of `stack`; `client_id` picks one of several
/// app clients (adopt mode lists them comma-separated).
pub fn web_app_config(
    stack: &str,
    outputs: &HashMap<String, String>,
    client_id: Option<&str>,
) -> Result<WebAppConfig, WebConfigError> {
    let mut config = WebAppConfig::new();
    for output in WEB_APP_OUTPUTS {
        let value = outputs.get(output).map(|value| value.trim()).filter(|value| !value.is_empty());
        let value = value.ok_or_else(|| WebConfigError::MissingOutput { stack: stack.to_owned(), output })?;
        let invalid = |reason: String| WebConfigError::InvalidOutput {
            stack: stack.to_owned(),
            output,
            value: value.to_owned(),
            reason,
        };
        let value = match output {
            "UserPoolId" => {
                UserPoolId::parse(value).map(|_| value.to_owned()).map_err(|err| invalid(err.to_string()))?
            }
            "IdentityPoolId" => {
                IdentityPoolId::parse(value).map(|_| value.to_owned()).map_err(|err| invalid(err.to_string()))?
            }
            "ApiUrl" if !(value.starts_with("https://") || value.starts_with("http://")) => {
                return Err(invalid("expected an http(s) URL".into()));
            }
            "UserPoolClientId" => one_client(stack, value, client_id)?,
            _ => value.to_owned(),
        };
        config.insert(output, value);
    }
    if let Some(layout) = outputs.get(WEB_APP_FOLDER_LAYOUT).map(|value| value.trim()).filter(|v| !v.is_empty()) {
        if !matches!(layout, "identity-id" | "sub" | "both") {
            return Err(WebConfigError::InvalidOutput {
                stack: stack.to_owned(),
                output: WEB_APP_FOLDER_LAYOUT,
                value: layout.to_owned(),
                reason: "expected identity-id, sub or both".into(),
            });
        }
        config.insert(WEB_APP_FOLDER_LAYOUT, layout.to_owned());
    }
    Ok(config)
}

fn one_client(stack: &str, listed: &str, chosen: Option<&str>) -> Result<String, WebConfigError> {
    let clients: Vec<&str> = listed.split(',').map(str::trim).filter(|id| !id.is_empty()).collect();
    let (stack, list) = (stack.to_owned(), clients.join(", "));
    match (chosen.map(str::trim).filter(|id| !id.is_empty()), clients.as_slice()) {
        // One client listed: a --client-id meant for another app (from the environment) does not matter.
        (_, [only]) => Ok((*only).to_owned()),
        (_, []) => Err(WebConfigError::MissingOutput { stack, output: "UserPoolClientId" }),
        (None, _) => Err(WebConfigError::SeveralClients { stack, clients: list }),
        (Some(chosen), _) if clients.contains(&chosen) => Ok(chosen.to_owned()),
        (Some(chosen), _) => Err(WebConfigError::ClientNotListed { stack, chosen: chosen.to_owned(), clients: list }),
    }
}

/// The config as the file holds it: pretty JSON, keys sorted, one trailing newline.
pub fn config_text(config: &WebAppConfig) -> String {
    // A map of strings always serializes.
    let mut text = serde_json::to_string_pretty(config).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Deserialize)]
struct DescribeStacksAnswer {
    #[serde(rename = "Stacks")]
    stacks: Vec<SavedStack>,
}

#[derive(Deserialize)]
struct SavedStack {
    #[serde(rename = "StackName")]
    stack_name: String,
    #[serde(rename = "Outputs", default)]
    outputs: Vec<SavedOutput>,
}

#[derive(Deserialize)]
struct SavedOutput {
    #[serde(rename = "OutputKey")]
    key: String,
    #[serde(rename = "OutputValue", default)]
    value: String,
}

/// Reads a saved `aws cloudformation describe-stacks` answer: the stack named `stack`, or
/// the only one it holds. Returns its name and outputs.
pub fn read_saved_answer(text: &str, stack: Option<&str>) -> Result<(String, HashMap<String, String>), WebConfigError> {
    let answer: DescribeStacksAnswer = serde_json::from_str(text).map_err(|err| {
        WebConfigError::SavedAnswer(format!(
            "the file is not a DescribeStacks answer ({{\"Stacks\": [{{\"StackName\", \"Outputs\"}}]}}): {err}"
        ))
    })?;
    let names = || answer.stacks.iter().map(|s| s.stack_name.as_str()).collect::<Vec<_>>().join(", ");
    let found = match stack {
        Some(name) => answer.stacks.iter().find(|s| s.stack_name == name).ok_or_else(|| {
            WebConfigError::SavedAnswer(format!("the file holds no stack {name} (it holds: {})", names()))
        })?,
        None => match answer.stacks.as_slice() {
            [only] => only,
            [] => return Err(WebConfigError::SavedAnswer("the file holds no stack".into())),
            _ => {
                return Err(WebConfigError::SavedAnswer(format!(
                    "the file holds several stacks ({}); name one with --stack",
                    names()
                )));
            }
        },
    };
    let outputs = found.outputs.iter().map(|output| (output.key.clone(), output.value.clone())).collect();
    Ok((found.stack_name.clone(), outputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn full() -> HashMap<String, String> {
        outputs(&[
            ("ApiUrl", "https://abc.execute-api.us-east-1.amazonaws.com/prod"),
            ("UserPoolId", "us-east-1_AbC"),
            ("UserPoolClientId", "client1"),
            ("IdentityPoolId", "us-east-1:1f0c1a2b-1111-4222-8333-444455556666"),
            ("Region", "us-east-1"),
            ("BucketName", "b-1"),
            ("DirectoryTableName", "t-1"),
            ("AuthorizerFunctionArn", "arn:aws:lambda:us-east-1:1:function:a"),
        ])
    }

    #[test]
    fn the_seven_keys_and_nothing_else() {
        let config = web_app_config("s", &full(), None).unwrap();
        assert_eq!(config.keys().copied().collect::<Vec<_>>().len(), 7);
        assert!(!config.contains_key("AuthorizerFunctionArn"));
        assert_eq!(config["UserPoolClientId"], "client1");
        assert!(config_text(&config).ends_with("}\n"));
    }

    #[test]
    fn the_folder_layout_rides_along_when_the_stack_has_it() {
        let mut with = full();
        with.insert("FolderLayout".into(), "sub".into());
        assert_eq!(web_app_config("s", &with, None).unwrap()["FolderLayout"], "sub");
        assert!(!web_app_config("s", &full(), None).unwrap().contains_key("FolderLayout"));
        with.insert("FolderLayout".into(), "users".into());
        assert!(matches!(
            web_app_config("s", &with, None),
            Err(WebConfigError::InvalidOutput { output: "FolderLayout", .. })
        ));
    }

    #[test]
    fn a_missing_or_empty_output_is_named() {
        for output in WEB_APP_OUTPUTS {
            let mut without = full();
            without.remove(output);
            assert_eq!(
                web_app_config("dev", &without, None).unwrap_err(),
                WebConfigError::MissingOutput { stack: "dev".into(), output }
            );
            without.insert(output.to_owned(), " ".into());
            assert!(matches!(web_app_config("dev", &without, None), Err(WebConfigError::MissingOutput { .. })));
        }
    }

    #[test]
    fn bad_values_and_several_clients_are_refused() {
        let mut bad = full();
        bad.insert("UserPoolId".into(), "nounderscore".into());
        assert!(matches!(
            web_app_config("s", &bad, None),
            Err(WebConfigError::InvalidOutput { output: "UserPoolId", .. })
        ));
        let mut bad = full();
        bad.insert("ApiUrl".into(), "ftp://x".into());
        assert!(matches!(web_app_config("s", &bad, None), Err(WebConfigError::InvalidOutput { output: "ApiUrl", .. })));

        let mut adopted = full();
        adopted.insert("UserPoolClientId".into(), "web, mobile".into());
        assert!(matches!(web_app_config("s", &adopted, None), Err(WebConfigError::SeveralClients { .. })));
        assert_eq!(web_app_config("s", &adopted, Some("mobile")).unwrap()["UserPoolClientId"], "mobile");
        assert!(matches!(web_app_config("s", &adopted, Some("other")), Err(WebConfigError::ClientNotListed { .. })));
        assert_eq!(web_app_config("s", &full(), Some("other")).unwrap()["UserPoolClientId"], "client1");
    }

    #[test]
    fn saved_answers_give_the_named_or_only_stack() {
        let text = r#"{"Stacks": [{"StackName": "a", "Outputs": [{"OutputKey": "Region", "OutputValue": "us-east-1"}]},
                                  {"StackName": "b"}]}"#;
        let (name, outputs) = read_saved_answer(text, Some("a")).unwrap();
        assert_eq!((name.as_str(), outputs["Region"].as_str()), ("a", "us-east-1"));
        assert!(read_saved_answer(text, Some("b")).unwrap().1.is_empty());
        assert!(matches!(read_saved_answer(text, None), Err(WebConfigError::SavedAnswer(m)) if m.contains("a, b")));
        assert!(matches!(read_saved_answer(text, Some("c")), Err(WebConfigError::SavedAnswer(_))));
        assert!(matches!(read_saved_answer("nope", None), Err(WebConfigError::SavedAnswer(_))));
        assert!(matches!(read_saved_answer(r#"{"Stacks": []}"#, None), Err(WebConfigError::SavedAnswer(_))));
    }
}
