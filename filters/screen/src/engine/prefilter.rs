//! One pass over a value for the anchors of every rule ([`super::rule::RuleDef::anchors`]):
//! which of them stand in it, so that each anchored rule is run only where one of its own
//! does.

use super::rule::RuleDef;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Every anchor of a set of tables, and for each rule (in table order) the indexes of its own.
pub struct Prefilter {
    matcher: Option<AhoCorasick>,
    anchors: usize,
    /// Per rule, in the order of the tables' rows: indexes into the anchor list.
    by_rule: Vec<Vec<usize>>,
}

/// The anchors that stand in one value, by index.
pub struct Present(Vec<bool>);

impl Prefilter {
    /// Built once per process over the rows of `tables`, in order.
    pub fn new<'t>(rows: impl Iterator<Item = &'t RuleDef>) -> Prefilter {
        let mut anchors: Vec<String> = Vec::new();
        let mut by_rule = Vec::new();
        for row in rows {
            let ids = row
                .anchors
                .iter()
                .map(|a| {
                    let a = a.to_ascii_lowercase();
                    match anchors.iter().position(|x| *x == a) {
                        Some(i) => i,
                        None => {
                            anchors.push(a);
                            anchors.len() - 1
                        }
                    }
                })
                .collect();
            by_rule.push(ids);
        }
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&anchors)
            .ok();
        Prefilter {
            matcher,
            anchors: anchors.len(),
            by_rule,
        }
    }

    /// Which anchors stand in `value` (any ASCII case). Every one, if the automaton could
    /// not be built: a failure only costs speed, never a detection (a unit test builds it).
    pub fn scan(&self, value: &[u8]) -> Present {
        let Some(m) = &self.matcher else {
            return Present(vec![true; self.anchors]);
        };
        let mut present = vec![false; self.anchors];
        for hit in m.find_overlapping_iter(value) {
            if let Some(p) = present.get_mut(hit.pattern().as_usize()) {
                *p = true;
            }
        }
        Present(present)
    }

    /// Whether the rule at `row` (table order) may match: it has no anchors, or one of them
    /// is in `present`.
    pub fn may_match(&self, row: usize, present: &Present) -> bool {
        self.by_rule.get(row).is_none_or(|ids| {
            ids.is_empty()
                || ids
                    .iter()
                    .any(|i| present.0.get(*i).copied().unwrap_or(true))
        })
    }

    /// Whether the automaton was built (for the unit tests).
    #[cfg(test)]
    pub fn builds(&self) -> bool {
        self.matcher.is_some()
    }
}
