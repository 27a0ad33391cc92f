//! One pass over a value for the anchors of every rule ([`super::anchor::Anchor`]): which rows
//! of the tables have an anchor in it ([`Rows`]), so that each rule is run only where one of its
//! own stands. Byte anchors are looked up in the set of the value's bytes, made in one pass;
//! pieces, words and squeezed phrases by one Aho-Corasick pass, each found piece then confirmed
//! by its guard where it has one.
//!
//! The same over each value of a whole body, and its bytes at once, says whether any row of a
//! policy has an anchor in any of its values ([`Prefilter::any_piece_in`],
//! [`Prefilter::any_byte_in`]): if none has, the body is plain to that policy.

use super::anchor::{longest_piece, Anchor, ByteClass, Guard};
use super::rule::RuleDef;
use crate::detect::ValueKind;
use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// How many walks of the automaton a long text gets at once ([`Prefilter::pieces_in`]).
const LANES: usize = 4;

/// The fewest bytes a walk is given: a shorter text is walked once.
const LANE_BYTES: usize = 256;

/// How many 64-row words a [`Rows`] holds: room for 128 rows. A row past them could not be
/// marked present and would never run: a unit test keeps the tables inside.
pub const ROW_WORDS: usize = 2;

/// A set of rows of the rule tables (by their place in [`super::TABLES`]' order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rows([u64; ROW_WORDS]);

impl Rows {
    /// Adds `row`; `false` if it does not fit.
    pub fn insert(&mut self, row: usize) -> bool {
        match self.0.get_mut(row / 64) {
            Some(word) => {
                *word |= 1 << (row % 64);
                true
            }
            None => false,
        }
    }

    pub fn contains(&self, row: usize) -> bool {
        self.0
            .get(row / 64)
            .is_some_and(|word| word & (1 << (row % 64)) != 0)
    }

    fn add(&mut self, other: &Rows) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    /// Whether the two sets share a row.
    pub fn meets(&self, other: &Rows) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    /// Whether every row of `other` is in this set.
    fn covers(&self, other: &Rows) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| b & !a == 0)
    }
}

/// What confirms a piece the automaton found.
#[derive(Debug, Clone, Copy)]
enum Confirm {
    /// Nothing: the piece itself is the anchor.
    Found,
    Guard(Guard),
    /// The bytes before the piece (blanks skipped) end with `.0` and those after start with `.1`.
    Squeezed(&'static [u8], &'static [u8]),
    /// Only in the URL path.
    InPath,
    /// Only in an uploaded file's name.
    InFileName,
}

impl Confirm {
    /// Whether two confirm the same (rows sharing an anchor share one entry for it; a guard
    /// compiled twice only costs a second call).
    fn same(&self, other: &Confirm) -> bool {
        match (self, other) {
            (Confirm::Found, Confirm::Found)
            | (Confirm::InPath, Confirm::InPath)
            | (Confirm::InFileName, Confirm::InFileName) => true,
            (Confirm::Guard(a), Confirm::Guard(b)) => std::ptr::fn_addr_eq(*a, *b),
            (Confirm::Squeezed(a, b), Confirm::Squeezed(c, d)) => a == c && b == d,
            _ => false,
        }
    }
}

/// A piece's anchor for some rows.
#[derive(Debug, Clone, Copy)]
struct Entry {
    confirm: Confirm,
    rows: Rows,
}

/// Adds `rows` to the entry of `entries` that confirms the same way, or a new one.
fn add_entry(entries: &mut Vec<Entry>, confirm: Confirm, rows: &Rows) {
    match entries.iter_mut().find(|e| e.confirm.same(&confirm)) {
        Some(e) => e.rows.add(rows),
        None => entries.push(Entry {
            confirm,
            rows: *rows,
        }),
    }
}

/// The anchors of some rows of the tables, compiled.
#[derive(Debug)]
pub struct Prefilter {
    /// Rows that have no anchors (or had one that could not be compiled): present in every
    /// value.
    always: Rows,
    /// For each byte, the rows it is an anchor of: in the decoded value, in the raw value, in
    /// the URL path.
    by_byte: Vec<Rows>,
    by_raw_byte: Vec<Rows>,
    by_path_byte: Vec<Rows>,
    /// The bytes with rows in `by_byte` or `by_path_byte`, and in `by_raw_byte`.
    anchor_bytes: ByteClass,
    raw_anchor_bytes: ByteClass,
    any_raw: bool,
    /// The longer pieces, lowercase, matched in any ASCII case (an Aho-Corasick DFA, walked a
    /// byte at a time: a match state names every piece that ends there), and for each what it
    /// anchors.
    matcher: Option<DFA>,
    entries: Vec<Vec<Entry>>,
    /// The longest piece's length.
    longest: usize,
}

impl Prefilter {
    /// Built over rows of the tables, each with its place in them.
    pub fn new<'t>(rows: impl Iterator<Item = (usize, &'t RuleDef)>) -> Prefilter {
        let mut p = Prefilter {
            always: Rows::default(),
            by_byte: vec![Rows::default(); 256],
            by_raw_byte: vec![Rows::default(); 256],
            by_path_byte: vec![Rows::default(); 256],
            anchor_bytes: ByteClass::default(),
            raw_anchor_bytes: ByteClass::default(),
            any_raw: false,
            matcher: None,
            entries: Vec::new(),
            longest: 0,
        };
        let mut pieces: Vec<String> = Vec::new();
        for (row, def) in rows {
            let mut one = Rows::default();
            if !one.insert(row) || def.anchors.is_empty() {
                // A row without anchors runs on every value. (One past the room of a set is
                // left out: the unit test on [`ROW_WORDS`] keeps every row inside.)
                p.always.add(&one);
                continue;
            }
            for anchor in def.anchors {
                p.add(*anchor, &one, &mut pieces);
            }
        }
        p.longest = pieces.iter().map(String::len).max().unwrap_or(0);
        let with_rows = |table: &[Rows]| {
            let mut class = ByteClass::default();
            for (b, rows) in table.iter().enumerate() {
                if *rows != Rows::default() {
                    class = class.or(&ByteClass::of(&[u8::try_from(b).unwrap_or(0)]));
                }
            }
            class
        };
        p.anchor_bytes = with_rows(&p.by_byte).or(&with_rows(&p.by_path_byte));
        p.raw_anchor_bytes = with_rows(&p.by_raw_byte);
        if !pieces.is_empty() {
            p.matcher = DFA::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(&pieces)
                .ok();
            if p.matcher.is_none() {
                // Without the automaton every row with a piece runs everywhere.
                for entries in std::mem::take(&mut p.entries) {
                    for e in entries {
                        p.always.add(&e.rows);
                    }
                }
            }
        }
        p
    }

    fn add(&mut self, anchor: Anchor, rows: &Rows, pieces: &mut Vec<String>) {
        let mut piece = |this: &mut Prefilter, text: &str, confirm: Confirm| {
            let lower = text.to_ascii_lowercase();
            match (lower.as_bytes(), confirm) {
                ([b], Confirm::Found) => {
                    for c in [*b, b.to_ascii_uppercase()] {
                        if let Some(r) = this.by_byte.get_mut(usize::from(c)) {
                            r.add(rows);
                        }
                    }
                    return;
                }
                ([b], Confirm::InPath) => {
                    for c in [*b, b.to_ascii_uppercase()] {
                        if let Some(r) = this.by_path_byte.get_mut(usize::from(c)) {
                            r.add(rows);
                        }
                    }
                    return;
                }
                ([], _) => {
                    // An empty piece stands everywhere.
                    this.always.add(rows);
                    return;
                }
                _ => {}
            }
            let id = pieces.iter().position(|p| *p == lower).unwrap_or_else(|| {
                pieces.push(lower);
                this.entries.push(Vec::new());
                pieces.len() - 1
            });
            if let Some(entries) = this.entries.get_mut(id) {
                add_entry(entries, confirm, rows);
            }
        };
        match anchor {
            Anchor::Piece(p) => piece(self, p, Confirm::Found),
            Anchor::Pieces(list) => {
                for p in list {
                    piece(self, p, Confirm::Found);
                }
            }
            Anchor::PhrasePieces(list) => {
                for p in list {
                    piece(self, longest_piece(p), Confirm::Found);
                }
            }
            Anchor::Word(w) => piece(self, w, Confirm::Guard(super::anchor::guard::whole_word)),
            Anchor::Words(list) => {
                for w in list {
                    piece(self, w, Confirm::Guard(super::anchor::guard::whole_word));
                }
            }
            Anchor::Where(p, g) => piece(self, p, Confirm::Guard(g)),
            Anchor::WhereAny(list, g) => {
                for p in list {
                    piece(self, p, Confirm::Guard(g));
                }
            }
            Anchor::Squeezed(phrase) => {
                match phrase.bytes().position(|b| !b.is_ascii_alphanumeric()) {
                    Some(at) => {
                        let (before, after) = (
                            phrase.as_bytes().get(..at).unwrap_or_default(),
                            phrase.as_bytes().get(at + 1..).unwrap_or_default(),
                        );
                        let pivot = phrase.get(at..at + 1).unwrap_or_default();
                        piece(self, pivot, Confirm::Squeezed(before, after));
                    }
                    // A phrase of letters and digits only has no byte to start from.
                    None => self.always.add(rows),
                }
            }
            Anchor::Byte(class) => {
                for b in class.bytes() {
                    if let Some(r) = self.by_byte.get_mut(usize::from(b)) {
                        r.add(rows);
                    }
                }
            }
            Anchor::RawByte(class) => {
                self.any_raw = true;
                for b in class.bytes() {
                    if let Some(r) = self.by_raw_byte.get_mut(usize::from(b)) {
                        r.add(rows);
                    }
                }
            }
            Anchor::InPath(p) => piece(self, p, Confirm::InPath),
            Anchor::InFileName(p) => piece(self, p, Confirm::InFileName),
            Anchor::Group(group) => {
                for a in group {
                    self.add(*a, rows, pieces);
                }
            }
        }
    }

    /// The rows of `wanted` with an anchor in `value` (decoded), `raw` (as it came) being the
    /// same value before decoding, a value of `kind`. (Rows without anchors, and some not
    /// wanted, may be in it too.)
    pub fn present(&self, value: &[u8], raw: &[u8], kind: ValueKind, wanted: &Rows) -> Rows {
        let mut found = self.always;
        let bytes = ByteClass::in_text(value);
        let raw_bytes = if !self.any_raw {
            ByteClass::default()
        } else if value == raw {
            bytes
        } else {
            ByteClass::in_text(raw)
        };
        found.add(&self.of_bytes(&bytes, &raw_bytes, kind == ValueKind::Path));
        self.pieces_in(value, kind, &mut found, wanted, false);
        found
    }

    /// Whether a row of `wanted` has a piece (or a word, a squeezed phrase) in `text`, not the
    /// URL path nor a file's name: the values of a whole body, each in place between bytes that end it (where
    /// what stands between two can add a piece but never hide one), whose bytes
    /// [`Prefilter::any_byte_in`] looks at.
    pub fn any_piece_in(&self, text: &[u8], wanted: &Rows) -> bool {
        let mut found = Rows::default();
        self.pieces_in(text, ValueKind::Text, &mut found, wanted, true)
    }

    /// Whether a row of `wanted` runs on every value or has a byte anchor among `bytes` (of
    /// values, decoded) or `raw` (as they came), not in the URL path.
    pub fn any_byte_in(&self, bytes: &ByteClass, raw: &ByteClass, wanted: &Rows) -> bool {
        self.always.meets(wanted) || self.of_bytes(bytes, raw, false).meets(wanted)
    }

    /// The rows of the byte anchors in `bytes` (decoded) and `raw` (as it came).
    fn of_bytes(&self, bytes: &ByteClass, raw: &ByteClass, in_path: bool) -> Rows {
        let mut found = Rows::default();
        // Only the bytes some row is anchored on (letters and digits seldom are).
        for b in bytes.and(&self.anchor_bytes).bytes_fast() {
            if let Some(r) = self.by_byte.get(usize::from(b)) {
                found.add(r);
            }
            if in_path {
                if let Some(r) = self.by_path_byte.get(usize::from(b)) {
                    found.add(r);
                }
            }
        }
        for b in raw.and(&self.raw_anchor_bytes).bytes_fast() {
            if let Some(r) = self.by_raw_byte.get(usize::from(b)) {
                found.add(r);
            }
        }
        found
    }

    /// Adds to `found` the rows of `wanted` of the pieces in `text`; with `stop`, returns as
    /// soon as one is found (whether one was).
    fn pieces_in(
        &self,
        text: &[u8],
        kind: ValueKind,
        found: &mut Rows,
        wanted: &Rows,
        stop: bool,
    ) -> bool {
        // Whether `entries` of a piece at `start..end` add a row `stop` waits for.
        let mut confirm = |entries: &[Entry], start: usize, end: usize| {
            for e in entries {
                if !e.rows.meets(wanted) || found.covers(&e.rows) {
                    continue;
                }
                let holds = match e.confirm {
                    Confirm::Found => true,
                    Confirm::Guard(g) => g(text, start, end),
                    Confirm::Squeezed(before, after) => {
                        squeezed_ends_with(text, start, before)
                            && squeezed_starts_with(text, end, after)
                    }
                    Confirm::InPath => kind == ValueKind::Path,
                    Confirm::InFileName => kind == ValueKind::FileName,
                };
                if holds {
                    found.add(&e.rows);
                    if stop {
                        return true;
                    }
                }
            }
            false
        };
        let Some(dfa) = &self.matcher else {
            return false;
        };
        let Ok(start) = dfa.start_state(Anchored::No) else {
            return false;
        };
        // Each piece that ends at `at`, where the walk reached a match state.
        let mut matched = |state, at: usize| {
            (0..dfa.match_len(state)).any(|i| {
                let piece = dfa.match_pattern(state, i);
                let from = (at + 1).saturating_sub(dfa.pattern_len(piece));
                self.entries
                    .get(piece.as_usize())
                    .is_some_and(|entries| confirm(entries, from, at + 1))
            })
        };
        // A walk's next state waits on its last: a long text is walked in stretches at once,
        // each begun `longest - 1` bytes before its own bytes so that a piece ending in it is
        // seen whole (a piece in two walks is seen twice: the same).
        if text.len() < LANES * LANE_BYTES {
            let mut state = start;
            for (at, &b) in text.iter().enumerate() {
                state = dfa.next_state(Anchored::No, state, b);
                if dfa.is_special(state) && dfa.is_match(state) && matched(state, at) {
                    return true;
                }
            }
            return false;
        }
        // Each walk is as long as the others (the last one begins early enough to end with the
        // text), so that they run side by side without a bound to check.
        let stretch = text.len().div_ceil(LANES);
        let back = self.longest.saturating_sub(1);
        let len = stretch + back;
        let last = text.len().saturating_sub(len);
        let from: [usize; LANES] =
            std::array::from_fn(|k| (k * stretch).saturating_sub(back).min(last));
        let [a, b, c, d] = from.map(|f| text.get(f..f + len).unwrap_or_default());
        let [mut s0, mut s1, mut s2, mut s3] = [start; LANES];
        for (i, (((&b0, &b1), &b2), &b3)) in a.iter().zip(b).zip(c).zip(d).enumerate() {
            s0 = dfa.next_state(Anchored::No, s0, b0);
            s1 = dfa.next_state(Anchored::No, s1, b1);
            s2 = dfa.next_state(Anchored::No, s2, b2);
            s3 = dfa.next_state(Anchored::No, s3, b3);
            // One branch for the four (a match state is rare).
            if dfa.is_special(s0) | dfa.is_special(s1) | dfa.is_special(s2) | dfa.is_special(s3) {
                for (state, f) in [s0, s1, s2, s3].into_iter().zip(from) {
                    if dfa.is_special(state) && dfa.is_match(state) && matched(state, f + i) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Whether the automaton for the pieces was built, where there are any (for the unit
    /// tests).
    #[cfg(test)]
    pub fn builds(&self) -> bool {
        self.entries.is_empty() || self.matcher.is_some()
    }

    #[cfg(test)]
    pub fn pieces(&self) -> usize {
        self.entries.len()
    }

    /// The heap the automaton takes (for the unit tests).
    #[cfg(test)]
    pub fn automaton_bytes(&self) -> usize {
        self.matcher.as_ref().map_or(0, DFA::memory_usage)
    }
}

impl ByteClass {
    fn and(&self, other: &ByteClass) -> ByteClass {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = other.0;
        ByteClass([a & e, b & f, c & g, d & h])
    }

    fn or(&self, other: &ByteClass) -> ByteClass {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = other.0;
        ByteClass([a | e, b | f, c | g, d | h])
    }

    /// The bytes in the class, found word by word (a value holds a few dozen distinct bytes).
    fn bytes_fast(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                u8::try_from(w * 64 + bit as usize).ok()
            })
        })
    }
}

/// A blank a squeezed phrase may have between its bytes.
fn is_squeezed_out(b: u8) -> bool {
    b.is_ascii_whitespace() || b < 0x20
}

/// Whether the bytes before `end`, blanks skipped, end with `word` (lowercase), in any case.
fn squeezed_ends_with(text: &[u8], end: usize, word: &[u8]) -> bool {
    let mut before = text
        .get(..end)
        .unwrap_or_default()
        .iter()
        .rev()
        .filter(|b| !is_squeezed_out(**b));
    word.iter()
        .rev()
        .all(|w| before.next().is_some_and(|b| b.eq_ignore_ascii_case(w)))
}

/// Whether the bytes from `start`, blanks skipped, start with `word` (lowercase), in any case.
fn squeezed_starts_with(text: &[u8], start: usize, word: &[u8]) -> bool {
    let mut after = text
        .get(start..)
        .unwrap_or_default()
        .iter()
        .filter(|b| !is_squeezed_out(**b));
    word.iter()
        .all(|w| after.next().is_some_and(|b| b.eq_ignore_ascii_case(w)))
}

#[cfg(test)]
mod tests {
    use super::super::anchor::guard;
    use super::*;
    use crate::detect::TRAVERSAL_NUL;
    use Anchor::*;

    const CLASS: ByteClass = ByteClass::of(b"'\"");
    const PERCENT: ByteClass = ByteClass::of(b"%");

    #[test]
    fn each_kind_of_anchor() {
        let rows = [
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[Piece("<"), Piece("X")]),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[Piece("union"), Piece("\n")]),
            RuleDef::always(TRAVERSAL_NUL, |_| true),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[Word("or"), Byte(CLASS)]),
            RuleDef::always(TRAVERSAL_NUL, |_| true)
                .anchored(&[Where("as", guard::word_after_number)]),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[Squeezed("document.cookie")]),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[InPath(".")]),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[RawByte(PERCENT)]),
            RuleDef::always(TRAVERSAL_NUL, |_| true)
                .anchored(&[Group(&[PhrasePieces(&["union all select"])])]),
        ];
        let p = Prefilter::new(rows.iter().enumerate());
        assert!(p.builds());
        let all = Rows([u64::MAX; ROW_WORDS]);
        let may = |v: &[u8], raw: &[u8], kind: ValueKind| -> Vec<usize> {
            let present = p.present(v, raw, kind, &all);
            (0..rows.len()).filter(|i| present.contains(*i)).collect()
        };
        let text = |v: &str| may(v.as_bytes(), v.as_bytes(), ValueKind::Text);
        assert_eq!(text("plain"), [2]);
        assert_eq!(text("a <b"), [0, 2]);
        assert_eq!(text("x"), [0, 2]);
        assert_eq!(text("1 UNION 2"), [1, 2]);
        assert_eq!(text("a\nb"), [1, 2]);
        assert_eq!(text("this or that"), [2, 3]);
        assert_eq!(text("Oregon"), [2]);
        assert_eq!(text("it's"), [2, 3]);
        assert_eq!(text("born 1990 AS y"), [2, 4]);
        assert_eq!(text("such as"), [2]);
        assert_eq!(text("docu ment . Cookie"), [2, 5]);
        assert_eq!(text("document. cake"), [2]);
        assert_eq!(text("v1.2"), [2]);
        assert_eq!(may(b"/v1.2", b"/v1.2", ValueKind::Path), [2, 6]);
        assert_eq!(may(b"a b", b"a%20b", ValueKind::Text), [2, 7]);
        assert_eq!(text("all SELECT"), [2, 8]);
    }

    #[test]
    fn only_the_rows_wanted() {
        let rows = [
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[Piece("<")]),
            RuleDef::always(TRAVERSAL_NUL, |_| true).anchored(&[Word("union")]),
        ];
        let p = Prefilter::new(rows.iter().enumerate());
        let mut first = Rows::default();
        first.insert(0);
        let mut second = Rows::default();
        second.insert(1);
        let none = ByteClass::default();
        assert!(p.any_byte_in(&ByteClass::in_text(b"a<"), &none, &first));
        assert!(!p.any_byte_in(&ByteClass::in_text(b"a<"), &none, &second));
        assert!(p.any_piece_in(b"x union y", &second));
        assert!(!p.any_piece_in(b"x union y", &first));
        assert!(!p
            .present(b"x union y", b"x union y", ValueKind::Text, &first)
            .contains(1));
    }
}
