//! Data flows one way through the CLI's modules: no module imports another that
//! imports it back, directly or through a longer circle. Read from the sources'
//! `use crate::…` lines, as `grep -n "use crate::" crates/cli/src/*.rs` shows them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → the modules its `use crate::…` lines name.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let module = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).expect("source");
        let mut named = BTreeSet::new();
        for line in text.lines() {
            let Some(rest) = line
                .trim_start()
                .strip_prefix("use crate::")
                .or_else(|| line.trim_start().strip_prefix("pub use crate::"))
            else {
                continue;
            };
            let list = rest.trim_end_matches(';');
            let names: Vec<&str> = match list.strip_prefix('{') {
                Some(inner) => inner.trim_end_matches('}').split(',').collect(),
                None => vec![list],
            };
            for name in names {
                let first = name.trim().split("::").next().unwrap_or("").trim();
                if !first.is_empty() && first.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    named.insert(first.to_owned());
                }
            }
        }
        graph.insert(module, named);
    }
    graph
}

/// A circle through `start`, if there is one.
fn circle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    assert!(graph["stack_config"].contains("settings"), "the reader sees imports: {graph:?}");
    let circles: Vec<String> = graph.keys().filter_map(|m| circle_from(&graph, m)).map(|c| c.join(" → ")).collect();
    assert!(circles.is_empty(), "module circles: {circles:#?}");
}
