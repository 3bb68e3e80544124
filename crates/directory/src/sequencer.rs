//! S3's `sequencer`: the order of writes to one key. S3 puts one on every event record,
//! hexadecimal, comparable only between events of the same key, and of varying length: a
//! shorter one is the same number with its leading zeros left out. So sequencers are
//! compared as numbers, which here means left-padded to one width first.

use std::fmt;

/// The widest sequencer accepted, in hex digits (S3's are about 18 today).
pub const SEQUENCER_WIDTH: usize = 64;

/// One event's place in the order of writes to its key. Ordered as S3 means it: `"A"` is
/// before `"10"`, and `"0A"` is the same as `"A"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sequencer(String);

/// Why a text is not a sequencer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SequencerError {
    /// Empty, or not hexadecimal.
    #[error("the sequencer is not hexadecimal")]
    NotHex,
    /// More digits than [`SEQUENCER_WIDTH`].
    #[error("the sequencer is longer than {SEQUENCER_WIDTH} hex digits")]
    TooLong,
}

impl Sequencer {
    /// Reads an event's `s3.object.sequencer`, in either letter case.
    pub fn parse(text: &str) -> Result<Sequencer, SequencerError> {
        if text.is_empty() || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(SequencerError::NotHex);
        }
        let digits = text.trim_start_matches('0');
        if digits.len() > SEQUENCER_WIDTH {
            return Err(SequencerError::TooLong);
        }
        Ok(Sequencer(format!("{:0>SEQUENCER_WIDTH$}", digits.to_ascii_uppercase())))
    }

    /// The padded form, [`SEQUENCER_WIDTH`] digits: what the table stores, so that its
    /// string comparison (`<` in a condition) is the sequencers' order.
    pub fn padded(&self) -> &str {
        &self.0
    }

    /// The shortest form (no leading zeros, at least one digit): what names the event in
    /// attribute names.
    pub fn short(&self) -> &str {
        let short = self.0.trim_start_matches('0');
        if short.is_empty() { "0" } else { short }
    }
}

impl fmt::Display for Sequencer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorter_sequencers_are_padded_before_they_are_compared() {
        let nine = Sequencer::parse("9").unwrap();
        let ten = Sequencer::parse("0a").unwrap();
        let sixteen = Sequencer::parse("10").unwrap();
        assert!(nine < ten && ten < sixteen, "as numbers, not as text ('10' < '9' as text)");
        assert_eq!(Sequencer::parse("000A").unwrap(), ten);
        assert_eq!((ten.short(), ten.padded().len()), ("A", SEQUENCER_WIDTH));
        assert_eq!(Sequencer::parse("0").unwrap().short(), "0");
        let s3 = Sequencer::parse("0055AED6DCD90281E5").unwrap();
        assert_eq!(s3.to_string(), "55AED6DCD90281E5");
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(Sequencer::parse(""), Err(SequencerError::NotHex));
        assert_eq!(Sequencer::parse("Happy"), Err(SequencerError::NotHex));
        assert_eq!(Sequencer::parse(&"F".repeat(65)), Err(SequencerError::TooLong));
        assert!(Sequencer::parse(&format!("0{}", "F".repeat(64))).is_ok());
    }
}
