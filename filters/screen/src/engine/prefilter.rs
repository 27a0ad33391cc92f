//! One pass over a value for the anchors of every rule ([`super::rule::RuleDef::anchors`]):
//! which of them stand in it, so that each anchored rule is run only where one of its own
//! does. Anchors of one byte (most: `<`, `=`, `>`, a line break) are looked up in the set of
//! the value's bytes, made in one pass; longer ones by one Aho-Corasick pass, made only if some
//! rule has one.

use super::rule::RuleDef;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// A set of bytes, ASCII letters folded to lowercase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        let b = b.to_ascii_lowercase();
        if let Some(word) = self.0.get_mut(usize::from(b >> 6)) {
            *word |= 1 << (b & 63);
        }
    }

    fn meets(&self, other: &ByteSet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }
}

/// The anchors of every rule, and for each rule (in the tables' order) its own.
pub struct Prefilter {
    /// The longer anchors, lowercase, matched in any ASCII case; `None` if there are none (or
    /// the automaton could not be built, then every one counts as present).
    matcher: Option<AhoCorasick>,
    longer: Vec<String>,
    /// Per rule: its one-byte anchors, and indexes into `longer`.
    by_rule: Vec<(ByteSet, Vec<usize>)>,
}

/// What of the anchors stands in one value.
pub struct Present {
    bytes: ByteSet,
    longer: Vec<bool>,
}

impl Prefilter {
    /// Built once per process over the rows of the tables, in order.
    pub fn new<'t>(rows: impl Iterator<Item = &'t RuleDef>) -> Prefilter {
        let mut longer: Vec<String> = Vec::new();
        let mut by_rule = Vec::new();
        for row in rows {
            let mut bytes = ByteSet::default();
            let mut ids = Vec::new();
            for anchor in row.anchors {
                match anchor.as_bytes() {
                    [b] => bytes.insert(*b),
                    _ => {
                        let a = anchor.to_ascii_lowercase();
                        let id = longer.iter().position(|x| *x == a).unwrap_or_else(|| {
                            longer.push(a);
                            longer.len() - 1
                        });
                        ids.push(id);
                    }
                }
            }
            by_rule.push((bytes, ids));
        }
        let matcher = (!longer.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&longer)
                    .ok()
            })
            .flatten();
        Prefilter {
            matcher,
            longer,
            by_rule,
        }
    }

    /// What of the anchors stands in `value` (any ASCII case).
    pub fn scan(&self, value: &[u8]) -> Present {
        let mut bytes = ByteSet::default();
        for &b in value {
            bytes.insert(b);
        }
        let longer = match &self.matcher {
            Some(m) => {
                let mut found = vec![false; self.longer.len()];
                for hit in m.find_overlapping_iter(value) {
                    if let Some(f) = found.get_mut(hit.pattern().as_usize()) {
                        *f = true;
                    }
                }
                found
            }
            // No longer anchors, or no automaton: every longer anchor counts as present.
            None => vec![true; self.longer.len()],
        };
        Present { bytes, longer }
    }

    /// Whether the rule at `row` (the tables' order) may match: it has no anchors, or one of
    /// them is in `present`.
    pub fn may_match(&self, row: usize, present: &Present) -> bool {
        self.by_rule.get(row).is_none_or(|(bytes, ids)| {
            (*bytes == ByteSet::default() && ids.is_empty())
                || bytes.meets(&present.bytes)
                || ids
                    .iter()
                    .any(|i| present.longer.get(*i).copied().unwrap_or(true))
        })
    }

    /// Whether the automaton for the longer anchors was built, where there are any (for the
    /// unit tests).
    #[cfg(test)]
    pub fn builds(&self) -> bool {
        self.longer.is_empty() || self.matcher.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::TRAVERSAL_NUL;

    #[test]
    fn one_byte_and_longer_anchors_in_any_case() {
        let rows = [
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&["<", "X"]),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&["union", "\n"]),
            RuleDef::always(TRAVERSAL_NUL, |_| true),
        ];
        let p = Prefilter::new(rows.iter());
        assert!(p.builds());
        let may = |v: &[u8]| -> Vec<bool> {
            let present = p.scan(v);
            (0..3).map(|i| p.may_match(i, &present)).collect()
        };
        assert_eq!(may(b"plain"), [false, false, true]);
        assert_eq!(may(b"a <b"), [true, false, true]);
        assert_eq!(may(b"x"), [true, false, true]);
        assert_eq!(may(b"1 UNION 2"), [false, true, true]);
        assert_eq!(may(b"a\nb"), [false, true, true]);
    }
}
