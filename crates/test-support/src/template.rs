//! What tests and benches read from `template.yaml`, so that they run with the settings a
//! default deployment gets rather than a copy of them.

/// The `Default` of template parameter `name`, a plain scalar on its own `Default:` line
/// (the form every parameter of the template uses). Panics when the parameter or its
/// default is missing: the caller's test is then out of step with the template.
pub fn parameter_default(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let template = std::fs::read_to_string(path).expect("template.yaml");
    let header = format!("  {name}:");
    let mut lines = template.lines().skip_while(|line| *line != header);
    lines.next().unwrap_or_else(|| panic!("template.yaml has no parameter {name}"));
    let line = lines
        .take_while(|line| line.starts_with("    "))
        .find(|line| line.trim_start().starts_with("Default:"))
        .unwrap_or_else(|| panic!("template parameter {name} has no Default"));
    line.trim_start().trim_start_matches("Default:").trim().trim_matches('"').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_defaults_of_the_template() {
        assert_eq!(parameter_default("StageName"), "prod");
        assert_eq!(parameter_default("AuthorizerCacheTtl"), "300");
        assert_eq!(parameter_default("RequireLinked"), "false");
    }

    #[test]
    #[should_panic(expected = "no parameter")]
    fn a_missing_parameter_is_named() {
        parameter_default("NoSuchParameter");
    }
}
