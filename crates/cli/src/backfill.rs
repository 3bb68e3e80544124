//! `backfill`: one paced ListUsers pass that writes a directory entry for every user
//! whose `custom:identity_id` is set (users linked before the directory existed).
//! Decisions live in [`crate::backfill_plan`]; this is the I/O around them.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use directory::{DirectoryError, IdentityDirectory, LinkRecorded, NewLink};
use serde_json::json;

use crate::aws_failure::AwsFailure;
use crate::backfill_plan::{Candidate, Pacer, Tally, candidate};
use crate::cli_args::BackfillArgs;
use crate::context::Context;
use crate::directory_failure::directory_error;
use crate::error::CliError;
use crate::output::{Output, TextBlock, unix_now};
use crate::settings::Setting;
use crate::whois::{IDENTITY_ID_ATTRIBUTE, LIST_USERS_PAGE};

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
                let failure = AwsFailure::from_sdk(&err);
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
