//! CloudWatch embedded metric format (EMF) for the Cognito Bridge functions.
//!
//! Each function counts what one invocation did (a link created, an authorizer Allow, an
//! object attributed, …) in a plain struct of its own, and writes it as **one JSON line
//! per invocation** to stdout, which Lambda sends to the function's log group. CloudWatch
//! reads the `_aws` block of such a line and records each count as a metric in namespace
//! [`NAMESPACE`], with dimension [`DIMENSION`] = the function's name
//! (`AWS_LAMBDA_FUNCTION_NAME`). No agent and no network call: the log line is the metric.
//! See AWS's specification:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//!
//! The line carries the counts, the function's name and the timestamp, nothing else: no
//! property is ever added, so no token, user name, `sub` or IdentityId can reach it.
//!
//! | module | what it holds |
//! |---|---|
//! | `metric_set` | [`MetricSet`]: a function's counts, with their fixed metric names |
//! | `emf_line` | [`EmfLine`]: the line's fixed parts, built once, and the pure rendering |
//! | `process_metrics` | [`ProcessMetrics`]: the process's one writer to stdout, installed by `main` |

mod emf_line;
mod metric_set;
mod process_metrics;

pub use emf_line::EmfLine;
pub use metric_set::MetricSet;
pub use process_metrics::{FUNCTION_NAME_VARIABLE, ProcessMetrics};

/// The CloudWatch namespace of every metric the functions emit.
pub const NAMESPACE: &str = "CognitoBridge";

/// The one dimension of every metric: the Lambda function's name.
pub const DIMENSION: &str = "FunctionName";
