//! Which modules of a crate import which, read from the sources' `use crate::…` lines:
//! for tests that hold a crate to "data flows one way" (no module imports another that
//! imports it back, directly or through a longer circle).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`handler`, `commands::link`) → the modules its `use crate::…` and
/// `pub use crate::…` lines name (for each name, the longest module path it starts with).
pub type ModuleGraph = BTreeMap<String, BTreeSet<String>>;

/// The import graph of the `.rs` files in `src` (a crate's `src` folder) and its
/// subfolders: `commands/link.rs` is `commands::link`, `commands/mod.rs` is `commands`.
///
/// ```
/// let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
/// let graph = test_support::module_graph::imports(&src);
/// assert!(graph["lib"].is_empty(), "lib only declares modules");
/// ```
pub fn imports(src: &Path) -> ModuleGraph {
    let mut files = BTreeMap::new();
    module_files(src, src, &mut files);
    let known: BTreeSet<String> = files.keys().cloned().collect();
    files
        .into_iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let named = named_modules(&text, &known);
            (module, named)
        })
        .collect()
}

/// Every `.rs` file under `dir`, by its module path relative to `src`.
fn module_files(src: &Path, dir: &Path, found: &mut BTreeMap<String, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            module_files(src, &path, found);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let relative = path.strip_prefix(src).expect("under src").with_extension("");
        let mut parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        if parts.len() > 1 && parts.last().map(String::as_str) == Some("mod") {
            parts.pop();
        }
        found.insert(parts.join("::"), path);
    }
}

/// The modules of `known` that each `use crate::…` line of `source` names: for every
/// imported path (`a::b::{c, d}` is `a::b::c` and `a::b::d`), the longest known prefix.
fn named_modules(source: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in source.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("use crate::").or_else(|| line.strip_prefix("pub use crate::")) else {
            continue;
        };
        let list = rest.trim_end_matches(';');
        let (prefix, items): (&str, Vec<&str>) = match list.split_once('{') {
            Some((prefix, inner)) => (prefix.trim_end_matches("::"), inner.trim_end_matches('}').split(',').collect()),
            None => ("", vec![list]),
        };
        for item in items {
            let full =
                [prefix, item.trim()].iter().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join("::");
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
    fn reads_single_grouped_and_nested_imports() {
        let known: BTreeSet<String> = ["a", "b", "c", "d", "d::e"].iter().map(|m| m.to_string()).collect();
        let source =
            "use crate::a::X;\npub use crate::{b::Y, c};\n  use crate::Z;\nuse other::d;\nuse crate::d::{e::F, G};\n";
        let named = named_modules(source, &known);
        assert_eq!(named.into_iter().collect::<Vec<_>>(), ["a", "b", "c", "d", "d::e"]);
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
