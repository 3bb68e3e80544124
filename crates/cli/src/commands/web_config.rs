//! `web-config`: writes the web app's `config.json` from the stack's outputs (the
//! `--stack` stack's DescribeStacks answer, or a saved one with `--from-file`). The file
//! is written only when every output is there and usable, and replaced atomically.

use std::path::Path;

use serde_json::json;

use crate::cli_args::TargetArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::settings::Setting;
use crate::web_app_config::{WebAppConfig, WebConfigError, config_text, read_saved_answer, web_app_config};

/// `web-config` with `--from-file`: no AWS call at all.
pub fn from_file(file: &Path, target: &TargetArgs, out: &Path) -> Result<Output, CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| CliError::Usage(format!("cannot read {}: {err}; check --from-file", file.display())))?;
    let stack = target.stack.as_deref().map(str::trim).filter(|name| !name.is_empty());
    let (stack, outputs) = read_saved_answer(&text, stack).map_err(|err| web_config_error(err, Some(file)))?;
    let config =
        web_app_config(&stack, &outputs, target.client_id.as_deref()).map_err(|err| web_config_error(err, None))?;
    write(&stack, &config, out)
}

/// `web-config --stack NAME`: the outputs `StackConfig` read with its one DescribeStacks call.
pub fn from_stack(context: &Context, target: &TargetArgs, out: &Path) -> Result<Output, CliError> {
    let (stack, outputs) =
        context.config.stack_outputs().ok_or(CliError::MissingSetting { setting: Setting::Stack })?;
    let config =
        web_app_config(stack, outputs, target.client_id.as_deref()).map_err(|err| web_config_error(err, None))?;
    write(stack, &config, out)
}

/// Every web-config failure is the user's input (the stack, the file, a flag): exit 2.
fn web_config_error(err: WebConfigError, file: Option<&Path>) -> CliError {
    match file {
        Some(file) => CliError::Usage(format!("web-config failed: {} ({err})", file.display())),
        None => CliError::Usage(format!("web-config failed: {err}")),
    }
}

fn write(stack: &str, config: &WebAppConfig, out: &Path) -> Result<Output, CliError> {
    let text = config_text(config);
    if out == Path::new("-") {
        return Ok(Output::Verbatim(text));
    }
    let failed = |err: std::io::Error| CliError::Usage(format!("cannot write {}: {err}; check --out", out.display()));
    if let Some(parent) = out.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut temporary = out.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temporary, &text).map_err(failed)?;
    std::fs::rename(&temporary, out).map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        failed(err)
    })?;
    let keys: Vec<&str> = config.keys().copied().collect();
    Ok(Output::Report {
        human: format!("wrote {} from stack {stack}: {}", out.display(), keys.join(", ")),
        json: json!({"path": out.display().to_string(), "stack": stack, "config": config}),
    })
}
