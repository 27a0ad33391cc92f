//! Case-insensitive access to a request's headers as the proxy hands them over.
//!
//! Header values are bytes: HTTP allows obs-text, and a filter must not fail (or panic) on a
//! value that is not UTF-8. Names are compared ASCII-case-insensitively although Envoy already
//! lowercases them, so the pure code is correct for any host.

/// The request headers, in the order the proxy gave them; repeated names appear repeatedly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList(Vec<(String, Vec<u8>)>);

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
        HeaderList(pairs)
    }

    /// Builds a list from string pairs; convenient in tests and tools.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<[u8]>>(pairs: &[(N, V)]) -> Self {
        HeaderList(
            pairs
                .iter()
                .map(|(n, v)| (n.as_ref().to_string(), v.as_ref().to_vec()))
                .collect(),
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
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
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Applies `edits` in order, as the proxy would one by one: `Remove` drops every value of
    /// the name; `Set` puts its value where the name first appeared (or at the end) and drops
    /// the other values. Lets a filter write a whole map back in one host call instead of one
    /// call per edit.
    pub fn apply(&mut self, edits: &[HeaderEdit]) {
        for edit in edits {
            match edit {
                HeaderEdit::Remove(name) => self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name)),
                HeaderEdit::Set(name, value) => {
                    let mut placed = false;
                    self.0.retain_mut(|(n, v)| {
                        if !n.eq_ignore_ascii_case(name) {
                            return true;
                        }
                        if placed {
                            return false;
                        }
                        placed = true;
                        *v = value.as_bytes().to_vec();
                        true
                    });
                    if !placed {
                        self.0.push((name.clone(), value.as_bytes().to_vec()));
                    }
                }
            }
        }
    }
}

/// A change to make to a header map (request or response) before the message moves on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderEdit {
    /// Remove every value of the header.
    Remove(String),
    /// Replace every value of the header with this one.
    Set(String, String),
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
