//! What a rule cannot match without: its anchors ([`Anchor`]), the bytes, pieces and words of
//! which every match holds one. The engine runs a rule only on a value that holds one of its
//! anchors ([`super::prefilter`]), and a value (or a whole body) that holds none of any rule's
//! is plain text to the policy: nothing is run on it at all.
//!
//! Every table argues its anchors beside them. An anchor that is too wide costs only time (the
//! rule runs and finds nothing); one that is too narrow skips a match, which the case files,
//! the evaluation's `--check-shortcut` and this crate's differential tests look for.

/// One thing of which a rule's every match holds one (any of a rule's anchors will do).
#[derive(Clone, Copy)]
pub enum Anchor {
    /// A piece of the decoded value, in any ASCII case.
    Piece(&'static str),
    /// Any piece of a list (a word list), in any ASCII case.
    Pieces(&'static [&'static str]),
    /// Of each phrase of a list, its longest piece between blanks and `(` ([`longest_piece`]):
    /// where a rule matches a phrase on a copy with comments and blank runs made one blank and
    /// ` (` joined, each such piece still stands whole in the value.
    PhrasePieces(&'static [&'static str]),
    /// A whole word: the piece with no ASCII letter, digit or `_` right before or after it.
    Word(&'static str),
    /// Any whole word of a list.
    Words(&'static [&'static str]),
    /// A piece where `guard` holds of the text around it ([`Guard`]).
    Where(&'static str, Guard),
    /// Any piece of a list where `guard` holds of the text around it.
    WhereAny(&'static [&'static str], Guard),
    /// A phrase as it stands with the blanks (spaces, tabs) between its bytes removed
    /// (`docu ment.cookie`); it must hold a byte that is no ASCII letter or digit, where
    /// the search for it starts.
    Squeezed(&'static str),
    /// A byte of the class, in the decoded value.
    Byte(ByteClass),
    /// A byte of the class in the value as it came, still encoded (for rules that read it so).
    RawByte(ByteClass),
    /// A piece of the URL path (a rule that runs on the path alone).
    InPath(&'static str),
    /// A piece of an uploaded file's name (a rule that reads file names alone).
    InFileName(&'static str),
    /// Every anchor of a group that several rules share.
    Group(&'static [Anchor]),
}

/// Whether a piece found at `start..end` of `text` counts: `text` is a decoded value, or a
/// whole body with every value of it in place (a JSON document without escapes, a form with
/// `+` read as a blank). A guard must hold at a value's piece in the body as in the value
/// alone: where it looks for a value's start or end, a `"`, `=` or `&` may be one in a body.
pub type Guard = fn(text: &[u8], start: usize, end: usize) -> bool;

/// A set of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteClass(pub [u64; 4]);

impl ByteClass {
    /// The bytes listed.
    pub const fn of(bytes: &[u8]) -> ByteClass {
        let mut class = ByteClass([0; 4]);
        let mut rest = bytes;
        while let [b, tail @ ..] = rest {
            class = class.with(*b);
            rest = tail;
        }
        class
    }

    /// This class and `b`.
    const fn with(self, b: u8) -> ByteClass {
        let [mut w0, mut w1, mut w2, mut w3] = self.0;
        let bit = 1 << (b & 63);
        match b >> 6 {
            0 => w0 |= bit,
            1 => w1 |= bit,
            2 => w2 |= bit,
            _ => w3 |= bit,
        }
        ByteClass([w0, w1, w2, w3])
    }

    /// Every byte but the ASCII letters, the digits and those listed.
    pub const fn outside_words_and(bytes: &[u8]) -> ByteClass {
        let listed = ByteClass::of(bytes);
        let mut class = ByteClass([0; 4]);
        let mut b: u8 = 0;
        loop {
            if !b.is_ascii_alphanumeric() && !listed.contains(b) {
                class = class.with(b);
            }
            if b == u8::MAX {
                return class;
            }
            b += 1;
        }
    }

    pub const fn contains(&self, b: u8) -> bool {
        let [w0, w1, w2, w3] = self.0;
        let word = match b >> 6 {
            0 => w0,
            1 => w1,
            2 => w2,
            _ => w3,
        };
        word & (1 << (b & 63)) != 0
    }

    /// The bytes of `text`.
    pub fn in_text(text: &[u8]) -> ByteClass {
        let mut words = [0u64; 4];
        if text.len() < 256 {
            for &b in text {
                if let Some(w) = words.get_mut(usize::from(b >> 6)) {
                    *w |= 1 << (b & 63);
                }
            }
            return ByteClass(words);
        }
        // A long text: a store per byte into a table, without the dependency from one byte's
        // update of a word to the next one's, then the table folded into bits.
        let mut seen = [false; 256];
        for &b in text {
            if let Some(s) = seen.get_mut(usize::from(b)) {
                *s = true;
            }
        }
        for (b, _) in seen.iter().enumerate().filter(|(_, s)| **s) {
            if let Some(w) = words.get_mut(b / 64) {
                *w |= 1 << (b % 64);
            }
        }
        ByteClass(words)
    }

    /// The bytes in this class, in order.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).filter(|b| self.contains(*b))
    }
}

/// The bytes plain text lacks: all but ASCII letters and digits, space, tab and `_.,:@-` (a
/// quote, an operator, a bracket, a slash, a line break, a non-ASCII byte). The level-1 SQL,
/// command and script rules need one of them or a word of their own.
pub const OUTSIDE_PLAIN_TEXT: ByteClass = ByteClass::outside_words_and(b" \t_.,:@-");

/// [`OUTSIDE_PLAIN_TEXT`]'s ASCII bytes: for rules to which a letter outside ASCII is a letter
/// like any other (`José`, `東京`), which their syntax never spells.
pub const OUTSIDE_PLAIN_ASCII: ByteClass =
    ByteClass([OUTSIDE_PLAIN_TEXT.0[0], OUTSIDE_PLAIN_TEXT.0[1], 0, 0]);

/// The longest piece of `phrase` between blanks and `(`: where a detector normalizes blank runs
/// (and comments) to one space and drops the space before `(`, each such piece still stands
/// contiguous in the value itself.
pub fn longest_piece(phrase: &'static str) -> &'static str {
    phrase
        .split([' ', '('])
        .filter(|p| !p.is_empty())
        .max_by_key(|p| p.len())
        .unwrap_or(phrase)
}

/// The guards tables share.
pub mod guard {
    /// A blank between words: space, tab, a line break or another control byte.
    fn is_blank(b: u8) -> bool {
        b.is_ascii_whitespace() || b < 0x20 || b == 0x7f
    }

    /// Where a value may start or end in a body (a JSON string's quote, a form's `=` and `&`).
    fn is_boundary(b: u8) -> bool {
        matches!(b, b'"' | b'=' | b'&')
    }

    fn is_word_byte(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'_'
    }

    /// No letter, digit or `_` right before the piece or right after it.
    pub fn whole_word(text: &[u8], start: usize, end: usize) -> bool {
        let before = start
            .checked_sub(1)
            .and_then(|i| text.get(i))
            .copied()
            .is_some_and(is_word_byte);
        let after = text.get(end).copied().is_some_and(is_word_byte);
        !before && !after
    }

    /// The piece starts a value: before it only blanks and quotes, back to the start of the
    /// text or a [`is_boundary`] byte.
    pub fn at_value_start(text: &[u8], start: usize, _end: usize) -> bool {
        text.get(..start)
            .unwrap_or_default()
            .iter()
            .rev()
            .find(|b| !(is_blank(**b) || **b == b'\''))
            .is_none_or(|b| is_boundary(*b))
    }

    /// The piece ends a value: after it only blanks, to the end of the text or a
    /// [`is_boundary`] byte.
    pub fn at_value_end(text: &[u8], _start: usize, end: usize) -> bool {
        text.get(end..)
            .unwrap_or_default()
            .iter()
            .find(|b| !is_blank(**b))
            .is_none_or(|b| is_boundary(*b))
    }

    /// A whole word that starts a value and has more after it, past a blank (`or name is x`,
    /// `nohup ifconfig`).
    pub fn word_opening_value(text: &[u8], start: usize, end: usize) -> bool {
        if !whole_word(text, start, end) || !at_value_start(text, start, end) {
            return false;
        }
        let rest = text.get(end..).unwrap_or_default();
        let blanks = rest.iter().take_while(|b| is_blank(**b)).count();
        blanks > 0 && rest.get(blanks).is_some_and(|b| !is_boundary(*b))
    }

    /// A whole word after a number (blanks between).
    pub fn word_after_number(text: &[u8], start: usize, end: usize) -> bool {
        whole_word(text, start, end)
            && text
                .get(..start)
                .unwrap_or_default()
                .iter()
                .rev()
                .find(|b| !is_blank(**b))
                .is_some_and(u8::is_ascii_digit)
    }

    /// A `/` or `\` right after the piece, or the value's end (a directory named at the end).
    pub fn then_separator(text: &[u8], start: usize, end: usize) -> bool {
        matches!(text.get(end), Some(b'/' | b'\\')) || at_value_end(text, start, end)
    }

    /// A blank right before the piece and an ASCII letter right after it (` -x`: an option).
    pub fn option_after_blank(text: &[u8], start: usize, end: usize) -> bool {
        start
            .checked_sub(1)
            .and_then(|i| text.get(i))
            .is_some_and(|b| matches!(b, b' ' | b'\t'))
            && text.get(end).is_some_and(u8::is_ascii_alphabetic)
    }

    /// A digit somewhere in the text.
    pub fn with_a_digit(text: &[u8], _start: usize, _end: usize) -> bool {
        text.iter().any(u8::is_ascii_digit)
    }
}

/// The anchors read the straightforward way, one by one: the reference the prefilter is
/// tested against, and how the category modules' tests run a table without the engine.
#[cfg(test)]
pub mod naive {
    use super::{guard, longest_piece, Anchor};
    use crate::detect::ValueKind;
    use crate::engine::View;

    /// Whether one of `anchors` stands in the value of `view`.
    pub fn holds_any(anchors: &[Anchor], view: &View) -> bool {
        anchors
            .iter()
            .any(|a| holds(a, view.bytes(), view.raw(), view.kind()))
    }

    /// The places of `piece` in `text`, in any ASCII case.
    fn places<'t>(text: &'t [u8], piece: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        let p = piece.as_bytes();
        (0..text.len().saturating_sub(p.len().saturating_sub(1)))
            .filter(move |&i| {
                !p.is_empty()
                    && text
                        .get(i..i + p.len())
                        .is_some_and(|w| w.eq_ignore_ascii_case(p))
            })
            .map(move |i| (i, i + p.len()))
    }

    /// Whether `anchor` stands in `text` (`raw` before decoding), a value of `kind`.
    pub fn holds(anchor: &Anchor, text: &[u8], raw: &[u8], kind: ValueKind) -> bool {
        let has = |p: &str| p.is_empty() || places(text, p).next().is_some();
        let where_ = |p: &str, g: super::Guard| places(text, p).any(|(s, e)| g(text, s, e));
        match *anchor {
            Anchor::Piece(p) => has(p),
            Anchor::Pieces(list) => list.iter().any(|p| has(p)),
            Anchor::PhrasePieces(list) => list.iter().any(|p| has(longest_piece(p))),
            Anchor::Word(w) => where_(w, guard::whole_word),
            Anchor::Words(list) => list.iter().any(|w| where_(w, guard::whole_word)),
            Anchor::Where(p, g) => where_(p, g),
            Anchor::WhereAny(list, g) => list.iter().any(|p| where_(p, g)),
            Anchor::Squeezed(phrase) => {
                let squeezed: Vec<u8> = text
                    .iter()
                    .filter(|b| !(b.is_ascii_whitespace() || **b < 0x20))
                    .copied()
                    .collect();
                let found = places(&squeezed, phrase).next().is_some();
                found
            }
            Anchor::Byte(class) => text.iter().any(|b| class.contains(*b)),
            Anchor::RawByte(class) => raw.iter().any(|b| class.contains(*b)),
            Anchor::InPath(p) => kind == ValueKind::Path && has(p),
            Anchor::InFileName(p) => kind == ValueKind::FileName && has(p),
            Anchor::Group(group) => group.iter().any(|a| holds(a, text, raw, kind)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::guard::*;
    use super::*;

    #[test]
    fn classes() {
        let c = ByteClass::of(b"<=\0");
        assert!(c.contains(b'<') && c.contains(0) && !c.contains(b'>'));
        let outside = ByteClass::outside_words_and(b" .");
        assert!(outside.contains(b'/') && outside.contains(0xC3) && outside.contains(b'\n'));
        assert!(!outside.contains(b'a') && !outside.contains(b'Z') && !outside.contains(b'7'));
        assert!(!outside.contains(b' ') && !outside.contains(b'.'));
        assert_eq!(ByteClass::in_text(b"a<").bytes().collect::<Vec<_>>(), b"<a");
        assert_eq!(longest_piece("union all select"), "select");
        assert_eq!(longest_piece("exec (@"), "exec");
    }

    #[test]
    fn guards() {
        let at = |text: &str, piece: &str| text.find(piece).unwrap_or(0);
        let holds = |g: Guard, text: &str, piece: &str| {
            let s = at(text, piece);
            g(text.as_bytes(), s, s + piece.len())
        };
        assert!(holds(whole_word, "a union b", "union"));
        assert!(!holds(whole_word, "reunion", "union"));
        assert!(holds(at_value_start, " 'or", "or"));
        assert!(holds(at_value_start, "{\"a\": \"  or", "or"));
        assert!(!holds(at_value_start, "x or", "or"));
        assert!(holds(at_value_end, "1 or  ", "or"));
        assert!(holds(at_value_end, "a=1 or&b", "or"));
        assert!(!holds(at_value_end, "1 or 2", "or"));
        assert!(holds(word_opening_value, "or name", "or"));
        assert!(!holds(word_opening_value, "or", "or"));
        assert!(!holds(word_opening_value, "order x", "or"));
        assert!(holds(word_after_number, "1990 as", "as"));
        assert!(!holds(word_after_number, "such as", "as"));
        assert!(holds(then_separator, "etc/passwd", "etc"));
        assert!(holds(then_separator, "x/.docker", ".docker"));
        assert!(!holds(then_separator, "etc. and", "etc"));
        assert!(holds(option_after_blank, "ls -la", "-"));
        assert!(!holds(option_after_blank, "well-made", "-"));
        assert!(holds(with_a_digit, "1 is not 2", "not"));
        assert!(!holds(with_a_digit, "is not", "not"));
    }
}
