//! Remote file inclusion (CRS 931100-931130): a value that is a URL an application may fetch
//! or include, with the marks of an inclusion rather than a link: a host given as an IP address
//! and a script or text file (`http://66.240.183.75/crash.php`), the query cut off with `?`
//! (`http://x/shell.txt?`), and at level 2 any URL to an IP address or an FTP URL.

use super::{RFI_IP_SCRIPT, RFI_URL};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: RFI_IP_SCRIPT,
        anchors: &[Pieces(&["://"])],
        check: |v| {
            let lower = v.lower();
            urls(lower).any(|u| (is_ip_host(u.host) && u.script) || u.chopped)
        },
    },
    RuleDef {
        rule: RFI_URL,
        anchors: &[Pieces(&["://"])],
        check: |v| {
            let lower = v.lower();
            urls(lower).any(|u| is_ip_host(u.host) || u.scheme.starts_with("ftp"))
        },
    },
];

struct Url<'a> {
    scheme: &'a str,
    host: &'a str,
    /// The path ends with a script or text file name (`.php`, `.txt`, `.jsp`, …).
    script: bool,
    /// The URL ends with `?` after a file name (the application's own suffix cut off).
    chopped: bool,
}

/// The URLs a value starts with or holds after a blank, `=` or a quote: `http`, `https`,
/// `ftp`, `ftps` (a `file:` URL is traversal's, `path-010`).
fn urls(lower: &str) -> impl Iterator<Item = Url<'_>> {
    ["http://", "https://", "ftp://", "ftps://"]
        .into_iter()
        .flat_map(move |scheme| {
            lower.match_indices(scheme).filter_map(move |(i, _)| {
                let before = lower.get(..i).unwrap_or_default();
                if !(before.is_empty() || before.ends_with([' ', '=', '"', '\'', '>', '\t'])) {
                    return None;
                }
                let rest = lower.get(i + scheme.len()..).unwrap_or_default();
                let end = rest
                    .find([' ', '"', '\'', '<', '>', '\t', '\r', '\n'])
                    .unwrap_or(rest.len());
                let url = rest.get(..end).unwrap_or_default();
                let host_end = if url.starts_with('[') {
                    url.find(']').map_or(url.len(), |e| e + 1)
                } else {
                    url.find(['/', '?', '#']).unwrap_or(url.len())
                };
                let host = url.get(..host_end).unwrap_or_default();
                let path = url.get(host_end..).unwrap_or_default();
                let path_only = path.split(['?', '#']).next().unwrap_or_default();
                let script = [
                    ".php", ".txt", ".jsp", ".asp", ".aspx", ".pl", ".cgi", ".sh", ".py", ".inc",
                    ".gif?",
                ]
                .iter()
                .any(|x| path_only.ends_with(x));
                Some(Url {
                    scheme,
                    host,
                    script,
                    chopped: url.ends_with('?')
                        && path_only
                            .rsplit('/')
                            .next()
                            .is_some_and(|file| file.contains('.')),
                })
            })
        })
}

/// An IPv4 address (maybe with a port), or an IPv6 address (in brackets or bare with `::`).
fn is_ip_host(host: &str) -> bool {
    let host = host.rsplit('@').next().unwrap_or(host);
    if host.starts_with('[') {
        return host.contains(':');
    }
    if host.matches(':').count() >= 2 {
        return host.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    }
    let ip = host.split(':').next().unwrap_or(host);
    let parts: Vec<&str> = ip.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                ("http://66.240.183.75/crash.php", "rfi-001"),
                ("https://[2001:41d0:701:1100::29c8]/gecko.php", "rfi-001"),
                ("https://2001:41d0:701:1100::29c8/gecko.php", "rfi-001"),
                ("http://evil.example/shell.txt?", "rfi-001"),
                ("ftp://1.1.1.1", "rfi-002"),
                ("http://10.0.0.5:8080/hook", "rfi-002"),
                ("ftp://foo.bar", "rfi-002"),
            ],
        );
        benign(
            TABLE,
            1,
            &[
                "https://example.com/index.php",
                "see https://shop.example.com/p/12?ref=home",
                "http://10.0.0.5:8080/hook",
                "Version 1.2.3.4 released",
                "https://example.com/faq?",
            ],
        );
        benign(
            TABLE,
            2,
            &["https://example.com/index.php", "Version 1.2.3.4 released"],
        );
    }
}
