//! `backfill`: one paced ListUsers pass that writes a directory entry for every user
//! whose `custom:identity_id` is set (users linked before the directory existed).
//!
//! What it decides (which users get an entry, how fast ListUsers may be called, the
//! running tally) are pure functions over plain data, at the end of this file; the
//! command around them does the I/O.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use directory::{DirectoryError, IdentityDirectory, IdentityId, LinkRecorded, NewLink, UserPoolId};
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::cli_args::BackfillArgs;
use crate::commands::whois::{IDENTITY_ID_ATTRIBUTE, LIST_USERS_PAGE};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock, unix_now};
use crate::settings::Setting;

/// `backfill`: prints the summary (scanned, written, already present, conflicts).
pub async fn backfill(context: &Context, args: &BackfillArgs) -> Result<Output, CliError> {
    let pool = context.config.user_pool()?;
    let directory = context.directory()?;
    let idp = context.idp()?;
    let terminal = std::io::stderr().is_terminal();
    let mut pacer = Pacer::per_second(args.rate);
    let mut tally = Tally::default();
    let mut token = args.page_token.clone().filter(|t| !t.is_empty());
    let resume = |token: &Option<String>| match token {
        Some(token) => format!("resume with --page-token {token}"),
        None => "run backfill again: entries already written are left as they are".to_owned(),
    };
    loop {
        if args.max_pages.is_some_and(|max| tally.pages >= max) {
            break;
        }
        tokio::time::sleep(pacer.wait_before_call(Instant::now())).await;
        let page = idp
            .list_users()
            .user_pool_id(pool.as_str())
            .limit(LIST_USERS_PAGE)
            .set_pagination_token(token.clone())
            .send()
            .await
            .map_err(|err| {
                let failure = AwsCallError::from_sdk(&err);
                let hint = match failure.code() {
                    Some("TooManyRequestsException") => {
                        format!("ListUsers is throttled: lower --rate; {}", resume(&token))
                    }
                    Some("ResourceNotFoundException") => format!("check {}", Setting::UserPoolId.names()),
                    _ => resume(&token),
                };
                failure.into_error("backfill", &context.config.aws_target(), Some(hint))
            })?;
        tally.pages += 1;
        let now = unix_now();
        for user in page.users.unwrap_or_default() {
            tally.scanned += 1;
            let username = user.username.clone().unwrap_or_default();
            let attribute =
                |name: &str| user.attributes().iter().find(|a| a.name == name).and_then(|a| a.value.as_deref());
            match candidate(&pool, &username, attribute("sub"), attribute(IDENTITY_ID_ATTRIBUTE), now) {
                Candidate::NotLinked => tally.not_linked += 1,
                Candidate::Invalid(why) => tally.invalid.push(why),
                Candidate::Link(link) => match record_and_mark(&directory, &link, now).await {
                    Ok(LinkRecorded::Created) => tally.written += 1,
                    Ok(LinkRecorded::AlreadyPresent) => tally.already_present += 1,
                    Err(DirectoryError::Conflict(conflict)) => {
                        let mut why = format!("user {} (sub {}) has {}", link.username, link.sub, link.identity_id);
                        if let Some(owner) = &conflict.identity_owner {
                            why.push_str(&format!(
                                ", which the directory links to user {} (sub {})",
                                owner.username, owner.sub
                            ));
                        }
                        if let Some(linked) = &conflict.user_link {
                            why.push_str(&format!(", and the directory links this user to {}", linked.identity_id));
                        }
                        tally.conflicts.push(why);
                    }
                    Err(err) => {
                        let error = directory_error(err, "backfill", directory.table());
                        return Err(match error {
                            CliError::Aws { action, cause, hint } => CliError::Aws {
                                action,
                                cause,
                                hint: Some(format!(
                                    "{}{}",
                                    hint.map(|h| format!("{h}; ")).unwrap_or_default(),
                                    resume(&token)
                                )),
                            },
                            other => other,
                        });
                    }
                },
            }
        }
        token = page.pagination_token.filter(|t| !t.is_empty());
        if terminal {
            eprint!("\r\x1b[2K{}", tally.progress_line(token.as_deref()));
            let _ = std::io::stderr().flush();
        }
        if token.is_none() {
            break;
        }
    }
    if terminal {
        eprintln!();
    }
    Ok(summary(&tally, token.as_deref(), directory.table()))
}

fn summary(tally: &Tally, next_page_token: Option<&str>, table: &str) -> Output {
    let mut human = TextBlock::new(format!("backfill of {table}"))
        .line("pages", tally.pages.to_string())
        .line("scanned", tally.scanned.to_string())
        .line("written", tally.written.to_string())
        .line("already present", tally.already_present.to_string())
        .line("not linked", tally.not_linked.to_string())
        .line("conflicts", tally.conflicts.len().to_string());
    for conflict in &tally.conflicts {
        human = human.line("conflict", conflict.clone());
    }
    for invalid in &tally.invalid {
        human = human.line("skipped", invalid.clone());
    }
    human = human.line(
        "next page token",
        next_page_token
            .map_or_else(|| "none: every page was read".to_owned(), |t| format!("{t} (resume with --page-token)")),
    );
    let json = json!({
        "table": table,
        "pages": tally.pages,
        "scanned": tally.scanned,
        "written": tally.written,
        "alreadyPresent": tally.already_present,
        "notLinked": tally.not_linked,
        "conflicts": tally.conflicts,
        "invalid": tally.invalid,
        "nextPageToken": next_page_token,
    });
    Output::Report { human: human.render(), json }
}

/// Records `link` and marks it as already in the user pool: the user's
/// `custom:identity_id` is where backfill read it from, so a later `/link` of this user
/// has nothing to write (no `AdminUpdateUserAttributes`).
async fn record_and_mark(
    directory: &IdentityDirectory,
    link: &NewLink,
    now: u64,
) -> Result<LinkRecorded, DirectoryError> {
    let recorded = directory.record_link(link).await?;
    directory.mark_user_pool_written(link, now).await?;
    Ok(recorded)
}

// What backfill decides: pure functions over plain data, no I/O.

/// What one ListUsers user becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A link to record.
    Link(NewLink),
    /// No `custom:identity_id`: not linked, nothing to write.
    NotLinked,
    /// The attribute or the sub is unusable; reported, never written.
    Invalid(String),
}

/// The candidate for a user with `username`, `sub` and `custom:identity_id` as ListUsers
/// returned them, in `pool`, at `now` (Unix seconds).
pub fn candidate(
    pool: &UserPoolId,
    username: &str,
    sub: Option<&str>,
    identity_id: Option<&str>,
    now: u64,
) -> Candidate {
    let Some(identity_id) = identity_id.map(str::trim).filter(|v| !v.is_empty()) else {
        return Candidate::NotLinked;
    };
    let Ok(identity_id) = IdentityId::parse(identity_id) else {
        return Candidate::Invalid(format!("user {username}: custom:identity_id is not an IdentityId"));
    };
    let Some(sub) = sub.filter(|v| !v.is_empty()) else {
        return Candidate::Invalid(format!("user {username}: ListUsers returned no sub"));
    };
    Candidate::Link(NewLink {
        identity_id,
        user_pool_id: pool.clone(),
        sub: sub.to_owned(),
        username: username.to_owned(),
        linked_at: now,
    })
}

/// Spaces calls `interval` apart: the first goes at once.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    last: Option<Instant>,
}

impl Pacer {
    /// At most `per_second` calls a second.
    pub fn per_second(per_second: f64) -> Self {
        Pacer { interval: Duration::from_secs_f64(1.0 / per_second), last: None }
    }

    /// How long to wait at `now` before the next call; records that call as made then.
    pub fn wait_before_call(&mut self, now: Instant) -> Duration {
        let wait = match self.last {
            Some(last) => (last + self.interval).saturating_duration_since(now),
            None => Duration::ZERO,
        };
        self.last = Some(now + wait);
        wait
    }
}

/// The running tally, printed as progress and as the final summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// ListUsers calls made.
    pub pages: u32,
    /// Users seen.
    pub scanned: u64,
    /// Entries written.
    pub written: u64,
    /// Entries that were already in the directory as this link.
    pub already_present: u64,
    /// Users without `custom:identity_id`.
    pub not_linked: u64,
    /// Links the directory holds differently: reported, not overwritten.
    pub conflicts: Vec<String>,
    /// Users whose attributes cannot be recorded.
    pub invalid: Vec<String>,
}

impl Tally {
    /// One line of progress.
    pub fn progress_line(&self, next_page_token: Option<&str>) -> String {
        format!(
            "page {}: scanned {}, written {}, already present {}, conflicts {}{}",
            self.pages,
            self.scanned,
            self.written,
            self.already_present,
            self.conflicts.len(),
            next_page_token.map(|t| format!("; next page token {t}")).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";

    #[test]
    fn only_users_with_a_valid_identity_id_are_recorded() {
        let pool = UserPoolId::parse("us-east-1_Abc").unwrap();
        let Candidate::Link(link) = candidate(&pool, "ann", Some("s-1"), Some(ID), 7) else { panic!("a link") };
        assert_eq!(
            (link.identity_id.as_str(), link.sub.as_str(), link.username.as_str(), link.linked_at),
            (ID, "s-1", "ann", 7)
        );
        assert_eq!(candidate(&pool, "ann", Some("s-1"), None, 7), Candidate::NotLinked);
        assert_eq!(candidate(&pool, "ann", Some("s-1"), Some(" "), 7), Candidate::NotLinked);
        assert!(matches!(candidate(&pool, "ann", Some("s-1"), Some("garbage"), 7), Candidate::Invalid(_)));
        assert!(matches!(candidate(&pool, "ann", None, Some(ID), 7), Candidate::Invalid(_)));
    }

    #[test]
    fn calls_are_spaced_by_the_rate() {
        let mut pacer = Pacer::per_second(4.0);
        let start = Instant::now();
        assert_eq!(pacer.wait_before_call(start), Duration::ZERO);
        assert_eq!(pacer.wait_before_call(start), Duration::from_millis(250));
        // The second call went at +250 ms; at +600 ms the third waits until +500 ms: no wait.
        assert_eq!(pacer.wait_before_call(start + Duration::from_millis(600)), Duration::ZERO);
        assert_eq!(pacer.wait_before_call(start + Duration::from_millis(700)), Duration::from_millis(150));
    }
}
