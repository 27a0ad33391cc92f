//! The rules of the categories beyond SQL injection, XSS, command injection and traversal
//! (CRLF, template injection, JNDI lookups, server-side includes, LDAP filters, code injection
//! in PHP, Java, Python, Node.js and Ruby, deserialisation, remote file inclusion) share: the
//! scanning helpers their checks use (whole words, calls, escapes undone) and the helpers of
//! their unit tests. Each category's module owns its rule table (engine rows, each a pure
//! function of the decoded value and its lowercase copy, with its anchors), and
//! `filters/screen/cases/<category>.txt` their attacks and look-alikes.
//!
//! Every rule here has anchors ([`crate::engine::Anchor`]): a byte or piece each of its
//! matches holds (`(`, `{`, `$`, `://`, `java.`, `__proto__`, `ro0ab…`), so that the engine
//! runs it only where one stands (a test runs each rule's attack cases through its anchors).

#[cfg(test)]
use crate::engine::{RuleDef, View};
use aho_corasick::AhoCorasick;
use std::sync::{Arc, Mutex, PoisonError};

/// Whether `b` may be part of an identifier.
pub(crate) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The starts of `word` in `text` not glued to an identifier byte before it.
pub(crate) fn starts_of<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let bytes = text.as_bytes();
    text.match_indices(word).filter_map(move |(i, _)| {
        let before = i.checked_sub(1).and_then(|p| bytes.get(p)).copied();
        (!before.is_some_and(is_ident)).then_some(i)
    })
}

/// Whether `word` occurs in `text` as a whole identifier.
pub(crate) fn has_word(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    starts_of(text, word).any(|i| !bytes.get(i + word.len()).copied().is_some_and(is_ident))
}

/// `text` from `i` with blanks (spaces, tabs, line breaks) skipped.
pub(crate) fn skip_blanks(text: &str, i: usize) -> &str {
    text.get(i..)
        .unwrap_or_default()
        .trim_start_matches([' ', '\t', '\r', '\n', '\x0b', '\x0c'])
}

/// Whether some `name` in `names` (a whole identifier, or with `glued` also the end of a
/// longer one: `FOOcall_user_func`) is followed (blanks, line breaks and comments allowed
/// between) by `(`; `arg` then judges what follows the `(`.
///
/// The names are found by one automaton pass ([`names_matcher`]), not a search per name: each
/// occurrence as a search for that name alone finds them (left to right, each after the
/// previous one's end).
pub(crate) fn call_of(
    text: &str,
    names: &'static [&'static str],
    glued: bool,
    arg: fn(&str) -> bool,
) -> bool {
    let bytes = text.as_bytes();
    let is_call = |i: usize, end: usize| {
        if !glued && i.checked_sub(1).and_then(|p| bytes.get(p)).copied().is_some_and(is_ident) {
            return false;
        }
        if bytes.get(end).copied().is_some_and(is_ident) {
            return false;
        }
        let mut rest = skip_blanks(text, end);
        // `eval/**/(`, `exec #x\n(`, `exec //x\n(`: comments where a blank would be.
        loop {
            if let Some(after) = rest.strip_prefix("/*") {
                rest = after
                    .find("*/")
                    .map_or("", |e| after.get(e + 2..).unwrap_or(""));
            } else if let Some(after) =
                rest.strip_prefix("//").or_else(|| rest.strip_prefix('#'))
            {
                rest = after
                    .find('\n')
                    .map_or("", |e| after.get(e + 1..).unwrap_or(""));
            } else {
                break;
            }
            rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        rest.strip_prefix('(').is_some_and(arg)
    };
    match names_matcher(names) {
        Some(matcher) => {
            let mut searched_to = vec![0usize; names.len()];
            matcher.find_overlapping_iter(text).any(|m| {
                let Some(end) = searched_to
                    .get_mut(m.pattern().as_usize())
                    .filter(|end| m.start() >= **end)
                else {
                    return false;
                };
                *end = m.end();
                is_call(m.start(), m.end())
            })
        }
        None => names
            .iter()
            .any(|name| text.match_indices(name).any(|(i, _)| is_call(i, i + name.len()))),
    }
}

/// The automaton for a list of names, built the first time the list is looked for (a list is
/// a constant: its place and length name it). `None` if it could not be built (a search per
/// name then).
fn names_matcher(names: &'static [&'static str]) -> Option<Arc<AhoCorasick>> {
    static BUILT: Mutex<Vec<(usize, usize, Arc<AhoCorasick>)>> = Mutex::new(Vec::new());
    let key = (names.as_ptr() as usize, names.len());
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, m)) = built.iter().find(|(p, l, _)| (*p, *l) == key) {
        return Some(Arc::clone(m));
    }
    let matcher = Arc::new(AhoCorasick::new(names).ok()?);
    built.push((key.0, key.1, Arc::clone(&matcher)));
    Some(matcher)
}

/// `lower` with the escapes a language's parser undoes before a lookup or an evaluation:
/// JavaScript and Java `\uXXXX` and `\xHH` (`c\u006fnsole`, `$\u007b`), and the HTML
/// references of braces the decoder leaves (`&lbrace;`, `&lcub;`, also without `;`). Borrowed
/// when there is none.
pub(crate) fn unescape(lower: &str) -> std::borrow::Cow<'_, str> {
    if !lower.contains("\\u")
        && !lower.contains("\\x")
        && !lower.contains("&l")
        && !lower.contains("&r")
    {
        return std::borrow::Cow::Borrowed(lower);
    }
    let mut out = String::with_capacity(lower.len());
    let mut rest = lower;
    while let Some(c) = rest.chars().next() {
        let hex = |digits: usize| {
            rest.get(2..2 + digits)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
        };
        let (decoded, len) = match (c, rest.as_bytes().get(1)) {
            ('\\', Some(b'u')) => (hex(4), 6),
            ('\\', Some(b'x')) => (hex(2), 4),
            ('&', _) => {
                let named = [
                    ("&lbrace", '{'),
                    ("&lcub", '{'),
                    ("&rbrace", '}'),
                    ("&rcub", '}'),
                ];
                match named.iter().find(|(n, _)| rest.starts_with(n)) {
                    Some((n, ch)) => (
                        Some(*ch),
                        n.len() + usize::from(rest.as_bytes().get(n.len()) == Some(&b';')),
                    ),
                    None => (None, 0),
                }
            }
            _ => (None, 0),
        };
        match decoded {
            Some(ch) => {
                out.extend(ch.to_lowercase());
                rest = rest.get(len..).unwrap_or_default();
            }
            None => {
                out.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or_default();
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// An argument only code passes: a quoted string, a variable, a backtick command, a nested
/// call or nothing (`()`), or the value ending at the `(`.
pub(crate) fn code_argument(after_paren: &str) -> bool {
    let arg = after_paren.trim_start_matches([' ', '\t', '\r', '\n']);
    arg.is_empty()
        || arg.starts_with(['\'', '"', '$', '`', ')', '@'])
        || arg
            .find(['(', ')', ' ', ','])
            .is_some_and(|p| arg.as_bytes().get(p) == Some(&b'('))
}

#[cfg(test)]
pub(crate) mod cases {
    //! Helpers for each category's case tables.
    use super::*;
    use crate::detect::{inspect, Enabled, ValueKind};
    use crate::engine::anchor::naive;

    /// The rule ids of `table` that fire on `value` (a text value) at level 2, with its anchors.
    pub fn fired(table: &[RuleDef], value: &str) -> Vec<&'static str> {
        let view = View::of(value.as_bytes()).at_level(2);
        table
            .iter()
            .filter(|d| {
                (d.anchors.is_empty() || naive::holds_any(d.anchors, &view)) && (d.check)(&view)
            })
            .map(|d| d.rule.id)
            .collect()
    }

    /// Each `(value, rule id)` attack fires that rule with its anchors, and is found through
    /// [`inspect`] at the rule's level.
    pub fn attacks(table: &[RuleDef], rows: &[(&str, &str)]) {
        for (value, id) in rows {
            let ids = fired(table, value);
            assert!(ids.contains(id), "{value:?}: {ids:?}, wanted {id}");
            let rule = crate::detect::rule(id).expect("listed rule");
            let enabled = Enabled::all_at(rule.paranoia);
            let found = inspect(value.as_bytes(), ValueKind::Text, "body:x", enabled);
            assert!(
                found.iter().any(|f| f.rule.category == rule.category),
                "{value:?}: inspect found {found:?}"
            );
        }
    }

    /// No rule of `table` up to `level` fires on any of `values` (text values).
    pub fn benign(table: &[RuleDef], level: u8, values: &[&str]) {
        for value in values {
            let view = View::of(value.as_bytes()).at_level(level);
            let hits: Vec<_> = table
                .iter()
                .filter(|d| d.rule.paranoia <= level && (d.check)(&view))
                .map(|d| d.rule.id)
                .collect();
            assert!(hits.is_empty(), "{value:?} flagged by {hits:?}");
        }
    }
}
