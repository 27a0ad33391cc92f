//! Case-insensitive access to a request's headers as the proxy hands them over.
//!
//! Header values are bytes: HTTP allows obs-text, and a filter must not fail (or panic) on a
//! value that is not UTF-8. Names are compared ASCII-case-insensitively although Envoy already
//! lowercases them, so the pure code is correct for any host.

use std::borrow::Cow;

/// The request headers, in the order the proxy gave them; repeated names appear repeatedly.
///
/// Every name is kept in one string and every value in one byte buffer, each header a pair of
/// ranges into them: a request's headers are read into the list with three allocations, not two
/// per header. Equality is by the headers in order, not by how they are laid out.
#[derive(Clone, Default)]
pub struct HeaderList {
    names: String,
    values: Vec<u8>,
    entries: Vec<Entry>,
}

/// One header: where its name is in `names` and its value in `values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    name: (usize, usize),
    value: (usize, usize),
}

/// What a lookup of a header that must appear at most once found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SingleHeader<'a> {
    Absent,
    One(&'a [u8]),
    /// The header appeared more than once: ambiguous, and never guessed at.
    Repeated,
}

impl HeaderList {
    pub fn new(pairs: Vec<(String, Vec<u8>)>) -> Self {
        Self::from_pairs(&pairs)
    }

    /// An empty list with room for `headers` headers of `bytes` bytes of names and values.
    pub fn with_capacity(headers: usize, bytes: usize) -> Self {
        HeaderList {
            names: String::with_capacity(bytes / 4),
            values: Vec::with_capacity(bytes),
            entries: Vec::with_capacity(headers),
        }
    }

    /// Builds a list from string pairs; convenient in tests and tools.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<[u8]>>(pairs: &[(N, V)]) -> Self {
        let bytes = pairs
            .iter()
            .map(|(n, v)| n.as_ref().len() + v.as_ref().len())
            .sum();
        let mut list = HeaderList::with_capacity(pairs.len(), bytes);
        for (name, value) in pairs {
            list.push(name.as_ref(), value.as_ref());
        }
        list
    }

    /// Adds a header at the end.
    pub fn push(&mut self, name: &str, value: &[u8]) {
        let name_start = self.names.len();
        self.names.push_str(name);
        let value_start = self.values.len();
        self.values.extend_from_slice(value);
        self.entries.push(Entry {
            name: (name_start, self.names.len()),
            value: (value_start, self.values.len()),
        });
    }

    fn name_of(&self, entry: &Entry) -> &str {
        self.names
            .get(entry.name.0..entry.name.1)
            .unwrap_or_default()
    }

    /// Whether `entry` is named `name` (ASCII case ignored). Lookups run this on every header
    /// for every name a stage asks for: most names differ in length, which is checked first.
    fn is_named(names: &str, entry: &Entry, name: &str) -> bool {
        entry.name.1 - entry.name.0 == name.len()
            && names
                .as_bytes()
                .get(entry.name.0..entry.name.1)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    }

    fn value_of(&self, entry: &Entry) -> &[u8] {
        self.values
            .get(entry.value.0..entry.value.1)
            .unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .map(|e| (self.name_of(e), self.value_of(e)))
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.entries
            .iter()
            .filter(move |e| Self::is_named(&self.names, e, name))
            .map(|e| self.value_of(e))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.get_all(name).next()
    }

    /// The first value of `name` as text, if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The value of a header that must not be repeated.
    pub fn single(&self, name: &str) -> SingleHeader<'_> {
        let mut values = self.get_all(name);
        match (values.next(), values.next()) {
            (None, _) => SingleHeader::Absent,
            (Some(v), None) => SingleHeader::One(v),
            (Some(_), Some(_)) => SingleHeader::Repeated,
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Applies `edits` in order, as the proxy would one by one: `Remove` drops every value of
    /// the name; `Set` puts its value where the name first appeared (or at the end) and drops
    /// the other values. Lets a filter write a whole map back in one host call instead of one
    /// call per edit.
    pub fn apply(&mut self, edits: &[HeaderEdit<'_>]) {
        // Room for every edit up front: growing three buffers edit by edit costs more than
        // the edits.
        let added: usize = edits
            .iter()
            .map(|e| match e {
                HeaderEdit::Remove(_) => 0,
                HeaderEdit::Set(name, value) => name.len() + value.len(),
            })
            .sum();
        self.entries.reserve(edits.len());
        self.values.reserve(added);
        self.names.reserve(added.min(256));
        for edit in edits {
            match edit {
                HeaderEdit::Remove(name) => {
                    let names = &self.names;
                    self.entries.retain(|e| !Self::is_named(names, e, name));
                }
                HeaderEdit::Set(name, value) => {
                    // A replaced value stays in the buffer unreferenced: edits are few and
                    // the list lives for one request.
                    let value_start = self.values.len();
                    self.values.extend_from_slice(value.as_bytes());
                    let new_value = (value_start, self.values.len());
                    let names = &self.names;
                    let mut placed = false;
                    self.entries.retain_mut(|e| {
                        if !Self::is_named(names, e, name) {
                            return true;
                        }
                        if placed {
                            return false;
                        }
                        placed = true;
                        e.value = new_value;
                        true
                    });
                    if !placed {
                        let name_start = self.names.len();
                        self.names.push_str(name.as_ref());
                        self.entries.push(Entry {
                            name: (name_start, self.names.len()),
                            value: new_value,
                        });
                    }
                }
            }
        }
    }
}

impl PartialEq for HeaderList {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for HeaderList {}

impl std::fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(n, v)| (n, String::from_utf8_lossy(v).into_owned())),
            )
            .finish()
    }
}

/// A change to make to a header map (request or response) before the message moves on. Names
/// and values are borrowed where they can be (constants, the policy's own values): edits are
/// made on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderEdit<'a> {
    /// Remove every value of the header.
    Remove(Cow<'a, str>),
    /// Replace every value of the header with this one.
    Set(Cow<'a, str>, Cow<'a, str>),
}

/// An HTTP token (RFC 9110): method and header names, media type parts.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Trims optional whitespace (SP and HTAB) around a header value, as RFC 9110 allows.
pub fn trim_ows(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or_default()
}

/// A lossy, length-capped copy of a header value for logs: never more than `max` characters.
pub fn loggable(value: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(value);
    // At most `max` bytes is at most `max` characters: the common case, copied whole.
    if text.len() <= max {
        return text.into_owned();
    }
    match text.char_indices().nth(max) {
        Some((cut, _)) => {
            let mut out = text.get(..cut).unwrap_or_default().to_string();
            out.push('…');
            out
        }
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> HeaderList {
        HeaderList::from_pairs(&[
            ("Host", "a.example"),
            ("x-api-key", "k1"),
            ("X-Api-Key", "k2"),
            ("user-agent", "curl"),
        ])
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(list().get("HOST"), Some(&b"a.example"[..]));
        assert_eq!(list().get_str("User-Agent"), Some("curl"));
        assert!(list().get("missing").is_none());
    }

    #[test]
    fn single_detects_repeats() {
        assert_eq!(list().single("x-api-key"), SingleHeader::Repeated);
        assert_eq!(list().single("user-agent"), SingleHeader::One(b"curl"));
        assert_eq!(list().single("cookie"), SingleHeader::Absent);
    }

    #[test]
    fn non_utf8_values_are_kept_as_bytes() {
        let h = HeaderList::from_pairs(&[("x", &[0xffu8, 0x41][..])]);
        assert_eq!(h.get("x"), Some(&[0xffu8, 0x41][..]));
        assert_eq!(h.get_str("x"), None);
    }

    #[test]
    fn edits_apply_in_order_like_the_proxy() {
        let mut h = list();
        h.apply(&[
            HeaderEdit::Remove("X-API-KEY".into()),
            HeaderEdit::Set("host".into(), "b.example".into()),
            HeaderEdit::Set("vary".into(), "Origin".into()),
            HeaderEdit::Set("vary".into(), "Origin, Accept".into()),
        ]);
        assert_eq!(
            h,
            HeaderList::from_pairs(&[
                ("Host", "b.example"),
                ("user-agent", "curl"),
                ("vary", "Origin, Accept"),
            ])
        );
    }

    #[test]
    fn set_replaces_every_value_at_the_first_place() {
        let mut h = list();
        h.apply(&[HeaderEdit::Set("x-api-key".into(), "k3".into())]);
        assert_eq!(
            h,
            HeaderList::from_pairs(&[
                ("Host", "a.example"),
                ("x-api-key", "k3"),
                ("user-agent", "curl"),
            ])
        );
    }

    #[test]
    fn equality_is_by_headers_not_layout() {
        let mut edited = HeaderList::from_pairs(&[("a", "1"), ("b", "old")]);
        edited.apply(&[HeaderEdit::Set("b".into(), "2".into())]);
        assert_eq!(edited, HeaderList::from_pairs(&[("a", "1"), ("b", "2")]));
        assert_ne!(edited, HeaderList::from_pairs(&[("b", "2"), ("a", "1")]));
        assert_ne!(edited, HeaderList::from_pairs(&[("a", "1")]));
        assert_eq!(HeaderList::default(), HeaderList::with_capacity(4, 64));
    }

    #[test]
    fn trims_only_sp_and_htab() {
        assert_eq!(trim_ows(b" \t key \t"), b"key");
        assert_eq!(trim_ows(b"   "), b"");
        assert_eq!(trim_ows(b""), b"");
        assert_eq!(trim_ows(b"\x0bkey"), b"\x0bkey");
    }

    #[test]
    fn loggable_caps_length() {
        assert_eq!(loggable(b"abcdef", 3), "abc…");
        assert_eq!(loggable(b"abc", 3), "abc");
        assert_eq!(loggable(&[0xff], 3), "\u{fffd}");
        // Characters, not bytes: six bytes of three characters fit in three.
        assert_eq!(loggable("ééé".as_bytes(), 3), "ééé");
        assert_eq!(loggable("éééé".as_bytes(), 3), "ééé…");
        assert_eq!(loggable("abcé".as_bytes(), 4), "abcé");
    }
}
