//! Which modules of a crate import which, read from the sources' `use crate::…` lines:
//! for tests that hold a crate to "data flows one way" (no module imports another that
//! imports it back, directly or through a longer circle).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module (file stem) → the modules its `use crate::…` and `pub use crate::…` lines name.
pub type ModuleGraph = BTreeMap<String, BTreeSet<String>>;

/// The import graph of the `.rs` files directly in `src` (a crate's `src` folder).
///
/// ```
/// let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
/// let graph = test_support::module_graph::imports(&src);
/// assert!(graph["lib"].is_empty(), "lib only declares modules");
/// ```
pub fn imports(src: &Path) -> ModuleGraph {
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let path = entry.expect("folder entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let module = path.file_stem().and_then(|s| s.to_str()).expect("file name").to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        graph.insert(module, named_modules(&text));
    }
    graph
}

/// The modules named first in each `use crate::…` line of `source`.
fn named_modules(source: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in source.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("use crate::").or_else(|| line.strip_prefix("pub use crate::")) else {
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
    named
}

/// A circle of imports from `start` back to it (`[start, …, start]`), if there is one.
pub fn circle_from(graph: &ModuleGraph, start: &str) -> Option<Vec<String>> {
    fn walk(graph: &ModuleGraph, start: &str, at: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
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

/// Every import circle of `graph`, each as `a → b → a` (one per module on a circle).
pub fn circles(graph: &ModuleGraph) -> Vec<String> {
    graph.keys().filter_map(|module| circle_from(graph, module)).map(|circle| circle.join(" → ")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> ModuleGraph {
        edges.iter().map(|(m, to)| (m.to_string(), to.iter().map(|t| t.to_string()).collect())).collect()
    }

    #[test]
    fn reads_single_and_grouped_imports() {
        let named = named_modules("use crate::a::X;\npub use crate::{b::Y, c};\n  use crate::Z;\nuse other::d;\n");
        assert_eq!(named.into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn finds_direct_and_longer_circles_only() {
        assert!(circles(&graph(&[("a", &["b"]), ("b", &["c"]), ("c", &[])])).is_empty());
        assert_eq!(circles(&graph(&[("a", &["b"]), ("b", &["a"])])), ["a → b → a", "b → a → b"]);
        assert_eq!(
            circle_from(&graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]), "a").unwrap(),
            ["a", "b", "c", "a"]
        );
    }
}
