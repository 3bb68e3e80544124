//! Data flows one way through link's modules (handler → flow → service, decisions and
//! requests below them): no module imports another that imports it back.

use std::path::Path;

use test_support::module_graph::{circles, imports};

#[test]
fn no_module_imports_itself_through_others() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph["link_flow"].contains("link_decision"), "the reader sees imports: {graph:?}");
    let circles = circles(&graph);
    assert!(circles.is_empty(), "module circles: {circles:#?}");
}
