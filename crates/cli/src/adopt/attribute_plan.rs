//! Step 1 of adopt, decided over the pool's schema alone: does the pool need
//! `custom:identity_id` (String, mutable, so that AdminUpdateUserAttributes can write
//! it), and is an attribute already there usable?

use super::adopt_error::{AdoptError, ResourceKind};

/// The attribute the bridge keeps each user's IdentityId in, as Cognito names it.
pub const IDENTITY_ATTRIBUTE: &str = "custom:identity_id";
/// The same attribute as AddCustomAttributes takes it (Cognito adds the `custom:` prefix).
pub const IDENTITY_ATTRIBUTE_BASE_NAME: &str = "identity_id";

/// One attribute of a pool's schema, as DescribeUserPool returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaAttribute {
    /// `email`, `custom:plan`, `dev:custom:x`, ….
    pub name: String,
    /// `String`, `Number`, `DateTime`, `Boolean` (empty when Cognito leaves it out).
    pub data_type: String,
    /// Whether a value can change after the user is created.
    pub mutable: bool,
}

/// Whether the pool needs the attribute added (`true`), has it right (`false`), or has
/// an unusable one (an error naming it and what is wrong).
pub fn needs_identity_attribute(pool_id: &str, schema: &[SchemaAttribute]) -> Result<bool, AdoptError> {
    let Some(existing) = schema.iter().find(|attribute| attribute.name == IDENTITY_ATTRIBUTE) else {
        return Ok(true);
    };
    let mut wrong = Vec::new();
    if existing.data_type != "String" {
        wrong.push(format!(
            "its type is {} (needs String)",
            if existing.data_type.is_empty() { "unknown" } else { &existing.data_type }
        ));
    }
    if !existing.mutable {
        wrong.push("it is immutable (needs Mutable, so that the bridge can write it after sign-up)".to_owned());
    }
    if wrong.is_empty() {
        return Ok(false);
    }
    Err(AdoptError::Conflict {
        kind: ResourceKind::UserPool,
        id: pool_id.to_owned(),
        reason: format!(
            "the existing attribute {IDENTITY_ATTRIBUTE} cannot hold IdentityIds: {}; Cognito cannot change or remove a custom attribute, so this pool cannot be adopted as is",
            wrong.join(" and ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(name: &str, data_type: &str, mutable: bool) -> SchemaAttribute {
        SchemaAttribute { name: name.into(), data_type: data_type.into(), mutable }
    }

    #[test]
    fn a_pool_without_the_attribute_gets_it_and_one_with_it_is_left_alone() {
        assert_eq!(needs_identity_attribute("p", &[attribute("email", "String", true)]), Ok(true));
        assert_eq!(needs_identity_attribute("p", &[attribute(IDENTITY_ATTRIBUTE, "String", true)]), Ok(false));
    }

    #[test]
    fn a_wrong_type_or_an_immutable_attribute_is_named_with_what_is_wrong() {
        let err = needs_identity_attribute("p", &[attribute(IDENTITY_ATTRIBUTE, "Number", false)]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("user pool p"), "{text}");
        assert!(text.contains("custom:identity_id"), "{text}");
        assert!(text.contains("its type is Number (needs String) and it is immutable"), "{text}");
        let immutable = needs_identity_attribute("p", &[attribute(IDENTITY_ATTRIBUTE, "String", false)]).unwrap_err();
        assert!(immutable.to_string().contains("immutable"));
    }
}
