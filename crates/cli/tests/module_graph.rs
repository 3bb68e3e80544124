//! Data flows one way through the CLI's modules: no module imports another that
//! imports it back, directly or through a longer circle. Read from the sources'
//! `use crate::…` lines, as `grep -rn "use crate::" crates/cli/src` shows them.

use std::path::Path;

use test_support::module_graph::{circles, imports};

#[test]
fn no_module_imports_itself_through_others() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    assert!(graph["stack_config"].contains("settings"), "the reader sees imports: {graph:?}");
    assert!(graph["commands::refresh"].contains("commands::sign_in"), "and nested modules: {graph:?}");
    let circles = circles(&graph);
    assert!(circles.is_empty(), "module circles: {circles:#?}");
}
