//! Step 2 of adopt, decided over one app client's attribute lists and the pool's
//! schema: `custom:identity_id` must be readable by the client and never writable.
//!
//! Cognito only returns a client's ReadAttributes / WriteAttributes when they were set.
//! Unset WriteAttributes lets the app write every attribute a user may write (the API
//! reference, UserPoolClientType.WriteAttributes: "When you don't specify the
//! WriteAttributes for your app client, your app can write the values of the Standard
//! attributes of your user pool"; in practice the custom ones too), so the list adopt
//! writes keeps all of those, but the bridge's attribute. Unset ReadAttributes means every
//! attribute is readable, and stays unset.

use super::attribute_plan::{IDENTITY_ATTRIBUTE, SchemaAttribute};

/// What a client's lists are now, from DescribeUserPoolClient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLists {
    /// The app client id.
    pub client_id: String,
    /// Its name, for people.
    pub client_name: String,
    /// `None` when unset (everything readable).
    pub read: Option<Vec<String>>,
    /// `None` when unset (every attribute a user may write is writable); an empty list
    /// counts as unset, as Cognito treats it.
    pub write: Option<Vec<String>>,
}

/// The lists a client gets, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientChange {
    /// The app client id.
    pub client_id: String,
    /// Its name.
    pub client_name: String,
    /// The new ReadAttributes (`None`: leave unset).
    pub read: Option<Vec<String>>,
    /// The new WriteAttributes, always explicit.
    pub write: Vec<String>,
    /// Why, one clause each: "WriteAttributes is unset, so users can write custom:identity_id", ….
    pub reasons: Vec<String>,
}

/// Attributes that no user writes unless a client lists them: the verification flags
/// (Cognito sets them), `sub`, and developer-only attributes.
fn never_user_writable_by_default(name: &str) -> bool {
    matches!(name, "sub" | "email_verified" | "phone_number_verified" | "identities") || name.starts_with("dev:")
}

/// What a user may write through a client with no WriteAttributes, minus the bridge's
/// attribute: every attribute of the schema but the ones above, in schema order.
///
/// Immutable attributes stay in the list: they are written at sign-up, through the client.
pub fn default_writable_without_identity(schema: &[SchemaAttribute]) -> Vec<String> {
    schema
        .iter()
        .map(|attribute| attribute.name.as_str())
        .filter(|name| *name != IDENTITY_ATTRIBUTE && !never_user_writable_by_default(name))
        .map(str::to_owned)
        .collect()
}

/// The change a client needs, or `None` when it already reads and cannot write the attribute.
pub fn plan_client(client: &ClientLists, schema: &[SchemaAttribute]) -> Option<ClientChange> {
    let mut reasons = Vec::new();
    let write = match client.write.as_ref().filter(|list| !list.is_empty()) {
        None => {
            reasons.push(format!(
                "WriteAttributes is unset, so its users can write {IDENTITY_ATTRIBUTE}: set it explicitly to what they can write now, without {IDENTITY_ATTRIBUTE}"
            ));
            default_writable_without_identity(schema)
        }
        Some(list) if list.iter().any(|name| name == IDENTITY_ATTRIBUTE) => {
            reasons.push(format!("WriteAttributes lists {IDENTITY_ATTRIBUTE}: remove it"));
            list.iter().filter(|name| *name != IDENTITY_ATTRIBUTE).cloned().collect()
        }
        Some(list) => list.clone(),
    };
    let read = match &client.read {
        Some(list) if !list.iter().any(|name| name == IDENTITY_ATTRIBUTE) => {
            reasons.push(format!("ReadAttributes lacks {IDENTITY_ATTRIBUTE}: add it"));
            let mut list = list.clone();
            list.push(IDENTITY_ATTRIBUTE.to_owned());
            Some(list)
        }
        other => other.clone(),
    };
    if reasons.is_empty() {
        return None;
    }
    Some(ClientChange {
        client_id: client.client_id.clone(),
        client_name: client.client_name.clone(),
        read,
        write,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<SchemaAttribute> {
        [
            "sub",
            "name",
            "email",
            "email_verified",
            "phone_number_verified",
            "custom:plan",
            "custom:identity_id",
            "dev:custom:secret",
        ]
        .iter()
        .map(|name| SchemaAttribute { name: (*name).into(), data_type: "String".into(), mutable: *name != "sub" })
        .collect()
    }

    fn client(read: Option<&[&str]>, write: Option<&[&str]>) -> ClientLists {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        ClientLists {
            client_id: "c1".into(),
            client_name: "web".into(),
            read: read.map(owned),
            write: write.map(owned),
        }
    }

    #[test]
    fn unset_write_attributes_become_everything_a_user_could_write_but_the_identity() {
        let change = plan_client(&client(None, None), &schema()).expect("a change");
        assert_eq!(change.write, ["name", "email", "custom:plan"]);
        assert_eq!(change.read, None, "unset ReadAttributes stays unset (all readable)");
        assert_eq!(change.reasons.len(), 1);
        assert!(change.reasons[0].contains("WriteAttributes is unset"));
    }

    #[test]
    fn explicit_lists_lose_the_identity_from_write_and_gain_it_in_read() {
        let change = plan_client(&client(Some(&["email"]), Some(&["email", "custom:identity_id"])), &schema()).unwrap();
        assert_eq!(change.write, ["email"]);
        assert_eq!(change.read.as_deref(), Some(&["email".to_owned(), "custom:identity_id".to_owned()][..]));
        assert_eq!(change.reasons.len(), 2);
    }

    #[test]
    fn a_client_that_reads_and_cannot_write_the_identity_needs_nothing() {
        assert_eq!(plan_client(&client(Some(&["email", "custom:identity_id"]), Some(&["email"])), &schema()), None);
        assert_eq!(plan_client(&client(None, Some(&["name"])), &schema()), None);
        let empty = plan_client(&client(None, Some(&[])), &schema()).expect("an empty list is an unset one");
        assert_eq!(empty.write, ["name", "email", "custom:plan"]);
    }
}
