//! One inspected value and the forms the rules read it in, each made once, on first use.
//!
//! The value as sent, its decoding layers (fully decoded, which every rule reads; the value as
//! sent percent-decoded once and twice, for the rules that look for what a later decoding
//! round eats), and the copies rules of several categories read (lowercase, `\` as `/`, SQL's
//! normalized copy, JavaScript-unescaped, the code rules' unescaped and blank-free copies): a
//! [`View`] makes each the first time a rule asks for it and hands every later rule the same
//! one, so no copy is made twice for a value and none is made for a value no rule asks it of.
//! (A value that is base64 of text is inspected decoded as a value of its own, with a view of
//! its own: `crate::screen`.)

use crate::detect::{Rule, ValueKind};
use std::cell::OnceCell;

/// A value being inspected: the raw bytes, its kind, the decoded value, and derived copies.
pub struct View<'a> {
    raw: &'a [u8],
    decoded: &'a [u8],
    kind: ValueKind,
    location: &'a str,
    shortcuts: bool,
    paranoia: u8,
    lower: OnceCell<String>,
    slashed: OnceCell<Vec<u8>>,
    sql: OnceCell<Vec<u8>>,
    js_lower: OnceCell<Vec<u8>>,
    squeezed: OnceCell<String>,
    /// `None`: no escape to undo (the same as [`View::lower`]).
    unescaped: OnceCell<Option<String>>,
    unescaped_squeezed: OnceCell<Option<String>>,
    /// `None`: no `%` to decode (the same as the value as sent, or the round before).
    percent_once: OnceCell<Option<Vec<u8>>>,
    percent_twice: OnceCell<Option<Vec<u8>>>,
    sql_words: OnceCell<crate::detect::sql_strict::Present>,
    rce_level1: OnceCell<Vec<Rule>>,
    gates: [OnceCell<bool>; Gate::COUNT],
}

/// A precheck several rules share (a group of rules that all need one of the same bytes or
/// words), decided once per value ([`View::gate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// [`crate::detect::sql`]'s clause rules.
    SqlClause,
    /// [`crate::detect::sql_strict`]'s grammar fragments.
    SqlStrict,
    /// [`crate::detect::sql_probe`]'s rules on the normalized copy.
    SqlProbe,
}

impl Gate {
    const COUNT: usize = 3;
}

impl<'a> View<'a> {
    /// `raw` as it came, `decoded` as [`crate::decode::decode_fully`] left it; `shortcuts`
    /// off makes every precheck pass (only to check that the prechecks change nothing). The
    /// policy's paranoia level is 1 ([`View::at_level`] sets another).
    pub fn with(raw: &'a [u8], decoded: &'a [u8], kind: ValueKind, shortcuts: bool) -> Self {
        View {
            raw,
            decoded,
            kind,
            location: "",
            shortcuts,
            paranoia: 1,
            lower: OnceCell::new(),
            slashed: OnceCell::new(),
            sql: OnceCell::new(),
            js_lower: OnceCell::new(),
            squeezed: OnceCell::new(),
            unescaped: OnceCell::new(),
            unescaped_squeezed: OnceCell::new(),
            percent_once: OnceCell::new(),
            percent_twice: OnceCell::new(),
            sql_words: OnceCell::new(),
            rce_level1: OnceCell::new(),
            gates: Default::default(),
        }
    }

    /// A decoded text value on its own (tests, and detectors called directly).
    pub fn of(decoded: &'a [u8]) -> Self {
        View::with(decoded, decoded, ValueKind::Text, true)
    }

    /// [`View::of`], under the name the command-injection code knows it by
    /// ([`crate::detect::Lowered`]).
    pub fn new(decoded: &'a [u8]) -> Self {
        View::of(decoded)
    }

    /// The same view under a policy of paranoia level `paranoia`.
    pub fn at_level(self, paranoia: u8) -> Self {
        View { paranoia, ..self }
    }

    /// The same view of a value found at `location` (`query:page`, `header:x-api`, `body:a.b`,
    /// with ` (base64)` after one inspected decoded).
    pub fn located(self, location: &'a str) -> Self {
        View { location, ..self }
    }

    /// Where the value was found ([`View::located`]; empty where no one said).
    pub fn location(&self) -> &'a str {
        self.location
    }

    /// Whether the value is a request header's own (a cookie's too), not a decoding of it.
    pub fn in_header(&self) -> bool {
        self.location.starts_with("header:") && !self.location.ends_with(')')
    }

    /// The name of the parameter or field whose value this is (`page` of `query:page`, `b` of
    /// `body:a.b`, `pwd` of `body:login@pwd`); `None` for a name, a header, the path or the
    /// body as a whole.
    pub fn parameter(&self) -> Option<&'a str> {
        if !matches!(self.kind, ValueKind::FormValue | ValueKind::Text) {
            return None;
        }
        let located = self
            .location
            .strip_suffix(" (base64)")
            .or_else(|| self.location.strip_suffix(" (jwt)"))
            .unwrap_or(self.location);
        let name = located
            .strip_prefix("query:")
            .or_else(|| located.strip_prefix("body:"))?;
        Some(name.rsplit(['.', '@']).next().unwrap_or(name))
    }

    /// The policy's paranoia level: a rule scored as an anomaly sum (`rce-001`'s line starts)
    /// has a lower threshold at level 2.
    pub fn paranoia(&self) -> u8 {
        self.paranoia
    }

    /// The value as it came, still encoded.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The decoded value.
    pub fn bytes(&self) -> &'a [u8] {
        self.decoded
    }

    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// The URL path (path rules read every segment as a request for that file).
    pub fn is_path(&self) -> bool {
        self.kind == ValueKind::Path
    }

    /// Whether the prechecks are on (always, but when checking that they change nothing).
    pub fn prechecks(&self) -> bool {
        self.shortcuts
    }

    /// The decoded value lowercase (ASCII letters lowered, invalid UTF-8 as U+FFFD).
    pub fn lower(&self) -> &str {
        self.lower
            .get_or_init(|| String::from_utf8_lossy(self.decoded).to_ascii_lowercase())
    }

    /// The decoded value lowercase with `\` read as `/` (Windows paths as URL paths), as the
    /// path rules match it.
    pub fn slashed(&self) -> &[u8] {
        self.slashed.get_or_init(|| {
            self.decoded
                .iter()
                .map(|b| match b {
                    b'\\' => b'/',
                    b => b.to_ascii_lowercase(),
                })
                .collect()
        })
    }

    /// SQL's normalized copy ([`crate::detect::sql::normalize`]: lowercase, comments as a
    /// blank, blank runs as one).
    pub fn sql(&self) -> &[u8] {
        self.sql
            .get_or_init(|| crate::detect::sql::normalize(self.decoded))
    }

    /// The value with JavaScript escapes undone, lowercase, as the XSS rules read it.
    pub fn js_lower(&self) -> &[u8] {
        self.js_lower.get_or_init(|| {
            let mut lower = crate::detect::xss::js_unescape(self.decoded);
            lower.make_ascii_lowercase();
            lower
        })
    }

    /// [`Self::lower`] without blanks (Unicode white space): code with blanks between its
    /// tokens as its parser reads it.
    pub fn squeezed(&self) -> &str {
        self.squeezed.get_or_init(|| without_blanks(self.lower()))
    }

    /// [`Self::lower`] with the escapes a language's parser undoes
    /// ([`crate::detect::more::unescape`]: `\u0063`, `\x63`, `&lbrace;`).
    pub fn unescaped(&self) -> &str {
        self.unescaped
            .get_or_init(|| match crate::detect::more::unescape(self.lower()) {
                std::borrow::Cow::Borrowed(_) => None,
                std::borrow::Cow::Owned(s) => Some(s),
            })
            .as_deref()
            .unwrap_or_else(|| self.lower())
    }

    /// [`Self::unescaped`] without blanks.
    pub fn unescaped_squeezed(&self) -> &str {
        let unescaped = self.unescaped();
        if std::ptr::eq(unescaped, self.lower()) {
            return self.squeezed();
        }
        self.unescaped_squeezed
            .get_or_init(|| Some(without_blanks(unescaped)))
            .as_deref()
            .unwrap_or_default()
    }

    /// The value as sent, percent-decoded once (`%uXXXX` too, `+` kept).
    pub fn percent_once(&self) -> &[u8] {
        self.percent_once
            .get_or_init(|| {
                self.raw
                    .contains(&b'%')
                    .then(|| crate::decode::percent_decode(self.raw, false))
            })
            .as_deref()
            .unwrap_or(self.raw)
    }

    /// The value as sent, percent-decoded twice.
    pub fn percent_twice(&self) -> &[u8] {
        let once = self.percent_once();
        self.percent_twice
            .get_or_init(|| {
                once.contains(&b'%')
                    .then(|| crate::decode::percent_decode(once, false))
            })
            .as_deref()
            .unwrap_or(once)
    }

    /// Whether the value passes the shared precheck `gate` (`decide`, run once per value; it
    /// always passes with the prechecks off).
    pub fn gate(&self, gate: Gate, decide: fn(&[u8]) -> bool) -> bool {
        if !self.shortcuts {
            return true;
        }
        match self.gates.get(gate as usize) {
            Some(cell) => *cell.get_or_init(|| decide(self.decoded)),
            None => decide(self.decoded),
        }
    }

    /// Which of the level-2 SQL words stand in the normalized copy ([`Self::sql`]).
    pub fn sql_words(&self) -> &crate::detect::sql_strict::Present {
        self.sql_words
            .get_or_init(|| crate::detect::sql_strict::Present::of(self.sql()))
    }

    /// The level-1 command-injection rules that match, found by `find` the first time a rule
    /// asks.
    pub fn rce_level1(&self, find: fn(&View) -> Vec<Rule>) -> &[Rule] {
        self.rce_level1.get_or_init(|| find(self))
    }
}

fn without_blanks(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
