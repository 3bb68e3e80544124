//! A folder for one test's files, removed when the test is done, pass or fail.

use std::path::{Path, PathBuf};

/// A new, empty folder, removed with everything in it when dropped (also when the test
/// panics). Its name holds the process id and a counter, so parallel tests and test
/// binaries never share one.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// A folder named after `prefix` in the system's temporary folder.
    ///
    /// ```
    /// let scratch = test_support::scratch_dir::ScratchDir::new("doc");
    /// std::fs::write(scratch.path().join("note"), "x").unwrap();
    /// let path = scratch.path().to_owned();
    /// drop(scratch);
    /// assert!(!path.exists());
    /// ```
    pub fn new(prefix: &str) -> Self {
        Self::inside(&std::env::temp_dir(), prefix)
    }

    /// A folder named after `prefix` inside `parent` (created if missing): for files
    /// that must stay on one file system with others, as hard links must.
    pub fn inside(parent: &Path, prefix: &str) -> Self {
        let dir = parent.join(crate::local_cognito::unique_name(prefix));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        ScratchDir(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for ScratchDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_folder_is_new_and_gone_after_drop() {
        let (a, b) = (ScratchDir::new("scratch-test"), ScratchDir::new("scratch-test"));
        assert_ne!(a.path(), b.path());
        assert!(a.path().is_dir() && std::fs::read_dir(a.path()).unwrap().next().is_none());
        std::fs::create_dir_all(a.path().join("nested")).unwrap();
        std::fs::write(a.path().join("nested/file"), "x").unwrap();
        let inner = ScratchDir::inside(a.path(), "inner");
        assert!(inner.path().starts_with(a.path()));
        let path = a.path().to_owned();
        drop(inner);
        drop(a);
        assert!(!path.exists());
    }
}
