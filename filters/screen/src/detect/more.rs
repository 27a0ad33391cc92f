//! The scanning helpers the rules of the categories beyond SQL injection, XSS, command injection
//! and traversal share (CRLF, template injection, JNDI lookups, server-side includes, LDAP
//! filters, code injection in PHP, Java, Python, Node.js and Ruby, deserialisation, remote file
//! inclusion): whole words and their starts, calls and what stands around them (blanks,
//! comments, bracket groups), runs of characters, text up to a delimiter, escapes undone, an
//! uploaded file's extension. Each category's module owns its rule table (engine rows, each a
//! pure function of the value as the engine views it, with its anchors), and
//! `filters/screen/cases/<category>.txt` their attacks and look-alikes.
//!
//! Every rule here has anchors ([`crate::engine::Anchor`]): a byte or piece each of its
//! matches holds (`(`, `{`, `$`, `://`, `java.`, `__proto__`, `ro0ab…`, an uploaded file's
//! extension), so that the engine runs it only where one stands (the case test runs every
//! attack with the shortcuts on and off).

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

/// `text` without its white space (code reads the same so: `eval ( compile (`).
pub(crate) fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// How many bytes at `text`'s start are characters `part` accepts.
pub(crate) fn run_len(text: &str, part: impl Fn(char) -> bool) -> usize {
    text.len() - text.trim_start_matches(part).len()
}

/// The name that ends at `i` of `text`, blanks before `i` skipped (`array_diff` of
/// `array_diff (` at the `(`), made of the characters `part` accepts, and where it starts.
pub(crate) fn name_before(text: &str, i: usize, part: impl Fn(char) -> bool) -> (usize, &str) {
    let before = text.get(..i).unwrap_or_default().trim_end();
    let start = before.rfind(|c: char| !part(c)).map_or(0, |p| p + 1);
    (start, before.get(start..).unwrap_or_default())
}

/// `text` up to the first `end` (`x` of `x}}y` for `}}`), or `None` where no `end` closes it.
pub(crate) fn up_to<'a>(text: &'a str, end: &str) -> Option<&'a str> {
    text.find(end).and_then(|e| text.get(..e))
}

/// `code` without its `/* … */` comments, each made one blank (`blank`) or dropped.
pub(crate) fn strip_comments(code: &str, blank: bool) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after
                .find("*/")
                .map_or("", |e| after.get(e + 2..).unwrap_or(""));
            if blank {
                out.push(' ');
            }
        } else {
            out.push(c);
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
    }
    out
}

/// `text` with leading blanks (line breaks too) and code comments skipped: `/* … */`, and
/// `// …` or `# …` to the end of their line (to the end of `text` where no line break ends
/// them, so that nothing follows).
pub(crate) fn skip_trivia(text: &str) -> &str {
    let mut rest = text.trim_start_matches([' ', '\t', '\r', '\n', '\x0b', '\x0c']);
    loop {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after
                .find("*/")
                .map_or("", |e| after.get(e + 2..).unwrap_or(""));
        } else if let Some(after) = rest.strip_prefix("//").or_else(|| rest.strip_prefix('#')) {
            rest = after
                .find('\n')
                .map_or("", |e| after.get(e + 1..).unwrap_or(""));
        } else {
            return rest;
        }
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n', '\x0b', '\x0c']);
    }
}

/// The text after the bracket group `text` starts with (`[…]`, `{…}` or `(…)`, nested groups
/// of the same bracket counted), and what the group holds; `None` where `text` does not start
/// with one or it is not closed.
pub(crate) fn bracket_group(text: &str) -> Option<(&str, &str)> {
    let open = text.bytes().next()?;
    let close = match open {
        b'[' => b']',
        b'{' => b'}',
        b'(' => b')',
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some((text.get(i + 1..)?, text.get(1..i)?));
            }
        }
    }
    None
}

/// A call found in text: what stands between the name and its `(` (blanks, comments), and
/// what follows the `(`.
pub(crate) struct Call<'a> {
    pub gap: &'a str,
    pub args: &'a str,
}

impl Call<'_> {
    /// Whether the gap holds a comment, which only code puts before a call's `(`.
    pub fn commented(&self) -> bool {
        self.gap.contains(['#', '/'])
    }
}

/// The calls of `name` in `text` (a whole identifier, or with `glued` also the end of a
/// longer one: `FOOcall_user_func`): the name, blanks, line breaks and comments, then `(`.
pub(crate) fn calls<'a>(
    text: &'a str,
    name: &'a str,
    glued: bool,
) -> impl Iterator<Item = Call<'a>> {
    text.match_indices(name)
        .filter_map(move |(i, _)| call_at(text, i, i + name.len(), glued))
}

/// The call of the name at `start..end` of `text`, if it is one (see [`calls`]).
fn call_at(text: &str, start: usize, end: usize, glued: bool) -> Option<Call<'_>> {
    let bytes = text.as_bytes();
    let before = start.checked_sub(1).and_then(|p| bytes.get(p)).copied();
    if (!glued && before.is_some_and(is_ident)) || bytes.get(end).copied().is_some_and(is_ident) {
        return None;
    }
    let after = text.get(end..)?;
    let rest = skip_trivia(after);
    let args = rest.strip_prefix('(')?;
    Some(Call {
        gap: after.get(..after.len() - rest.len())?,
        args,
    })
}

/// Whether some `name` in `names` (see [`calls`]) is called; `arg` judges what follows the
/// `(`.
///
/// The names are found by one automaton pass ([`names_matcher`]), not a search per name: each
/// name's occurrences as a search for that name alone finds them (left to right, each after
/// the previous one's end).
pub(crate) fn call_of(
    text: &str,
    names: &'static [&'static str],
    glued: bool,
    arg: fn(&str) -> bool,
) -> bool {
    let Some(matcher) = names_matcher(names) else {
        return names
            .iter()
            .any(|name| calls(text, name, glued).any(|c| arg(c.args)));
    };
    let mut searched_to = vec![0usize; names.len()];
    matcher.find_overlapping_iter(text).any(|m| {
        let Some(end) = searched_to
            .get_mut(m.pattern().as_usize())
            .filter(|end| m.start() >= **end)
        else {
            return false;
        };
        *end = m.end();
        call_at(text, m.start(), m.end(), glued).is_some_and(|c| arg(c.args))
    })
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

/// The extension of an uploaded file's name as a server stores it: lowercase, after the last
/// dot, with the dots and blanks a file system drops at the end and blanks after the dot
/// removed (`shell.php..`, `photo. php`, `shell.jsp  ` all end in their script's extension).
pub(crate) fn upload_extension(name: &str) -> Option<String> {
    let name = name.trim_end_matches(['.', ' ', '\t']);
    let (_, extension) = name.rsplit_once('.')?;
    let extension = extension.trim_start_matches([' ', '\t']);
    (!extension.is_empty()).then(|| extension.to_ascii_lowercase())
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
mod tests {
    use super::*;

    /// The automaton finds the calls a search per name finds, on texts of names glued,
    /// overlapping and repeated, with what may stand before a `(`.
    #[test]
    fn call_of_finds_what_a_search_per_name_finds() {
        const NAMES: &[&str] = &[
            "exec", "execute", "system", "sys", "tem", "eval", "al", "xx",
        ];
        const PIECES: &[&str] = &[
            "exec", "execute", "system", "sys", "tem", "eval", "al", "x", "_", " ", "(", ")",
            "/*c*/", "#c\n", "'", ".",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + seed % 9 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            for glued in [false, true] {
                for arg in [(|_| true) as fn(&str) -> bool, |a| a.starts_with('\'')] {
                    let per_name = NAMES
                        .iter()
                        .any(|name| calls(&text, name, glued).any(|c| arg(c.args)));
                    assert_eq!(call_of(&text, NAMES, glued, arg), per_name, "{text:?}");
                }
            }
        }
    }
}
