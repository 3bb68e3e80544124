//! What a command prints: text for people by default, one JSON document with
//! `--json`, or a fixed format (shell exports, `credential_process`) when the
//! command was asked for one.

use std::io::Write;

use aws_sdk_cognitoidentity::primitives::{DateTime, DateTimeFormat};
use serde_json::Value;

/// A command's result, printed once by `main`.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Text for people and a JSON document for scripts; `--json` picks one.
    Report {
        /// Printed without `--json`.
        human: String,
        /// Printed with `--json`.
        json: Value,
    },
    /// Printed as is whatever `--json` says (shell exports, credential_process JSON, a bare token).
    Verbatim(String),
}

impl Output {
    /// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
    pub fn print(&self, json: bool) {
        let text = match self {
            Output::Report { json: document, .. } if json => {
                // A `serde_json::Value` has string keys only, so the pretty form is always
                // there; the compact form (its Display) is the same document.
                serde_json::to_string_pretty(document).unwrap_or_else(|_| document.to_string())
            }
            Output::Report { human, .. } => human.clone(),
            Output::Verbatim(text) => text.clone(),
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", text.trim_end_matches('\n'));
        let _ = stdout.flush();
    }
}

/// A titled block of aligned `label  value` lines:
///
/// ```text
/// signed in as alice
///   sub          7d8c…
///   expires      2026-11-23T12:00:00Z (in 60 min)
/// ```
#[derive(Debug, Default)]
pub struct TextBlock {
    lines: Vec<(String, String)>,
    title: String,
}

impl TextBlock {
    /// A block under `title`.
    pub fn new(title: impl Into<String>) -> Self {
        TextBlock { title: title.into(), lines: Vec::new() }
    }

    /// Adds a `label  value` line.
    pub fn line(mut self, label: &str, value: impl Into<String>) -> Self {
        self.lines.push((label.to_owned(), value.into()));
        self
    }

    /// The block as text.
    pub fn render(&self) -> String {
        let width = self.lines.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
        let mut text = self.title.clone();
        for (label, value) in &self.lines {
            text.push_str(&format!("\n  {label:<width$}  {value}"));
        }
        text
    }
}

pub use lambda_foundation::unix_now;

/// RFC 3339, e.g. `2026-11-23T12:00:00Z`.
pub fn rfc3339(epoch_seconds: u64) -> String {
    let seconds = i64::try_from(epoch_seconds).unwrap_or(i64::MAX);
    DateTime::from_secs(seconds).fmt(DateTimeFormat::DateTime).unwrap_or_else(|_| epoch_seconds.to_string())
}

/// `2026-11-23T12:00:00Z (in 59 min)` or `… (expired 3 min ago)`.
pub fn expiry(epoch_seconds: u64, now: u64) -> String {
    let when = rfc3339(epoch_seconds);
    if epoch_seconds > now {
        format!("{when} (in {})", duration((epoch_seconds - now) as i64))
    } else {
        format!("{when} (expired {} ago)", duration((now - epoch_seconds) as i64))
    }
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_blocks_align_their_labels() {
        let text = TextBlock::new("signed in as alice").line("sub", "1").line("identity id", "2").render();
        assert_eq!(text, "signed in as alice\n  sub          1\n  identity id  2");
    }

    #[test]
    fn times_are_rfc3339_with_a_relative_hint() {
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(expiry(1_000 + 3600, 1_000), "1970-01-01T01:16:40Z (in 60 min)");
        assert_eq!(expiry(1_000, 1_030), "1970-01-01T00:16:40Z (expired 30 s ago)");
    }
}
