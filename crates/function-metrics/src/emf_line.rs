//! The EMF line: the parts that never change (namespace, dimension, metric definitions,
//! the function's name) are rendered once; each invocation adds its timestamp and counts.

use crate::{DIMENSION, MetricSet, NAMESPACE};

/// The fixed parts of one function's EMF line, built once per process.
///
/// ```
/// use function_metrics::{EmfLine, MetricSet};
///
/// struct Calls { ok: u64 }
/// impl MetricSet<1> for Calls {
///     const NAMES: [&'static str; 1] = ["Ok"];
///     fn counts(&self) -> [u64; 1] { [self.ok] }
/// }
/// let line = EmfLine::new::<Calls, 1>("my-function").render(1_700_000_000_000, &Calls { ok: 1 });
/// assert!(line.ends_with("\"FunctionName\":\"my-function\",\"Ok\":1}\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmfLine {
    /// `{"_aws":{"Timestamp":`
    head: &'static str,
    /// From after the timestamp to the end of the function's name property.
    middle: String,
    /// `,"<name>":` per metric, in order.
    keys: Vec<String>,
}

impl EmfLine {
    /// The line of the metric set `M` for the function `function_name`.
    pub fn new<M: MetricSet<N>, const N: usize>(function_name: &str) -> Self {
        let metrics: Vec<String> =
            M::NAMES.iter().map(|name| format!(r#"{{"Name":{},"Unit":"Count"}}"#, json_string(name))).collect();
        let middle = format!(
            r#","CloudWatchMetrics":[{{"Namespace":{},"Dimensions":[[{}]],"Metrics":[{}]}}]}},{}:{}"#,
            json_string(NAMESPACE),
            json_string(DIMENSION),
            metrics.join(","),
            json_string(DIMENSION),
            json_string(function_name),
        );
        let keys = M::NAMES.iter().map(|name| format!(",{}:", json_string(name))).collect();
        EmfLine { head: r#"{"_aws":{"Timestamp":"#, middle, keys }
    }

    /// The line for `counts` at `timestamp_ms` (milliseconds since the epoch, as EMF
    /// wants it), newline included: a pure function of its inputs.
    pub fn render<M: MetricSet<N>, const N: usize>(&self, timestamp_ms: u64, counts: &M) -> String {
        let values = counts.counts();
        let mut line = String::with_capacity(self.capacity());
        line.push_str(self.head);
        push_u64(&mut line, timestamp_ms);
        line.push_str(&self.middle);
        for (key, value) in self.keys.iter().zip(values) {
            line.push_str(key);
            push_u64(&mut line, value);
        }
        line.push_str("}\n");
        line
    }

    /// Room for the whole line: its fixed parts and 20 digits per number.
    fn capacity(&self) -> usize {
        self.head.len() + self.middle.len() + self.keys.iter().map(|key| key.len() + 20).sum::<usize>() + 24
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    // Serializing a `str` cannot fail; the fallback keeps this panic-free regardless.
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

/// Appends `value` in decimal. By hand rather than through `fmt`: most values are 0 or 1,
/// and `write!` costs about ten times as many instructions per number.
fn push_u64(line: &mut String, mut value: u64) {
    if value < 10 {
        line.push(char::from(b'0' + value as u8));
        return;
    }
    let mut digits = [0_u8; 20];
    let mut start = digits.len();
    while value > 0 {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    for digit in &digits[start..] {
        line.push(char::from(*digit));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    struct Two {
        first: u64,
        second: u64,
    }

    impl MetricSet<2> for Two {
        const NAMES: [&'static str; 2] = ["First", "Second"];
        fn counts(&self) -> [u64; 2] {
            [self.first, self.second]
        }
    }

    #[test]
    fn the_line_is_one_emf_document_with_every_count() {
        let line = EmfLine::new::<Two, 2>("bridge-Link-1").render(1_765_000_000_123, &Two { first: 1, second: 0 });
        assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
        let document: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            document,
            json!({
                "_aws": {
                    "Timestamp": 1_765_000_000_123_u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "CognitoBridge",
                        "Dimensions": [["FunctionName"]],
                        "Metrics": [{"Name": "First", "Unit": "Count"}, {"Name": "Second", "Unit": "Count"}]
                    }]
                },
                "FunctionName": "bridge-Link-1",
                "First": 1,
                "Second": 0
            })
        );
    }

    #[test]
    fn a_function_name_that_needs_escaping_stays_one_valid_line() {
        let line = EmfLine::new::<Two, 2>("a\"b\\c\nd").render(0, &Two { first: u64::MAX, second: 7 });
        assert_eq!(line.matches('\n').count(), 1);
        let document: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(document["FunctionName"], "a\"b\\c\nd");
        assert_eq!(document["First"], json!(u64::MAX));
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for value in [0, 1, 9, 10, 99, 100, 1_765_100_000_123, u64::MAX] {
            let mut text = String::new();
            push_u64(&mut text, value);
            assert_eq!(text, value.to_string());
        }
    }

    #[test]
    fn the_capacity_holds_the_largest_line() {
        let emf = EmfLine::new::<Two, 2>("f");
        let line = emf.render(u64::MAX, &Two { first: u64::MAX, second: u64::MAX });
        assert!(line.len() <= emf.capacity(), "{} > {}", line.len(), emf.capacity());
    }
}
