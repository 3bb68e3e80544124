//! Folder layout `sub`/`both`, decided over one provider's principal-tag map alone: does
//! the identity pool copy the token's `sub` claim into the session tag `sub`, which the
//! stack's `SubFolderPolicy` reads as `${aws:PrincipalTag/sub}`? The merge keeps every
//! other mapping; a map that already gives the tag `sub` another claim is a conflict,
//! never overwritten (the team's own policies may read that tag).

use std::collections::BTreeMap;

/// The tag name: template.yaml's `SubPrincipalTag` maps it, `SubFolderPolicy` reads it.
pub const SUB_TAG: &str = "sub";
/// The claim the tag holds: the user-pool `sub` (a UUID, a valid session-tag value).
pub const SUB_CLAIM: &str = "sub";
/// SetPrincipalTagAttributeMap takes at most 50 entries per provider (STS: 50 session tags).
pub const MAX_TAGS: usize = 50;
/// Cognito's default map for a user-pool provider (`UseDefaults`): the user's `sub` as
/// the tag `username` and the app client (`aud`) as the tag `client`. The API reference
/// says "default (username and clientID) attribute mappings"; the Developer Guide's
/// *Default provider mappings* names the claims (`aud` and `sub` of the id token).
pub const USER_POOL_DEFAULT_TAGS: [(&str, &str); 2] = [("username", "sub"), ("client", "aud")];

/// One provider's map, as GetPrincipalTagAttributeMap returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagMap {
    /// `UseDefaults`: Cognito applies its default map and ignores `tags`.
    pub use_defaults: bool,
    /// `PrincipalTags`: tag name → claim name.
    pub tags: BTreeMap<String, String>,
}

impl TagMap {
    /// The tags Cognito puts on a session with this map: the default map with
    /// `UseDefaults`, else the custom one.
    pub fn effective(&self) -> BTreeMap<String, String> {
        match self.use_defaults {
            true => {
                USER_POOL_DEFAULT_TAGS.iter().map(|(tag, claim)| ((*tag).to_owned(), (*claim).to_owned())).collect()
            }
            false => self.tags.clone(),
        }
    }
}

/// What adopt does about one provider's map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagMapDecision {
    /// The tag `sub` already holds the claim `sub` (with a custom map): nothing to write.
    AlreadyMapped,
    /// Write this custom map (`UseDefaults` false): what the sessions got before, plus `sub`.
    Merge {
        /// Every mapping the provider's sessions had, and `sub` ← `sub`.
        after: BTreeMap<String, String>,
    },
}

/// Why a map cannot take the bridge's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagMapConflict {
    /// The tag `sub` already holds another claim.
    TagTaken {
        /// The claim it holds.
        claim: String,
    },
    /// The map has no room for one more entry.
    Full,
}

/// Decides over one provider's map. With `UseDefaults` the default entries become
/// explicit ones, so that the sessions keep the tags they had (`username`, `client`).
pub fn plan_tag_map(current: &TagMap) -> Result<TagMapDecision, TagMapConflict> {
    let mut after = current.effective();
    match after.get(SUB_TAG) {
        Some(claim) if claim == SUB_CLAIM && !current.use_defaults => return Ok(TagMapDecision::AlreadyMapped),
        Some(claim) if claim != SUB_CLAIM => return Err(TagMapConflict::TagTaken { claim: claim.clone() }),
        _ => {}
    }
    after.insert(SUB_TAG.to_owned(), SUB_CLAIM.to_owned());
    if after.len() > MAX_TAGS {
        return Err(TagMapConflict::Full);
    }
    Ok(TagMapDecision::Merge { after })
}

/// The change as diff lines: `+` added, `-` removed, two spaces kept.
pub fn tag_map_diff(before: &TagMap, after: &BTreeMap<String, String>) -> Vec<String> {
    let mut lines = Vec::new();
    if before.use_defaults {
        lines.push("- UseDefaults: true".to_owned());
        lines.push("+ UseDefaults: false (the default entries written out, so sessions keep their tags)".to_owned());
    }
    let shown = before.effective();
    for (tag, claim) in &shown {
        match after.get(tag) {
            Some(now) if now == claim => lines.push(format!("  {tag} <- {claim}")),
            Some(now) => {
                lines.push(format!("- {tag} <- {claim}"));
                lines.push(format!("+ {tag} <- {now}"));
            }
            None => lines.push(format!("- {tag} <- {claim}")),
        }
    }
    for (tag, claim) in after.iter().filter(|(tag, _)| !shown.contains_key(*tag)) {
        lines.push(format!("+ {tag} <- {claim}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(use_defaults: bool, entries: &[(&str, &str)]) -> TagMap {
        TagMap { use_defaults, tags: entries.iter().map(|(t, c)| ((*t).to_owned(), (*c).to_owned())).collect() }
    }

    #[test]
    fn an_empty_map_gains_sub_and_another_mapping_is_kept() {
        let expected: BTreeMap<_, _> = [("sub".to_owned(), "sub".to_owned())].into();
        assert_eq!(plan_tag_map(&TagMap::default()), Ok(TagMapDecision::Merge { after: expected }));
        let theirs = map(false, &[("team", "custom:team")]);
        let Ok(TagMapDecision::Merge { after }) = plan_tag_map(&theirs) else { panic!() };
        assert_eq!(after, map(false, &[("team", "custom:team"), ("sub", "sub")]).tags);
        assert_eq!(tag_map_diff(&theirs, &after), ["  team <- custom:team", "+ sub <- sub"]);
    }

    #[test]
    fn defaults_are_written_out_and_merged() {
        let defaults = map(true, &[]);
        let Ok(TagMapDecision::Merge { after }) = plan_tag_map(&defaults) else { panic!() };
        assert_eq!(after, map(false, &[("username", "sub"), ("client", "aud"), ("sub", "sub")]).tags);
        let diff = tag_map_diff(&defaults, &after);
        assert_eq!(diff[0], "- UseDefaults: true");
        assert!(
            diff.contains(&"  username <- sub".to_owned()) && diff.contains(&"+ sub <- sub".to_owned()),
            "{diff:?}"
        );
        // UseDefaults ignores the custom entries: they are not what sessions get, so they are not kept.
        let ignored = map(true, &[("sub", "email")]);
        assert!(matches!(plan_tag_map(&ignored), Ok(TagMapDecision::Merge { .. })));
    }

    #[test]
    fn a_mapped_sub_is_no_change_and_a_taken_tag_or_a_full_map_is_a_conflict() {
        assert_eq!(plan_tag_map(&map(false, &[("sub", "sub"), ("x", "aud")])), Ok(TagMapDecision::AlreadyMapped));
        assert_eq!(
            plan_tag_map(&map(false, &[("sub", "email")])),
            Err(TagMapConflict::TagTaken { claim: "email".into() })
        );
        let names: Vec<String> = (0..MAX_TAGS).map(|i| format!("t{i}")).collect();
        let full = map(false, &names.iter().map(|n| (n.as_str(), "aud")).collect::<Vec<_>>());
        assert_eq!(plan_tag_map(&full), Err(TagMapConflict::Full));
    }
}
