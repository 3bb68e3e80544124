//! The process's metrics writer: installed once by the function's `main`, used by the
//! handler at the end of each invocation.
//!
//! A Lambda process is one function, and its log (stdout) belongs to the whole process,
//! like the tracing subscriber: so the writer is a process-wide value, set once. A
//! handler called in-process by a test, where `main` never ran, writes nothing.

use std::io::Write as _;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{EmfLine, MetricSet};

/// The variable Lambda sets to the function's name: the metrics' dimension.
pub const FUNCTION_NAME_VARIABLE: &str = "AWS_LAMBDA_FUNCTION_NAME";

/// Where one function's metric set `M` goes: a `static` in the function's crate,
/// [`ProcessMetrics::install_from_env`] in its `main`, [`ProcessMetrics::emit`] once per
/// invocation.
pub struct ProcessMetrics<M, const N: usize> {
    line: OnceLock<EmfLine>,
    set: PhantomData<fn(&M)>,
}

impl<M: MetricSet<N>, const N: usize> ProcessMetrics<M, N> {
    /// Not installed: [`ProcessMetrics::emit`] writes nothing.
    pub const fn new() -> Self {
        ProcessMetrics { line: OnceLock::new(), set: PhantomData }
    }

    /// Turns emission on for this process, with the function's name from
    /// `AWS_LAMBDA_FUNCTION_NAME` (always set by Lambda and by the local runtime); without
    /// it, emission stays off. A second call keeps the first.
    pub fn install_from_env(&self) {
        if let Ok(name) = std::env::var(FUNCTION_NAME_VARIABLE)
            && !name.is_empty()
        {
            self.install(&name);
        }
    }

    /// Turns emission on for the function `function_name`. A second call keeps the first.
    pub fn install(&self, function_name: &str) {
        let _ = self.line.set(EmfLine::new::<M, N>(function_name));
    }

    /// Whether [`ProcessMetrics::emit`] writes.
    pub fn is_installed(&self) -> bool {
        self.line.get().is_some()
    }

    /// Writes the invocation's line to stdout, in one write under stdout's lock (whole,
    /// never interleaved with a log line). A failed write is dropped: metrics never fail
    /// an invocation.
    pub fn emit(&self, counts: &M) {
        if let Some(line) = self.line.get() {
            let text = line.render(now_ms(), counts);
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
}

impl<M: MetricSet<N>, const N: usize> Default for ProcessMetrics<M, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Milliseconds since the epoch (0 if the clock is before it).
fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}
