//! Data flows one way through the CLI's modules: no module imports another that
//! imports it back, directly or through a longer circle. Read from the sources'
//! `use crate::…` lines, as `grep -rn "use crate::" crates/cli/src` shows them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its module path (`commands/link.rs` → `commands::link`,
/// `commands/mod.rs` → `commands`).
fn modules(src: &Path, dir: &Path, found: &mut BTreeMap<String, PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            modules(src, &path, found);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = relative.iter().map(|part| part.to_str().unwrap().to_owned()).collect();
        if parts.len() > 1 && parts.last().map(String::as_str) == Some("mod") {
            parts.pop();
        }
        found.insert(parts.join("::"), path);
    }
}

/// Module → the modules its `use crate::…` lines name (the longest module path each names).
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    modules(src, src, &mut files);
    let known: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).expect("source");
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
            // `a::b::{c, d}`: the prefix `a::b` and the items `c`, `d`.
            let (prefix, items): (&str, Vec<&str>) = match list.split_once('{') {
                Some((prefix, inner)) => {
                    (prefix.trim_end_matches("::"), inner.trim_end_matches('}').split(',').collect())
                }
                None => ("", vec![list]),
            };
            for item in items {
                let full =
                    [prefix, item.trim()].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("::");
                let segments: Vec<&str> = full.split("::").map(str::trim).collect();
                let target = (1..=segments.len())
                    .rev()
                    .map(|n| segments[..n].join("::"))
                    .find(|candidate| known.contains(candidate));
                if let Some(target) = target {
                    named.insert(target);
                }
            }
        }
        graph.insert(module.clone(), named);
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
    assert!(graph["commands::refresh"].contains("commands::sign_in"), "and nested modules: {graph:?}");
    let circles: Vec<String> = graph.keys().filter_map(|m| circle_from(&graph, m)).map(|c| c.join(" → ")).collect();
    assert!(circles.is_empty(), "module circles: {circles:#?}");
}
