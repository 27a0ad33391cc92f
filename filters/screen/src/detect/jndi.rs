//! JNDI lookups (Log4Shell, CVE-2021-44228; CRS 944150-944152): Log4j 2 expands `${…}` in any
//! logged string, and `${jndi:ldap://host/x}` loads a class from that host. Attackers hide the
//! word with nested lookups that resolve to its letters (`${${lower:j}ndi:…}`,
//! `${${::-j}${::-n}di:…}`, `${${env:NOPE:-j}ndi:…}`), and write the braces and letters as
//! escapes the application's parser undoes (`$\u007b`, `$&lbrace;`): those are undone and the
//! lookups resolved here as Log4j would before the word is looked for.

use super::more::{squeeze, unescape};
use super::{JNDI_LOOKUP, JNDI_RUNTIME};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(JNDI_LOOKUP, |v| {
        let lower = v.lower();
        resolves_to_jndi(&unescape(lower))
    })
    .anchored(&[Pieces(&["$"])]),
    RuleDef::always(JNDI_RUNTIME, |v| runtime_lookup(v.lower())).anchored(&[Pieces(&["${"])]),
];

/// Deepest nesting of lookups resolved; deeper ones are read as written. Real obfuscations
/// nest two or three deep.
const MAX_DEPTH: usize = 16;

/// Whether a lookup in `lower` is a `jndi:` lookup once its nested lookups are resolved: the
/// value is read once, with one buffer per open `${`; a closed lookup's resolution is appended
/// to the enclosing one.
fn resolves_to_jndi(lower: &str) -> bool {
    let mut open: Vec<String> = Vec::new();
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'{') && open.len() < MAX_DEPTH {
            chars.next();
            open.push(String::new());
            continue;
        }
        if c == '}' {
            if let Some(body) = open.pop() {
                let squeezed = squeeze(&body);
                // Past the depth bound inner lookups stay as written: `${jndi:` among them.
                if squeezed.starts_with("jndi:") || squeezed.contains("${jndi:") {
                    return true;
                }
                if let Some(parent) = open.last_mut() {
                    parent.push_str(&resolve(&body));
                }
            }
        } else if let Some(top) = open.last_mut() {
            top.push(c);
        }
    }
    // An unclosed lookup: Log4j leaves it as written, but the log line is then often cut.
    open.iter().any(|body| squeeze(body).starts_with("jndi:"))
}

/// What a lookup's body stands for, as far as hiding letters goes: `lower:x` and `upper:x`
/// are `x`; anything with a default (`::-x`, `env:NOPE:-x`, `date:'j'` aside) is its default;
/// other lookups are kept as written (they resolve to text we cannot know).
fn resolve(body: &str) -> String {
    if let Some(rest) = body
        .strip_prefix("lower:")
        .or_else(|| body.strip_prefix("upper:"))
    {
        return rest.to_string();
    }
    if let Some((_, default)) = body.split_once(":-") {
        return default.to_string();
    }
    format!("${{{body}}}")
}

/// A Log4j lookup of the environment or the runtime, or one of the lookups only obfuscation
/// uses: `${env:AWS_SECRET_ACCESS_KEY}`, `${sys:user.name}`, `${java:version}`, `${ctx:…}`,
/// `${lower:…}`, `${::-x}`. Shell and configuration snippets quote `${env:…}`-like text
/// rarely, but they do: level 2.
fn runtime_lookup(lower: &str) -> bool {
    const LOOKUPS: [&str; 16] = [
        "env:",
        "sys:",
        "java:",
        "ctx:",
        "main:",
        "bundle:",
        "docker:",
        "k8s:",
        "spring:",
        "log4j:",
        "lower:",
        "upper:",
        "::-",
        "jvmrunargs:",
        "marker:",
        "sd:",
    ];
    lower.match_indices("${").any(|(i, _)| {
        let body = lower.get(i + 2..).unwrap_or_default().trim_start();
        LOOKUPS.iter().any(|l| body.starts_with(l))
    })
}
