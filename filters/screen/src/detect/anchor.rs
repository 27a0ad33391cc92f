//! Prechecks built on literal anchors: for a detector whose every match needs one of a few
//! literal pieces in the value (`union`, `xp_`, `-c`), one Aho-Corasick pass over the value
//! for those pieces says whether the detector can fire at all. Most benign values hold none,
//! and then the detector's own lowercasing, copying and per-phrase searches are skipped.
//!
//! Each detector that uses an [`Anchors`] argues at its use why every match contains one of
//! its anchors; this module only owns the matching, built once per process.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use std::sync::OnceLock;

/// A lazily built, ASCII-case-insensitive set of anchors.
pub struct Anchors {
    matcher: OnceLock<Option<AhoCorasick>>,
    build: fn() -> Vec<&'static str>,
}

impl Anchors {
    /// Anchors listed by `build`, run once on first use.
    pub const fn new(build: fn() -> Vec<&'static str>) -> Self {
        Anchors {
            matcher: OnceLock::new(),
            build,
        }
    }

    /// Whether `haystack` holds one of the anchors (any ASCII case). `true` as well if the
    /// automaton could not be built, so a failure only costs speed, never a detection (the
    /// unit tests build every set).
    pub fn found_in(&self, haystack: &[u8]) -> bool {
        self.matcher().is_none_or(|m| m.is_match(haystack))
    }

    fn matcher(&self) -> Option<&AhoCorasick> {
        self.matcher
            .get_or_init(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build((self.build)())
                    .ok()
            })
            .as_ref()
    }

    /// Whether the automaton was built (for the unit tests).
    #[cfg(test)]
    pub fn builds(&self) -> bool {
        self.matcher().is_some()
    }
}

/// The pieces of `phrase` between blanks and `(`: where a detector normalizes blank runs
/// (and comments) to one space and drops the space before `(`, each such piece still stands
/// contiguous in the value itself.
pub fn pieces(phrase: &'static str) -> impl Iterator<Item = &'static str> {
    phrase.split([' ', '(']).filter(|p| !p.is_empty())
}

/// The longest of [`pieces`] (the rarest, as a rule): one anchor per phrase.
pub fn longest_piece(phrase: &'static str) -> &'static str {
    pieces(phrase).max_by_key(|p| p.len()).unwrap_or(phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_case() {
        assert_eq!(longest_piece("union all select"), "select");
        assert_eq!(longest_piece("exec (@"), "exec");
        assert_eq!(pieces("drop table").collect::<Vec<_>>(), ["drop", "table"]);
        static A: Anchors = Anchors::new(|| vec!["xp_", "union"]);
        assert!(A.builds());
        assert!(A.found_in(b"1 UNION 2"));
        assert!(A.found_in(b"XP_dirtree"));
        assert!(!A.found_in(b"unio n"));
    }
}
