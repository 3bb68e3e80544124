//! Test-only (feature `adopt-test-hook`): `--apply` stops between its plan and its
//! first re-read, so that a test can change a resource as another tool would.
//!
//! With `COGNITO_BRIDGE_ADOPT_PAUSE_DIR` set, adopt creates `paused` in that folder and
//! waits (up to 60 s) until `resume` appears there.

use std::path::PathBuf;
use std::time::Duration;

/// The variable naming the pause folder.
pub const PAUSE_DIR_ENV: &str = "COGNITO_BRIDGE_ADOPT_PAUSE_DIR";

/// Waits for the test when the variable is set; does nothing otherwise.
pub async fn pause_before_writes() {
    let Some(dir) = std::env::var_os(PAUSE_DIR_ENV).map(PathBuf::from) else {
        return;
    };
    if std::fs::write(dir.join("paused"), b"").is_err() {
        return;
    }
    for _ in 0..600 {
        if dir.join("resume").exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
