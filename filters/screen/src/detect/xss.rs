//! XSS: libinjection's HTML5 tokenizer, plus the script-capable constructs it does not flag on
//! their own (an event handler injected into an attribute, a `javascript:` URL, a bare script
//! call), checked on a lowercased copy with the whitespace and control bytes browsers ignore
//! inside a scheme removed.

use super::words::word_list;
use super::xss_strict;
#[cfg(test)]
use super::Rule;
use super::{
    XSS_COMMENT_BREAKOUT, XSS_DATA_URI, XSS_ENTITY_DECLARATION, XSS_FILTER_BREAKOUT,
    XSS_JSFUCK_ATOM, XSS_LIBINJECTION, XSS_SCRIPT_CONTEXT, XSS_URL_ATTRIBUTE,
};
use crate::engine::anchor::OUTSIDE_PLAIN_TEXT;
use crate::engine::Anchor::{self, Byte, Piece, Squeezed};
use crate::engine::{RuleDef, View};
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

mod js_call;

word_list! {
    /// Tags that run script or load active content.
    TAGS = "xss-tags"
}

word_list! {
    /// URL schemes and CSS constructs that run script.
    ACTIVE = "xss-active-schemes"
}

word_list! {
    /// Script sinks and calls typical of payloads.
    CALLS = "xss-calls"
}

word_list! {
    /// DOM event handler attribute names (without `on`).
    EVENTS = "xss-events"
}

/// The XSS rules, in the order they name a finding: libinjection's HTML5 tokenizer, then
/// script-capable markup it lets pass; at level 2 markup breakouts prose also has, then
/// [`super::xss_strict`]'s. Plain text triggers none of them (each needs `<`, `=`, `(`, a
/// script word or a byte outside the plain set).
pub const TABLE: &[RuleDef] = &[
    // libinjection's tokenizer starts a context only at a `<` or a `=` ([`libinjection_possible`]).
    RuleDef::always(XSS_LIBINJECTION, |v| {
        libinjectionrs::detect_xss(v.bytes()).is_injection()
    })
    .anchored(&[Piece("<"), Piece("=")]),
    RuleDef::always(XSS_SCRIPT_CONTEXT, script_context).anchored(SCRIPT_CONTEXT_ANCHORS),
    // A value that starts with `-->`, or a `<`.
    RuleDef::always(XSS_COMMENT_BREAKOUT, markup_breakout).anchored(&[Piece("-->"), Piece("<")]),
    // `xss-004` and `xss-008` need a `=`, `xss-005` a `:`, `xss-006` and `xss-007` a `!`;
    // `\u003d` and the like spell them too: the escapes' backslash lets those through.
    RuleDef::always(XSS_URL_ATTRIBUTE, |v| {
        xss_strict::has_url_attribute(v.js_lower())
    })
    .anchored(STRICT_ANCHORS),
    RuleDef::always(XSS_DATA_URI, |v| {
        xss_strict::has_markup_data_uri(v.js_lower())
    })
    .anchored(STRICT_ANCHORS),
    RuleDef::always(XSS_JSFUCK_ATOM, |v| {
        xss_strict::has_jsfuck_atom(v.js_lower())
    })
    .anchored(STRICT_ANCHORS),
    RuleDef::always(XSS_ENTITY_DECLARATION, |v| {
        xss_strict::has_external_entity(v.js_lower())
    })
    .anchored(STRICT_ANCHORS),
    RuleDef::always(XSS_FILTER_BREAKOUT, |v| {
        xss_strict::has_filter_breakout(v.js_lower())
    })
    .anchored(STRICT_ANCHORS),
];

/// What each of [`super::xss_strict`]'s rules needs (one of them).
const STRICT_ANCHORS: &[Anchor] = &[Piece("="), Piece(":"), Piece("!"), Piece("\\")];

/// What `xss-002` ([`script_context`]) needs: a byte plain text lacks (every tag's `<`, an
/// event handler's `=`, JSFuck's `[`, a JavaScript escape's backslash, a comment's `/`, a
/// control byte, a high-bit byte), or one of the patterns made of letters and `:.-@` alone, as
/// they stand with blanks removed (a unit test checks that every pattern of [`TAGS`],
/// [`ACTIVE`] and [`CALLS`] is one or has such a byte).
const SCRIPT_CONTEXT_ANCHORS: &[Anchor] = &[
    Byte(OUTSIDE_PLAIN_TEXT),
    Squeezed(":vmlframe"),
    Squeezed("javascript:"),
    Squeezed("vbscript:"),
    Squeezed("livescript:"),
    Squeezed("-moz-binding"),
    Squeezed("@import"),
    Squeezed("document.cookie"),
    Squeezed("document.domain"),
    Squeezed("document.write"),
    Squeezed("window.location"),
    Squeezed("document.body"),
    Squeezed("document.queryselector"),
    Squeezed(".innerhtml"),
];

/// The first level-1 XSS rule that matches a decoded value.
#[cfg(test)]
pub fn detect(decoded: &[u8]) -> Vec<Rule> {
    detect_with(decoded, true)
}

/// [`detect`], with its prechecks on or off (off only to check that they change nothing).
#[cfg(test)]
pub fn detect_with(decoded: &[u8], prechecks: bool) -> Vec<Rule> {
    let v = View::with(decoded, decoded, crate::detect::ValueKind::Text, prechecks);
    crate::engine::matching(TABLE, 1, &v)
        .into_iter()
        .take(1)
        .collect()
}

/// The level-2 XSS rule of this module that matches a decoded value.
#[cfg(test)]
pub fn detect_level2(decoded: &[u8], prechecks: bool) -> Vec<Rule> {
    let v = View::with(decoded, decoded, crate::detect::ValueKind::Text, prechecks);
    crate::engine::matching(TABLE, 2, &v)
        .into_iter()
        .filter(|r| *r == XSS_COMMENT_BREAKOUT)
        .collect()
}

/// `xss-002`: script-capable markup libinjection lets pass.
///
/// The prechecks skip a check whose every match needs a byte `lower` lacks. `lower` is the
/// value JS-unescaped and lowercased; the copies made from it (comments stripped, blanks
/// squeezed, blanks between letters joined) only remove bytes, so a byte they hold is in
/// `lower` too. Every [`TAGS`] entry starts with `<`, but for `:vmlframe`, whose `:v` the
/// letter-joined copy cannot have made (it removes only blanks between two letters, and `:` is
/// none), so `lower` holds `:v` itself (URLs have `:`, seldom `:v`); every event handler
/// ([`has_event_handler`]) ends in `=`; JSFuck ([`has_jsfuck`]) needs `[`.
fn script_context(v: &View) -> bool {
    let decoded = v.bytes();
    let prechecks = v.prechecks();
    let lower = v.js_lower();
    let has = |b: u8| !prechecks || lower.contains(&b);
    // Blanks, control bytes and JS comments are ignored inside script: `document /*x*/ .cookie`.
    let (squeezed, after_gap) = squeeze(&strip_js_comments(lower));
    let (tags, squeezed_patterns) = matchers();
    // Tags are matched with blanks between letters removed too: `<f o r m` is a form to some
    // parsers (but `< math` stays text).
    let tag_possible = !prechecks || lower.contains(&b'<') || lower.windows(2).any(|w| w == b":v");
    tag_possible && tags.is_some_and(|m| m.is_match(lower) || m.is_match(&join_letters(lower)))
        || squeezed_patterns.is_some_and(|m| {
            m.find_overlapping_iter(&squeezed).any(|hit| {
                !glued_to_identifier(&squeezed, &after_gap, hit.start())
                    && !prose_aside(&squeezed, &after_gap, hit.end())
            })
        })
        || (has(b'(') || has(b'`') || has(b'='))
            && js_call::has_indirect_sink_call(&squeezed, &after_gap)
        || has(b'[') && has_jsfuck(&squeezed)
        || has(b'=') && has_event_handler(lower)
        || tag_possible && (has_prefixed_tag(lower, false) || has_import_tag(lower))
        || has_high_bit_tag(decoded, lower, prechecks)
}

/// `xss-003`, level 2: markup breakouts prose also has. A value that starts by closing an
/// HTML comment (`-->`, to escape from one a page echoes it into; also an arrow in prose),
/// and a script-capable tag behind a namespace prefix with blanks (`< x: script`; also a
/// comparison, `if a < b: script.run()`). Every match of the second holds `<`.
fn markup_breakout(v: &View) -> bool {
    let decoded = v.bytes();
    let closes_comment = decoded
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\''))
        .and_then(|start| decoded.get(start..))
        .is_some_and(|rest| rest.starts_with(b"-->"));
    closes_comment
        || (!v.prechecks() || decoded.contains(&b'<')) && has_prefixed_tag(v.js_lower(), true)
}

/// A script-capable tag ([`TAGS`]) behind a namespace prefix: `<x:script`, `<svg:script`,
/// `<x: script` (XML parsers and old IE read the prefix as a namespace). `blanks`: also with
/// blanks after the `<` (`< x: script`), which a comparison in prose or code also has.
fn has_prefixed_tag(lower: &[u8], blanks: bool) -> bool {
    lower.iter().enumerate().any(|(i, &b)| {
        if b != b'<' {
            return false;
        }
        let mut rest = lower.get(i + 1..).unwrap_or_default();
        let lead = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if lead > 0 && !blanks {
            return false;
        }
        rest = rest.get(lead..).unwrap_or_default();
        let prefix = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if prefix == 0 || rest.get(prefix) != Some(&b':') {
            return false;
        }
        rest = rest.get(prefix + 1..).unwrap_or_default();
        rest = rest
            .get(rest.iter().take_while(|c| c.is_ascii_whitespace()).count()..)
            .unwrap_or_default();
        TAGS.iter().any(|tag| {
            tag.as_bytes().strip_prefix(b"<").is_some_and(|name| {
                rest.starts_with(name)
                    && !rest
                        .get(name.len())
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b':')
            })
        })
    })
}

/// IE's `<import implementation="x.htc">`, which loads a behaviour (script) into the page:
/// `<import` followed by a blank, `>`, `/` or the attribute itself (`<importimplementation=`).
fn has_import_tag(lower: &[u8]) -> bool {
    lower.windows(7).enumerate().any(|(i, w)| {
        w == b"<import"
            && lower.get(i + 7..).is_some_and(|r| {
                r.is_empty()
                    || r.starts_with(b"implementation")
                    || r.first()
                        .is_some_and(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
            })
    })
}

/// A tag written with the high bit set, `\xbcscript\xbe` (US-ASCII read as 7 bits turns
/// 0xBC into `<` and 0xBE into `>`): as the escapes spelled out, or as the raw bytes where they
/// are not part of a UTF-8 character (`¼` and `¾` in text are `C2 BC`, `C2 BE`).
fn has_high_bit_tag(decoded: &[u8], lower: &[u8], prechecks: bool) -> bool {
    let spelled = (!prechecks || lower.windows(4).any(|w| w == b"\\xbc"))
        && lower.windows(4).enumerate().any(|(i, w)| {
            w == b"\\xbc" && {
                let rest = lower.get(i + 4..).unwrap_or_default();
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                let name = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                (1..=10).contains(&name)
                    && rest.get(name..).is_some_and(|r| r.starts_with(b"\\xbe"))
            }
        });
    let raw = (!prechecks || decoded.contains(&0xBC))
        && decoded.iter().enumerate().any(|(i, &b)| {
            b == 0xBC && (i == 0 || decoded.get(i - 1).is_some_and(u8::is_ascii)) && {
                let rest = decoded.get(i + 1..).unwrap_or_default();
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                let name = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                (1..=10).contains(&name) && rest.get(name) == Some(&0xBE)
            }
        });
    spelled || raw
}

/// Whether libinjection's XSS check can flag `decoded` at all: only with a `<` or a `=` in it.
///
/// Why (read from `libinjectionrs` 0.1.1, `src/xss/detector.rs` and `src/xss/html5.rs`; check
/// again when upgrading it): `is_xss` flags only four kinds of token in any of its five parse
/// contexts. A doctype, an opening tag name and a comment come only from the states behind
/// `state_tag_open`, which `state_data` enters on a `<` and nothing else enters. The fourth is
/// an attribute value right after a black attribute name (its `attr` is reset by every other
/// token), and after an attribute name the tokenizer reaches a value only through
/// `state_before_attribute_value`, entered on a `=` alone; the values a context starts inside
/// come first, with no name before them. The unit tests keep payloads at this edge; the
/// evaluation's `--check-shortcut` runs libinjection on every corpus value without it.
#[cfg(test)]
fn libinjection_possible(decoded: &[u8]) -> bool {
    decoded.iter().any(|b| matches!(b, b'<' | b'='))
}

/// One automaton for the tags (matched on the lowercase text) and one for the schemes and
/// sinks (matched with blanks and comments removed), built once: a single pass each instead
/// of one scan per pattern. `None` only if building failed, which the unit tests rule out.
fn matchers() -> (Option<&'static AhoCorasick>, Option<&'static AhoCorasick>) {
    static TAG_MATCHER: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    static SQUEEZED_MATCHER: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let tags = TAG_MATCHER.get_or_init(|| AhoCorasick::new(TAGS).ok());
    let squeezed =
        SQUEEZED_MATCHER.get_or_init(|| AhoCorasick::new(ACTIVE.iter().chain(CALLS.iter())).ok());
    (tags.as_ref(), squeezed.as_ref())
}

/// `text` without blanks and control bytes, and for each byte kept whether some were removed
/// right before it.
fn squeeze(text: &[u8]) -> (Vec<u8>, Vec<bool>) {
    let mut squeezed = Vec::with_capacity(text.len());
    let mut after_gap = Vec::with_capacity(text.len());
    let mut gap = false;
    for &b in text {
        if b.is_ascii_whitespace() || b < 0x20 {
            gap = true;
        } else {
            squeezed.push(b);
            after_gap.push(gap);
            gap = false;
        }
    }
    (squeezed, after_gap)
}

/// A name like `alert(` or `eval(` matched inside a longer identifier (`1alert(1)`,
/// `medieval(`) is another name: JavaScript reads `1alert` as a syntax error and `xalert` as a
/// different function. Only names that start with a letter can be glued; a blank or comment
/// between (`void alert(1)`) separates them, and so does an escape left undecoded
/// (`\xbealert(`, `%uff1ealert(`: the escape stands for one character, often a `>` with its
/// high bit set, and ends in a hex digit that is no part of the name).
fn glued_to_identifier(squeezed: &[u8], after_gap: &[bool], start: usize) -> bool {
    let Some(prev) = start.checked_sub(1).and_then(|p| squeezed.get(p)) else {
        return false;
    };
    let before = squeezed.get(..start).unwrap_or_default();
    let escape_ends = |prefix: &[u8], digits: usize| {
        before.len() >= prefix.len() + digits
            && before
                .get(before.len() - digits..)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
            && before
                .get(..before.len() - digits)
                .is_some_and(|b| b.ends_with(prefix))
    };
    squeezed.get(start).is_some_and(u8::is_ascii_alphabetic)
        && (prev.is_ascii_alphanumeric() || matches!(prev, b'_' | b'$'))
        && !after_gap.get(start).copied().unwrap_or(true)
        && !(escape_ends(b"\\x", 2) || escape_ends(b"%u", 4) || escape_ends(b"%", 2))
}

/// Whether a matched `name(` ending at `end` of `squeezed` is a word before an aside in
/// prose rather than a call: a blank before the `(` (`at the prompt (twice)`, `confirm (yes/no)`)
/// and only words inside. A call spaced so (`alert (1)`, `alert ('x')`,
/// `alert (document.cookie)`) passes a number, a string or an expression, which hold a digit,
/// a quote or some other sign.
fn prose_aside(squeezed: &[u8], after_gap: &[bool], end: usize) -> bool {
    let Some(open) = end.checked_sub(1) else {
        return false;
    };
    if squeezed.get(open) != Some(&b'(') || !after_gap.get(open).copied().unwrap_or(false) {
        return false;
    }
    let inside = squeezed.get(end..).unwrap_or_default();
    let Some(close) = inside.iter().position(|b| *b == b')') else {
        return false;
    };
    let words = inside.get(..close).unwrap_or_default();
    !words.is_empty()
        && words
            .iter()
            .all(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'-' | b','))
}

/// `lower` with every blank run between two letters removed.
fn join_letters(lower: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lower.len());
    let mut i = 0;
    while let Some(&b) = lower.get(i) {
        if b.is_ascii_whitespace() && out.last().is_some_and(u8::is_ascii_alphabetic) {
            let mut end = i;
            while lower.get(end).is_some_and(u8::is_ascii_whitespace) {
                end += 1;
            }
            if lower.get(end).is_some_and(u8::is_ascii_alphabetic) {
                i = end;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// JSFuck: script written with only `[]()!+` (`(![]+[])[+!+[]]` is `"a"`); a run of a dozen
/// of them with brackets and a `!` or `+` is never text.
fn has_jsfuck(squeezed: &[u8]) -> bool {
    squeezed
        .split(|b| !matches!(b, b'[' | b']' | b'(' | b')' | b'!' | b'+'))
        .any(|run| {
            run.len() >= 12
                && run.contains(&b'[')
                && run.contains(&b']')
                && (run.contains(&b'!') || run.contains(&b'+'))
        })
}

/// JavaScript escapes of ASCII (`\\u0076`, `\\x61`) decoded, as the script engine would.
pub(crate) fn js_unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let hex = |from: usize, n: usize| {
            text.get(from..from + n)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(|v| u8::try_from(v).ok())
                .filter(u8::is_ascii)
        };
        let escaped = match (b, text.get(i + 1)) {
            (b'\\', Some(b'u')) => hex(i + 2, 4).map(|v| (v, 6)),
            (b'\\', Some(b'x')) => hex(i + 2, 2).map(|v| (v, 4)),
            _ => None,
        };
        match escaped {
            Some((v, used)) => {
                out.push(v);
                i += used;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// `/* … */` comments removed.
fn strip_js_comments(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b == b'/' && text.get(i + 1) == Some(&b'*') {
            let end = text
                .get(i + 2..)
                .and_then(|r| r.windows(2).position(|w| w == b"*/"))
                .map_or(text.len(), |p| i + 2 + p + 2);
            i = end;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// `on<event>=` starting a word (after a quote, space, slash or the start), as injected into an
/// attribute: `" onmouseover=alert(1)`.
fn has_event_handler(lower: &[u8]) -> bool {
    let text = String::from_utf8_lossy(lower);
    text.match_indices("on").any(|(i, _)| {
        let starts_word = i == 0
            || text
                .get(..i)
                .and_then(|b| b.chars().last())
                .is_some_and(|c| {
                    matches!(c, ' ' | '"' | '\'' | '/' | '\t' | '\n' | '\r' | '`' | ';')
                });
        let rest = text.get(i + 2..).unwrap_or_default();
        let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        let name = rest.get(..name_len).unwrap_or_default();
        let after = rest.get(name_len..).unwrap_or_default().trim_start();
        // A known event, or any `on…` attribute right after a quote or a tag's blank (the
        // handler list grows with every browser release).
        let after_quote = text
            .get(..i)
            .map(str::trim_end)
            .is_some_and(|b| b.ends_with(['"', '\'']) || b.is_empty());
        starts_word
            && (EVENTS.contains(&name) || (after_quote && name_len >= 3))
            && after.starts_with('=')
    })
}

#[cfg(test)]
mod tests {
    /// Every pattern `xss-002` looks for has a byte plain text lacks, or stands among its
    /// anchors as a squeezed phrase.
    #[test]
    fn every_script_pattern_is_anchored() {
        use crate::engine::anchor::OUTSIDE_PLAIN_TEXT;
        use crate::engine::Anchor;
        for p in TAGS.iter().chain(ACTIVE.iter()).chain(CALLS.iter()) {
            let has_byte = p.bytes().any(|b| OUTSIDE_PLAIN_TEXT.contains(b));
            let squeezed = SCRIPT_CONTEXT_ANCHORS
                .iter()
                .any(|a| matches!(a, Anchor::Squeezed(s) if s == p));
            assert!(has_byte || squeezed, "{p}");
        }
    }

    use super::*;
    use crate::decode::decode_fully;

    fn hit(v: &str) -> bool {
        !detect(&decode_fully(v.as_bytes(), true, true)).is_empty()
    }

    #[test]
    fn prefixed_import_and_high_bit_tags() {
        for v in [
            "<x:script>alert(1)",
            "<svg:script",
            "<x: script",
            "<importimplementation=",
            "<import implementation=\"x.htc\">",
            "\\xbctest\\xbetest(\\xa2XSS\\xa2)\\xbc/test\\xbe",
            "%BCscript%BEalert(1)%BC/script%BE",
        ] {
            let decoded = decode_fully(v.as_bytes(), true, true);
            assert!(!detect_with(&decoded, true).is_empty(), "{v}");
            assert_eq!(
                detect_with(&decoded, true),
                detect_with(&decoded, false),
                "{v}"
            );
        }
        for v in [
            "see <b>note:</b> the script",
            "x:script",
            "<important> do this",
            "1 <x: scripted",
            "¼ cup sugar, ¾ cup flour",
            "mix ¼script¾",
            "time <10:30",
            "a<b:scripting",
        ] {
            let decoded = decode_fully(v.as_bytes(), true, true);
            assert!(detect_with(&decoded, true).is_empty(), "{v}");
            assert!(detect_with(&decoded, false).is_empty(), "{v}");
        }
    }

    #[test]
    fn level2_comment_breakout_and_spaced_prefix() {
        for v in [
            "-->",
            "--%3E",
            "\"--><img",
            "< x: script",
            "<  svg:  script>",
        ] {
            let decoded = decode_fully(v.as_bytes(), true, true);
            assert_eq!(detect_level2(&decoded, true), [XSS_COMMENT_BREAKOUT], "{v}");
            assert_eq!(
                detect_level2(&decoded, false),
                [XSS_COMMENT_BREAKOUT],
                "{v}"
            );
        }
        for v in [
            "a --> b",
            "step 1 -> step 2",
            "<!-- a comment",
            "if a < b: print(x)",
            "x < y: scripts",
            "hello",
        ] {
            let decoded = decode_fully(v.as_bytes(), true, true);
            assert!(detect_level2(&decoded, true).is_empty(), "{v}");
            assert!(detect_level2(&decoded, false).is_empty(), "{v}");
        }
    }

    #[test]
    fn libinjection_needs_a_less_than_or_an_equals() {
        // Flagged by libinjection itself, with only one `<` or `=`: both ways.
        for v in [
            "<script",
            "<!DOCTYPE html",
            "<!--[if IE]>",
            "<?import x",
            "\" onerror=alert(1)",
            "x onload=y",
            "' style=x",
            "` onclick=x",
        ] {
            assert!(libinjection_possible(v.as_bytes()), "{v}");
            assert!(
                libinjectionrs::detect_xss(v.as_bytes()).is_injection(),
                "{v}"
            );
            assert_eq!(detect_with(v.as_bytes(), true), [XSS_LIBINJECTION], "{v}");
            assert_eq!(detect_with(v.as_bytes(), false), [XSS_LIBINJECTION], "{v}");
        }
        // The same shapes without `<` and `=`: libinjection finds nothing in any context (so
        // skipping it loses nothing), whatever this crate's own rules then say.
        for v in [
            "script",
            "!DOCTYPE html",
            "!--[if IE]>",
            "\" onerror alert(1)",
            "x onload y >",
            "' style x /> \" onclick `",
            "javascript:alert(1)",
            "It's sturdy and doesn't wobble; we've used it daily (and it's still fine).",
        ] {
            assert!(!libinjection_possible(v.as_bytes()), "{v}");
            assert!(
                !libinjectionrs::detect_xss(v.as_bytes()).is_injection(),
                "{v}"
            );
            assert_eq!(
                detect_with(v.as_bytes(), true),
                detect_with(v.as_bytes(), false),
                "{v}"
            );
        }
    }

    #[test]
    fn libinjection_flags_nothing_without_a_less_than_or_an_equals() {
        // Generated values from the pieces its flags are made of (black tag and attribute
        // names, quotes of every context, `>`, `/`, `!`, `?`, comments' and conditionals'
        // words, script URLs), but never `<` or `=`: none may be flagged. A deterministic
        // generator, so a failure names a value that can be replayed.
        const PIECES: [&str; 24] = [
            "script",
            "svg",
            "onerror",
            "onload",
            "style",
            "src",
            "href",
            "xmlns",
            "xlink",
            "javascript:",
            "\"",
            "'",
            "`",
            ">",
            "/",
            "!",
            "?",
            "--",
            "[if",
            "import",
            "DOCTYPE",
            " ",
            "\t",
            "x",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).unwrap_or(0)
        };
        for _ in 0..5_000 {
            let len = 1 + next() % 8;
            let value: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
            assert!(!libinjection_possible(value.as_bytes()), "{value}");
            assert!(
                !libinjectionrs::detect_xss(value.as_bytes()).is_injection(),
                "libinjection flags {value:?} without < or ="
            );
        }
    }

    #[test]
    fn prechecks_at_their_edge() {
        // A tag by `<` or by `:` alone, written with JS escapes and blanks between letters, an
        // event handler whose `=` is escaped, JSFuck: found with the prechecks and without.
        for v in [
            "x:vmlframe src=x",
            "X:VmlFrame src=x",
            "a \\u003avmlframe",
            "\\u003cscript",
            "\\x3ciframe",
            "<f o r m action=x",
            "\" onmouseover\\u003dalert(1)",
            "\\x22 onclick\\x3d x",
            "(![]+[])[+!+[]]",
        ] {
            let decoded = v.as_bytes();
            let with = detect_with(decoded, true);
            assert!(!with.is_empty(), "{v}");
            assert_eq!(with, detect_with(decoded, false), "{v}");
        }
        for v in [
            "https://shop.example.com/p/12?ref=home",
            "a < b",
            "on = off",
            "[x] (y)",
            "note: v m l frame",
            ": vmlframe",
        ] {
            assert!(detect_with(v.as_bytes(), true).is_empty(), "{v}");
            assert!(detect_with(v.as_bytes(), false).is_empty(), "{v}");
        }
    }

    #[test]
    fn payloads() {
        for v in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "\" onmouseover=\"alert(1)",
            "' autofocus onfocus=prompt(1) x='",
            "java\tscript:alert(1)",
            "JaVaScRiPt:alert(document.domain)",
            "%3Csvg%2Fonload%3Dalert(1)%3E",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "<iframe src=//evil>",
            "data:text/html;base64,PHNjcmlwdD4=",
            "x:expression(alert(1))",
            "<a href=\"&#106;avascript:alert(1)\">",
            "document /*foo*/ .     cookie",
            "self[/*foo*/\"alert\"](1)",
            "\\u0064ocument.cookie",
            "' onselect=$.getScript('//test.com') '",
            "  onabcdefgh= =vardata",
            "%2BADw-script%2BAD4-",
            "<v:vmlframe src=x>",
            "[].sort.call`${alert}1337`",
            "setInterval(code, 1)",
            "<f o r m action=x>",
            "x=x:url(javascript",
            "<:vmlframe src=x>",
            "(![]+[])[+!+[]]",
        ] {
            assert!(hit(v), "{v}");
        }
    }

    #[test]
    fn matchers_build() {
        let (tags, squeezed) = matchers();
        assert!(tags.is_some() && squeezed.is_some());
    }

    #[test]
    fn benign_text() {
        for v in [
            "Tom & Jerry < 3 friends",
            "once upon a time",
            "the phone=123",
            "contact: sales@example.com",
            "a > b and c < d",
            "I love online shopping",
            "2 < 3 > 1",
            "button=on",
            "I like < math class",
            "[1] (2) [3]!",
            "a+b [c] (d)",
            // A call name inside a longer word is another name.
            "1alert(1)",
            "the medieval(ish) period",
            "data retrieval(s)",
        ] {
            assert!(!hit(v), "{v}");
        }
    }

    #[test]
    fn call_names_after_separators() {
        for v in [
            "x\";alert(1)//",
            "\"-alert(1)-\"",
            "void alert(1)",
            "1 /*x*/ alert(1)",
            "top.alert(1)",
            "x=eval(atob('YQ'))",
            "\\xbcscript\\xbealert(\\xa2XSS\\xa2)",
            "%uff1cscript%u0020%uff1ealert%281%29",
        ] {
            assert!(hit(v), "{v}");
        }
    }
}
