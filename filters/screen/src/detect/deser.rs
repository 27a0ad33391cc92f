//! Serialised objects an application would deserialise (CRS 944200-944250, 933170): Java's
//! stream magic (raw, base64 `rO0AB`, hex `aced0005`), the class names of gadget chains,
//! PHP's serialised objects (`O:8:"stdClass":0:{}`), YAML tags that construct a language's
//! objects (`!!python/object/apply:os.system`, `!!javax.script.ScriptEngineManager`,
//! `!ruby/object:Gem::Installer`).

use super::more::{has_word, run_len};
use super::{DESER_GADGET, DESER_JAVA, DESER_PHP, DESER_YAML};
use crate::engine::anchor::ByteClass;
use crate::engine::Anchor::{Byte, Pieces};
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    // The raw header's `AC` (also inside `C2 AC`, Latin-1's `¬` in UTF-8), or a word of the
    // encoded ones.
    RuleDef::always(DESER_JAVA, |v| java_stream(v.bytes(), v.lower())).anchored(&[
        Pieces(&["ro0ab", "kztaau", "cs7qaf", "aced0005"]),
        Byte(ByteClass::of(&[0xAC])),
    ]),
    RuleDef::always(DESER_GADGET, |v| gadget(v.lower())).anchored(&[Pieces(GADGETS)]),
    RuleDef::always(DESER_PHP, |v| php_object(v.bytes())).anchored(&[Pieces(&[":\""])]),
    RuleDef::always(DESER_YAML, |v| yaml_tag(v.lower())).anchored(&[Pieces(&["!"])]),
];

/// Java's serialisation stream header `AC ED 00 05`: raw, read as Latin-1 text (`¬í` then NUL
/// and 5), in base64 at a word's start in each of its three alignments (`rO0AB`, after one
/// byte `KztAAU`, after two `Cs7QAF`; case as written) or in hex (`aced0005`).
fn java_stream(decoded: &[u8], lower: &str) -> bool {
    let at_word_start = |needle: &str, hay: &str| {
        hay.match_indices(needle).any(|(i, _)| {
            !hay.as_bytes()
                .get(i.wrapping_sub(1))
                .copied()
                .is_some_and(|b| b.is_ascii_alphanumeric())
                || i == 0
        })
    };
    decoded.windows(4).any(|w| w == [0xac, 0xed, 0x00, 0x05])
        || decoded
            .windows(6)
            .any(|w| w == [0xc2, 0xac, 0xc3, 0xad, 0x00, 0x05])
        || ["rO0AB", "KztAAU", "Cs7QAF"].iter().any(|magic| {
            memchr::memmem::find_iter(decoded, magic.as_bytes())
                .any(|i| i == 0 || !decoded.get(i - 1).is_some_and(u8::is_ascii_alphanumeric))
        })
        || at_word_start("aced0005", lower)
}

/// Class names of Java deserialisation gadget chains (Apache Commons Collections' transformers
/// and factories, `TemplatesImpl`, `JdbcRowSetImpl`, `AnnotationInvocationHandler`, c3p0's
/// `WrapperConnectionPoolDataSource`): words no text but an exploit holds, as whole names.
fn gadget(lower: &str) -> bool {
    static ANCHORS: super::anchor::Anchors = super::anchor::Anchors::new(|| GADGETS.to_vec());
    ANCHORS.found_in(lower.as_bytes()) && GADGETS.iter().any(|g| has_word(lower, g))
}

/// The gadget class names, lowercase (also plain-text triggers).
pub(crate) const GADGETS: &[&str] = &[
    "invokertransformer",
    "instantiatetransformer",
    "instantiatefactory",
    "clonetransformer",
    "forclosure",
    "whileclosure",
    "prototypeclonefactory",
    "prototypeserializationfactory",
    "chainedtransformer",
    "constanttransformer",
    "templatesimpl",
    "jdbcrowsetimpl",
    "annotationinvocationhandler",
    "badattributevalueexpexception",
    "wrapperconnectionpooldatasource",
];

/// A PHP serialised object or custom-serialised class: `O:` or `C:`, a length, a quoted class
/// name, a count and `{` (`O:8:"stdClass":1:{`).
fn php_object(decoded: &[u8]) -> bool {
    decoded.windows(2).enumerate().any(|(i, w)| {
        if !matches!(w, [b'O' | b'C' | b'o' | b'c', b':'])
            || decoded
                .get(i.wrapping_sub(1))
                .is_some_and(u8::is_ascii_alphanumeric)
                && i > 0
        {
            return false;
        }
        let rest = decoded.get(i + 2..).unwrap_or_default();
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let Some(rest) = rest.get(digits..).and_then(|r| r.strip_prefix(b":\"")) else {
            return false;
        };
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\\'))
            .count();
        digits > 0
            && name > 0
            && rest
                .get(name..)
                .and_then(|r| r.strip_prefix(b"\":"))
                .is_some_and(|r| {
                    let n = r.iter().take_while(|b| b.is_ascii_digit()).count();
                    n > 0 && r.get(n..n + 2) == Some(b":{")
                })
    })
}

/// A YAML tag that constructs a language's object: `!!python/`, `!!ruby/`, `!!perl/`, `!!php/`,
/// `!ruby/`, `!php/object`, `tag:yaml.org,2002:python/`, or `!!` and a dotted Java class name
/// (`!!javax.script.ScriptEngineManager`); not YAML's own `!!str`, `!!map`, `!!binary`.
fn yaml_tag(lower: &str) -> bool {
    [
        "!!python/",
        "!!ruby/",
        "!!perl/",
        "!!php/",
        "!ruby/",
        "!php/object",
        "!python/",
        "tag:yaml.org,2002:python",
        "tag:yaml.org,2002:ruby",
    ]
    .iter()
    .any(|p| lower.contains(p))
        || lower.match_indices("!!").any(|(i, _)| {
            let rest = lower.get(i + 2..).unwrap_or_default();
            let name = run_len(rest, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$')
            });
            let name = rest.get(..name).unwrap_or_default();
            name.split('.').filter(|s| !s.is_empty()).count() >= 3
        })
}
