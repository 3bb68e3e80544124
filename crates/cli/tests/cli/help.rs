//! `--help` for every subcommand, with the exit codes; no emulator needed.

use crate::harness::Cli;

const SUBCOMMANDS: [&str; 11] =
    ["signup", "confirm", "login", "refresh", "credentials", "link", "whoami", "whois", "backfill", "token", "logout"];

#[tokio::test]
async fn every_subcommand_has_help_with_the_exit_codes() {
    let cli = Cli::bare();
    let top = cli.run(&["--help"]).await;
    for subcommand in SUBCOMMANDS {
        assert!(top.ok().contains(&format!("\n  {subcommand} ")), "{subcommand} listed: {}", top.stdout);
        let help = cli.run(&[subcommand, "--help"]).await;
        let text = help.ok();
        assert!(text.contains(&format!("Usage: cognito-bridge {subcommand}")), "{text}");
        for code in ["0  success", "2  usage or configuration error", "3  not signed in", "4  network error"] {
            assert!(text.contains(code), "{subcommand} --help documents {code:?}");
        }
    }
    let whois = cli.run(&["whois", "--help"]).await;
    assert!(whois.ok().contains("one call per 60 users"), "the cost is stated");
    assert!(whois.ok().contains("UserList request-rate quota"));
    assert!(whois.ok().contains("one DynamoDB GetItem on the directory"), "the directory's cost is stated");
    let backfill = cli.run(&["backfill", "--help"]).await;
    assert!(backfill.ok().contains("--page-token <TOKEN>"));
    assert!(backfill.ok().contains("never") && backfill.ok().contains("overwritten"));
    assert_eq!(cli.run(&["backfill", "--rate", "31"]).await.code, 2, "a rate over the quota is refused");
    let credentials = cli.run(&["credentials", "--help"]).await;
    assert!(
        credentials.ok().contains("renewed with the cached refresh token"),
        "process renews: {}",
        credentials.stdout
    );
    let login = cli.run(&["login", "--help"]).await;
    assert!(login.ok().contains("SRP keeps the password on this machine"));

    assert_eq!(cli.run(&[]).await.code, 2, "no subcommand is a usage error");
}
