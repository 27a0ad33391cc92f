//! Level-2 XSS rules for markup and script shapes that ordinary text or rich-text HTML also has
//! now and then, so they run only under `detect.paranoia: 2`:
//!
//! - `xss-004` ([`has_url_attribute`]): a link, source, form-target or style attribute in
//!   injected markup: inside a tag the value opens and leaves open (`<a href="…"`, `<img
//!   src=x`), or a form target or style right after a quote that closes the attribute value the
//!   input was echoed into (`'formaction=`).
//! - `xss-005` ([`has_markup_data_uri`]): a `data:` URL that carries markup (`data:,<x>`) or is of
//!   a markup or script media type (`data:text/javascript,…`).
//! - `xss-006` ([`has_jsfuck_atom`]): the atoms JSFuck builds from, an empty array negated or
//!   made a number twice (`!![]`, `!+[]`), too short for level 1's run of a dozen.
//! - `xss-007` ([`has_external_entity`]): an XML external entity declaration
//!   (`<!ENTITY % x SYSTEM "…"`).
//! - `xss-008` ([`has_filter_breakout`]): a quote, then `in` or an operator, then a dotted name or
//!   a DOM property assigned (`' in foo.bar=`, `"in valueOf=`): script breaking out of a string,
//!   the shape Internet Explorer's XSS filter looked for.
//!
//! All read the value lowercased with JavaScript's `\u`/`\x` escapes decoded (as
//! [`super::xss`] does). Each needs a byte plain text lacks (`<`, `=`, `!`, a quote), so the
//! plain shortcut ([`super::plain`]) never hides a match.

use super::words::word_list;
#[cfg(test)]
use super::Rule;

/// The level-2 XSS rules that match a decoded value, in rule order (for the tests).
#[cfg(test)]
pub fn detect(decoded: &[u8], prechecks: bool) -> Vec<Rule> {
    let v = crate::engine::View::with(decoded, decoded, crate::detect::ValueKind::Text, prechecks);
    crate::engine::matching(super::xss::TABLE, 2, &v)
        .into_iter()
        .filter(|r| r.id != "xss-003")
        .collect()
}

word_list! {
    /// Attributes that make markup load a URL, send a form elsewhere or restyle the page: injected,
    /// they link, load, submit to or overlay what the attacker chooses.
    URL_ATTRIBUTES = "xss-url-attributes"
}

word_list! {
    /// The [`URL_ATTRIBUTES`] that act on whatever element they are injected into: `formaction` on
    /// the button or input whose value the input was echoed into, `style` on any element. An
    /// injected `href` or `src` acts only on the elements that take one, which mostly have their
    /// own already (the parser keeps the first of two).
    ANY_ELEMENT_ATTRIBUTES = "xss-any-element-attributes"
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c')
}

/// `text` from its first non-blank byte.
fn skip_blanks(text: &[u8]) -> &[u8] {
    text.get(text.iter().take_while(|b| is_blank(**b)).count()..)
        .unwrap_or_default()
}

/// What follows one of `names` at the start of `rest` as a whole attribute name and its `=`
/// (blanks around the `=` allowed).
fn attribute_value<'a>(rest: &'a [u8], names: &[&str]) -> Option<&'a [u8]> {
    names.iter().find_map(|name| {
        rest.strip_prefix(name.as_bytes())
            .map(skip_blanks)
            .and_then(|after| after.strip_prefix(b"="))
            .map(skip_blanks)
    })
}

/// `xss-004`: markup injected to make the page link, load, submit or restyle. Either a tag the
/// value opens (`<`, a letter) and leaves open, with a [`URL_ATTRIBUTES`] attribute given a
/// value (`<a href="test"`, `<img/src=x`, `<div style="…"`): dangling markup, which only the
/// page that echoes it completes. Or an [`ANY_ELEMENT_ATTRIBUTES`] attribute right after a
/// quote (`'formaction=`, `" style=`), which closes the attribute the input was echoed into.
/// Rich text closes its tags (`<a href="/apps/">Apps</a>`), leaves no empty attribute open
/// (`<img src=` cut off), and its quotes inside its own tags close its own attributes (`<img
/// src="x.png" style="…">`); a value cut off inside a link (`<a href="https://…`), or prose
/// quoting a style (`set "style=bold"`), still matches: level 2.
pub fn has_url_attribute(lower: &[u8]) -> bool {
    breakout_attribute(lower) || dangling_tag(lower)
}

/// An [`ANY_ELEMENT_ATTRIBUTES`] attribute right after a quote that is not inside a tag the
/// value opened ([`has_url_attribute`]).
fn breakout_attribute(lower: &[u8]) -> bool {
    // Whether a tag the value opened is still open: a quote in it is that tag's own.
    let mut in_tag = false;
    lower.iter().enumerate().any(|(i, &b)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        match b {
            b'"' | b'\'' | b'`' if !in_tag => {
                attribute_value(skip_blanks(rest), &ANY_ELEMENT_ATTRIBUTES).is_some()
            }
            b'<' => {
                in_tag = rest.first().is_some_and(u8::is_ascii_alphabetic);
                false
            }
            b'>' => {
                in_tag = false;
                false
            }
            _ => false,
        }
    })
}

/// A tag opened after the value's last `>` (so never closed), with a [`URL_ATTRIBUTES`]
/// attribute given a value ([`has_url_attribute`]). One scan from the first such tag covers
/// every later one, whose attributes are in it too.
fn dangling_tag(lower: &[u8]) -> bool {
    let after_last_close = lower.iter().rposition(|b| *b == b'>').map_or(0, |p| p + 1);
    let tail = lower.get(after_last_close..).unwrap_or_default();
    let Some(open) = tail
        .windows(2)
        .position(|w| w.first() == Some(&b'<') && w.get(1).is_some_and(u8::is_ascii_alphabetic))
    else {
        return false;
    };
    let tag = tail.get(open + 1..).unwrap_or_default();
    tag.iter().enumerate().any(|(j, c)| {
        (is_blank(*c) || matches!(c, b'/' | b'"' | b'\''))
            && attribute_value(tag.get(j + 1..).unwrap_or_default(), &URL_ATTRIBUTES)
                .is_some_and(|value| !value.is_empty())
    })
}

word_list! {
    /// Media types a `data:` URL runs as a document or script in.
    ACTIVE_MEDIA_TYPES = "xss-active-media-types"
}

/// `xss-005`: a `data:` URL (where a word starts) read as RFC 2397 writes it, with the blanks a
/// browser skips: an optional `type/subtype`, `;` parameters, a `,`, then data. Flagged when
/// the media type is markup or script ([`ACTIVE_MEDIA_TYPES`]) or the data holds a tag (`<`, a
/// letter or `/`, and later `>`): `data: , <x>`, `data:application/xml;base64,…`. Not an image
/// (`data:image/png;base64,…`, which pasted rich text has), nor prose after a `Data:` label
/// (`Data: see below, <b>`: "see below" is no media type).
pub fn has_markup_data_uri(lower: &[u8]) -> bool {
    if !lower.windows(5).any(|w| w == b"data:") {
        return false;
    }
    // Where the media type and parameters after each position end: the next `,`, line break
    // or `<`, found in one pass from the end (a search per `data:` would read the same bytes
    // again for every `data:` before a stop).
    let mut next_stop = vec![lower.len(); lower.len() + 1];
    for (i, b) in lower.iter().enumerate().rev() {
        let stop = if matches!(b, b',' | b'\n' | b'<') {
            i
        } else {
            next_stop.get(i + 1).copied().unwrap_or(lower.len())
        };
        if let Some(slot) = next_stop.get_mut(i) {
            *slot = stop;
        }
    }
    // Whether the data after the first comma holds a tag, from each position.
    let data_has_tag = holds_tag_from(lower);
    lower.windows(5).enumerate().any(|(i, w)| {
        if w != b"data:"
            || i > 0
                && lower
                    .get(i - 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return false;
        }
        let blanks = lower
            .get(i + 5..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| is_blank(**c))
            .count();
        let type_start = i + 5 + blanks;
        let rest = lower.get(type_start..).unwrap_or_default();
        let type_len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'-' | b'.'))
            .count();
        let media_type = rest.get(..type_len).unwrap_or_default();
        if type_len > 0 && media_type.iter().filter(|c| **c == b'/').count() != 1 {
            return false;
        }
        // Parameters (`;charset=utf-8`, `;base64`) up to the comma, on one line.
        let params_start = type_start + type_len;
        let comma = next_stop.get(params_start).copied().unwrap_or(lower.len());
        let params = skip_blanks(lower.get(params_start..comma).unwrap_or_default());
        lower.get(comma) == Some(&b',')
            && (params.is_empty() || params.first() == Some(&b';'))
            && (ACTIVE_MEDIA_TYPES
                .iter()
                .any(|t| t.as_bytes() == media_type)
                || data_has_tag.get(comma + 1).copied().unwrap_or(false))
    })
}

/// For each position, whether a tag starts there or later: `<`, then a letter or `/`, and a
/// `>` somewhere after it. One pass from the end.
fn holds_tag_from(text: &[u8]) -> Vec<bool> {
    let mut out = vec![false; text.len() + 1];
    let mut close_after = false;
    let mut found = false;
    for (i, &b) in text.iter().enumerate().rev() {
        let opens = b == b'<'
            && text
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/')
            && close_after;
        found |= opens;
        close_after |= b == b'>';
        if let Some(slot) = out.get_mut(i) {
            *slot = found;
        }
    }
    out
}

/// `xss-006`: JSFuck's atoms: `!` then one or more `!`, `+` or blanks (a form's `+` decoded to a
/// blank), then an empty array `[]`: `!![]` (true), `!+[]`, `+!![]`, `! []`. Level 1 flags only
/// a run of a dozen such bytes; an atom alone is also in code (`!![]` is `true`) and, rarely,
/// prose ("wow! []"). Not a Markdown image with an empty description (`Look! ![](x.png)`): an array
/// is not called, so `[](` is no atom.
pub fn has_jsfuck_atom(lower: &[u8]) -> bool {
    // Each run of `!`, `+` and blanks once: it is an atom's operators if a `!` in it has
    // something after it in the run, and `[]` follows the run.
    let is_op = |c: &u8| matches!(c, b'!' | b'+' | b' ' | b'\t');
    let mut i = 0;
    while i < lower.len() {
        let run = lower
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| is_op(c))
            .count();
        if run == 0 {
            i += 1;
            continue;
        }
        let ops = lower.get(i..i + run).unwrap_or_default();
        let after = lower.get(i + run..).unwrap_or_default();
        let bang_with_ops_after = ops.iter().take(run - 1).any(|c| *c == b'!');
        if bang_with_ops_after && after.starts_with(b"[]") && after.get(2) != Some(&b'(') {
            return true;
        }
        i += run;
    }
    false
}

/// `xss-007`: an XML external entity declaration: `!entity`, blanks, a parameter entity's `%`
/// if any, a name, then `system` or `public` (where the entity is fetched from):
/// `<!ENTITY % x SYSTEM "http://…">`, also without its `<` (`foo!ENTITY % bar SYSTEM`). An
/// internal entity (`<!ENTITY copy "©">`) names no source.
pub fn has_external_entity(lower: &[u8]) -> bool {
    lower.windows(7).enumerate().any(|(i, w)| {
        if w != b"!entity" {
            return false;
        }
        let rest = lower.get(i + 7..).unwrap_or_default();
        if !rest.first().is_some_and(|c| is_blank(*c)) {
            return false;
        }
        let mut rest = skip_blanks(rest);
        if let Some(after) = rest.strip_prefix(b"%") {
            rest = skip_blanks(after);
        }
        let name = rest.iter().take_while(|c| !is_blank(**c)).count();
        let gap = rest.get(name..).unwrap_or_default();
        let source = skip_blanks(gap);
        name > 0
            && gap.len() > source.len()
            && (source.starts_with(b"system") || source.starts_with(b"public"))
            && !source
                .get(6)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    })
}

word_list! {
    /// DOM properties whose assignment runs or redirects script without a dot before them.
    SCRIPT_PROPERTIES = "xss-script-properties"
}

/// Operators that may follow a quote which ends a JavaScript string in a breakout. Not `&`,
/// `?` and `;`: they separate URL parameters and cookies, whose names may be dotted
/// (`q="shoes"&filter.size=10`, `a="x"; ASP.NET_SessionId=…`).
const BREAKOUT_OPERATORS: [u8; 14] = [
    b'+', b'-', b'*', b'/', b'%', b'|', b'^', b'<', b'>', b'!', b'(', b')', b']', b',',
];

/// `xss-008`: a quote, blanks, then `in` or one of [`BREAKOUT_OPERATORS`], blanks, then a
/// name assigned (`=`, not `==` nor `=>`) that is dotted (`foo.bar`, each part a JavaScript
/// identifier) or one of [`SCRIPT_PROPERTIES`]: `' in foo.bar=`, `"in valueOf=` (after `\u`
/// escapes are decoded), `'+document.x=`, `')top.location=`. Script that closes the string it
/// was echoed into and assigns; Internet Explorer's XSS filter looked for this shape, and allowed
/// `in` glued to the name (`'infoo.bar=`), as this rule does. Prose with a quote before a
/// dotted name assigned is rare (`"a"/b.c=1`), but a word after a quote that starts with `in`
/// and holds a dot is not (`"index.html=`): level 2.
pub fn has_filter_breakout(lower: &[u8]) -> bool {
    lower.iter().enumerate().any(|(i, &b)| {
        if !matches!(b, b'"' | b'\'') {
            return false;
        }
        let rest = skip_blanks(lower.get(i + 1..).unwrap_or_default());
        let after_operator = if let Some(r) = rest.strip_prefix(b"in") {
            r
        } else if rest.first().is_some_and(|c| BREAKOUT_OPERATORS.contains(c)) {
            rest.get(1..).unwrap_or_default()
        } else {
            return false;
        };
        assigned_name(skip_blanks(after_operator))
    })
}

/// Whether `text` starts with a dotted name or a [`SCRIPT_PROPERTIES`] name, then `=` that is
/// an assignment.
fn assigned_name(text: &[u8]) -> bool {
    let identifier = |t: &[u8]| {
        if !t
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'$'))
        {
            return 0;
        }
        t.iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$'))
            .count()
    };
    let mut len = identifier(text);
    if len == 0 {
        return false;
    }
    let first = text.get(..len).unwrap_or_default();
    let mut dotted = false;
    while text.get(len) == Some(&b'.') {
        let part = identifier(text.get(len + 1..).unwrap_or_default());
        if part == 0 {
            return false;
        }
        len += 1 + part;
        dotted = true;
    }
    let rest = skip_blanks(text.get(len..).unwrap_or_default());
    (dotted || SCRIPT_PROPERTIES.iter().any(|p| p.as_bytes() == first))
        && rest.first() == Some(&b'=')
        && !matches!(rest.get(1), Some(b'=' | b'>'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_fully;

    /// The level-2 rules that match `v` as a form value, the same with and without prechecks.
    fn rules(v: &str) -> Vec<&'static str> {
        let decoded = decode_fully(v.as_bytes(), true, true);
        let with = detect(&decoded, true);
        assert_eq!(with, detect(&decoded, false), "{v}");
        with.into_iter().map(|r| r.id).collect()
    }

    fn assert_only(id: &str, attacks: &[&str], benign: &[&str]) {
        for v in attacks {
            assert!(rules(v).contains(&id), "{v}: {:?}", rules(v));
        }
        for v in benign {
            assert!(!rules(v).contains(&id), "{v}: {:?}", rules(v));
        }
    }

    #[test]
    fn url_attributes_in_markup() {
        assert_only(
            "xss-004",
            &[
                "<a href=\"test\"",
                "941150-1=<a href=\"test\"",
                "%3Ca%20href%3D%22test%22",
                "<A HREF = 'x'",
                "<img/src=x",
                "hi <p title=\"x\" style=\"position:fixed",
                "<iframe\nsrcdoc=x",
                "<svg><use xlink:href=#x",
                "'formaction=",
                "\" formaction = //evil",
                "' STYLE=x:y",
                "\\u0027 style=x",
                "&quot; style=x",
                "<a href=\"https://example.com/watch?v=",
            ],
            &[
                "I like <a> lot",
                "a <b and c > d href=x",
                "x < y src=z",
                "the href is wrong",
                "style=color:red;background:white",
                "test=style=background:url(http://example.com/x)",
                "<b>bold</b> and <i>italic</i>",
                "'hrefs=x",
                "\"srcs\" = 1",
                "it's a 'source'",
                "<a title=\"hi\">x</a> src=y",
                "john.doe@example.com",
                // Rich text: complete tags, a cut-off empty attribute, a quoted link.
                "BLAH <A HREF=\"/PATH1/PATH2\">FOO</A>",
                "junk <a href=\"../\">foo.com</a>",
                "<br /><a href=\"/apps/\">Apps</a>!",
                "CURTAINS VINTAGE <IMG SRC=",
                "<img src=\"x.png\" style=\"width:1em\">",
                "PLANNER.PDF';\" HREF=\"HTTP:/WWW.EXAMPLE.COM",
                "<?xsl-stylesheet type=\"text/xsl\" href=\"style.xsl\"?>",
                "' background=x",
            ],
        );
    }

    #[test]
    fn markup_data_uris() {
        assert_only(
            "xss-005",
            &[
                " data: , <x>",
                "data:,<b>hi</b>",
                "DATA:text/plain;charset=utf-8,%3Cscript%3E",
                "x=data:application/xml;base64,PHg+",
                "data:text/javascript,alert(1)",
                "src=data:application/x-javascript;base64,YQ",
                "(data: ;base64 , </x>)",
            ],
            &[
                "data:image/png;base64,iVBORw0KGgo=",
                "Data: see below, <b>note</b>",
                "metadata:,<x>",
                "data: 1, 2 <3>",
                "data:, plain text",
                "data: a/b/c, <x>",
                "data:text/plain,a<b",
            ],
        );
    }

    #[test]
    fn jsfuck_atoms() {
        assert_only(
            "xss-006",
            &[
                "+!![]",
                "a=+!![]",
                "!+[]",
                "x=! []",
                "(!![]+[])[+!+[]]",
                "!!![]",
            ],
            &[
                "![]",
                "Look! ![](pic.png)",
                "!![](x)",
                "[] !",
                "hello!!",
                "- [ ] todo!",
            ],
        );
    }

    #[test]
    fn external_entities() {
        assert_only(
            "xss-007",
            &[
                "foo!ENTITY % bar SYSTEM",
                "<!DOCTYPE r [<!ENTITY % x SYSTEM \"http://a/b.dtd\">",
                "<!entity  xxe  public \"-//x\" \"http://a\">",
                "<!ENTITY\tx\tSYSTEM 'file:///etc/hostname'>",
            ],
            &[
                "<!ENTITY copy \"(c)\">",
                "!entity system",
                "the entity system is down!",
                "<!ENTITY x SYSTEMATIC>",
                "!ENTITYx SYSTEM",
            ],
        );
    }

    #[test]
    fn filter_breakouts() {
        assert_only(
            "xss-008",
            &[
                "%22in%20\\u0076\\u0061l\\u0075e\\u004F\\u0066%3d",
                "\"in valueOf=",
                "'  infoo.bar=",
                "' in foo.bar=x",
                "'%2Bdocument.x=1",
                "')top.location=//evil",
                "\"-location = 'x'",
                "\\x27|a.b=1",
                "\"in name=x",
            ],
            &[
                "q=\"shoes\"&filter.size=10",
                "a=\"x\"; ASP.NET_SessionId=abc",
                "It's 'in' fact.b=",
                "\"in valueOf==x",
                "\"+a.b => c",
                "'+ foo=1",
                "\"index\" = 1",
                "'inside the box.' he said",
                "'-1.5=x",
                "\"x\" + y.z",
                "O'Reilly in print.edition=2",
            ],
        );
    }

    #[test]
    fn nothing_in_plain_or_ordinary_text() {
        for v in [
            "hello world",
            "There's a pattern in the dark background.",
            "https://shop.example.com/p/12?ref=home&sort=price",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "_ga=GA1.2.3; _pk_id.1.1fff=abc.123; theme=\"dark\"",
            "{\"a\":\"b\",\"c.d\":1}",
            "Great product!!! 5/5, would buy again :)",
            "",
        ] {
            assert!(rules(v).is_empty(), "{v}: {:?}", rules(v));
        }
    }
}
