//! Remote file inclusion and server-side request forgery (CRS 931100-931131): a value that is
//! a URL an application may fetch or include, with the marks of an inclusion rather than a
//! link: a host given as an IP address and a script or text file
//! (`http://66.240.183.75/crash.php`), the query cut off with `?` (`http://x/shell.txt?`), a
//! scheme only a server fetches (`gopher://`, `jar:http:`), a host hidden behind user
//! information (`http://trusted%2f@evil/`), a URL given to a parameter named for a local path
//! (`mosConfig_absolute_path=http://x`); at level 2 any URL to an IP address, an FTP or LDAP
//! URL, a URL value ending with `?`, a URL as a path segment, user information that names a
//! host.

use super::{RFI_FETCH_SCHEME, RFI_HIDDEN_HOST, RFI_IP_SCRIPT, RFI_PATH_PARAMETER, RFI_URL};
use crate::engine::Anchor::{InPath, Pieces};
use crate::engine::{RuleDef, View};

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(RFI_IP_SCRIPT, |v| {
        urls(v.lower()).any(|u| (is_ip_host(u.host) && u.script) || u.chopped)
    })
    .anchored(&[Pieces(&["://"])]),
    // Each scheme [`fetch_scheme`] looks for, or the wrapper before one.
    RuleDef::always(RFI_FETCH_SCHEME, |v| fetch_scheme(v.lower())).anchored(&[Pieces(&[
        "gopher://",
        "dict://",
        "tftp://",
        "netdoc:",
        "local_file:",
        "jar:",
        "url:",
    ])]),
    // A URL's `://`, in the value as it came or decoded (decoding keeps a literal `://`).
    RuleDef::always(RFI_HIDDEN_HOST, |v| {
        hidden_host(v.raw()) || hidden_host(v.bytes())
    })
    .anchored(&[Pieces(&["://"])]),
    RuleDef::always(RFI_PATH_PARAMETER, path_parameter).anchored(&[Pieces(&["://"])]),
    // Every scheme of [`SCHEMES`] ends with `://`.
    RuleDef::always(RFI_URL, |v| {
        let lower = v.lower();
        urls(lower).any(|u| {
            is_ip_host(u.host)
                || u.scheme.starts_with("ftp")
                || u.scheme.starts_with("ldap")
                || u.host
                    .rsplit_once('@')
                    .is_some_and(|(user, _)| user.contains('.'))
        }) || ends_with_question(lower)
    })
    .anchored(&[Pieces(&["://"])]),
    // A path with its slashes merged (`/get/https:/example.com/`, as Envoy hands it on) is
    // plain text.
    RuleDef::always(RFI_URL, |v| v.is_path() && url_segment(v.lower())).anchored(&[InPath(":/")]),
];

/// The schemes whose URLs the rules read.
const SCHEMES: [&str; 9] = [
    "http://",
    "https://",
    "ftp://",
    "ftps://",
    "ldap://",
    "ldaps://",
    "gopher://",
    "dict://",
    "tftp://",
];

struct Url<'a> {
    scheme: &'a str,
    /// The authority: user information, host and port.
    host: &'a str,
    /// The path ends with a script or text file name (`.php`, `.txt`, `.jsp`, …).
    script: bool,
    /// The URL ends with `?` after a file name (the application's own suffix cut off).
    chopped: bool,
}

/// Whether a URL may start at `i` of `lower`: where a value starts or after a blank, `=`, a
/// quote or `>`.
fn starts_value(lower: &str, i: usize) -> bool {
    let before = lower.get(..i).unwrap_or_default();
    before.is_empty() || before.ends_with([' ', '=', '"', '\'', '>', '\t', '\n'])
}

/// The URLs of [`SCHEMES`] a value starts with or holds after a blank, `=`, a quote (a `file:`
/// URL is traversal's, `path-010`).
fn urls(lower: &str) -> impl Iterator<Item = Url<'_>> {
    SCHEMES.into_iter().flat_map(move |scheme| {
        lower.match_indices(scheme).filter_map(move |(i, _)| {
            if !starts_value(lower, i) {
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

/// A URL of a scheme a server's URL library fetches and no person links to in a form, where a
/// value starts or after a blank, `=` or a quote: `gopher://`, `dict://`, `tftp://`,
/// `netdoc:`, Python's `local_file:`, Java's `jar:` around another URL (`jar:http://x/b.zip!/a`,
/// `jar:file:/x.jar!/a`) and `url:` before a `file:` or `jar:` URL (`url:file:///etc/passwd`).
/// Not "Jar: 2", "URL: https://…", `gopher` as a word.
fn fetch_scheme(lower: &str) -> bool {
    const SCHEMES: [&str; 5] = ["gopher://", "dict://", "tftp://", "netdoc:", "local_file:"];
    const WRAPPED: [&str; 4] = ["http:", "https:", "ftp:", "file:"];
    let at_start = |scheme: &str| {
        lower
            .match_indices(scheme)
            .any(|(i, _)| starts_value(lower, i))
    };
    SCHEMES.iter().any(|s| at_start(s))
        || lower.match_indices("jar:").any(|(i, _)| {
            starts_value(lower, i)
                && WRAPPED
                    .iter()
                    .any(|w| lower.get(i + 4..).is_some_and(|r| r.starts_with(w)))
        })
        || lower.match_indices("url:").any(|(i, _)| {
            starts_value(lower, i)
                && lower
                    .get(i + 4..)
                    .is_some_and(|r| r.starts_with("file:") || r.starts_with("jar:"))
        })
}

/// A URL whose user information (before the `@` of its authority) hides the host a reader
/// sees: it holds an encoded `/`, `\`, `?` or `#` (`http://example.com%2f@evil.com/`,
/// `http://example.com%2f:x@evil.com/`), which a checker that decodes first reads as the end
/// of the host, and a client that does not as a user name. Read on the value as it came, so
/// that the encoded separator is still one; not `http://user:pass@example.com/`.
fn hidden_host(text: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(text).to_ascii_lowercase();
    lower.match_indices("://").any(|(i, _)| {
        let rest = lower.get(i + 3..).unwrap_or_default();
        let end = rest
            .find(['/', '?', '#', ' ', '"', '\'', '<', '>'])
            .unwrap_or(rest.len());
        let authority = rest.get(..end).unwrap_or_default();
        authority.rsplit_once('@').is_some_and(|(user, _)| {
            ["%2f", "%5c", "%3f", "%23", "\\", "%252f", "%255c"]
                .iter()
                .any(|s| user.contains(s))
        })
    })
}

/// A URL given to a parameter named for a local directory or include path: `include`,
/// `require`, `inc`, `docroot`, `basedir`, `rootdir`, `abspath`, `includedir`, …, or `path`,
/// `root` or `dir` with what says whose (`mosConfig_absolute_path`, `_CONF[path]`,
/// `appserv_root`, `config[root_dir]`, `_SERVER[DOCUMENT_ROOT]`): the application includes
/// the file it names. Not `redirect_path`, `image_dir`, `url`, `website`.
fn path_parameter(v: &View) -> bool {
    const ALONE: [&str; 16] = [
        "include",
        "includes",
        "require",
        "inc",
        "docroot",
        "basedir",
        "rootdir",
        "abspath",
        "basepath",
        "rootpath",
        "includedir",
        "includepath",
        "libdir",
        "libpath",
        "classpath",
        "incdir",
    ];
    const PLACE: [&str; 3] = ["path", "root", "dir"];
    const WHOSE: [&str; 18] = [
        "absolute", "abs", "base", "root", "doc", "document", "include", "lib", "class", "install",
        "conf", "config", "cfg", "server", "app", "appserv", "gallery", "dir",
    ];
    let Some(name) = v.parameter() else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let named = words.iter().any(|w| ALONE.contains(w))
        || words.iter().enumerate().any(|(i, w)| {
            PLACE.contains(w)
                && words
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != i && (WHOSE.contains(o) || o.ends_with("config")))
        });
    let value = v.lower().trim_start();
    named
        && ["http://", "https://", "ftp://", "ftps://"]
            .iter()
            .any(|s| value.starts_with(s))
}

/// A value that is a URL and ends with `?` (`https://foo.bar?`): the query the application
/// appends cut off. Links copied from prose end so too: level 2.
fn ends_with_question(lower: &str) -> bool {
    let value = lower.trim();
    value.ends_with('?')
        && !value.contains([' ', '\t', '\n'])
        && SCHEMES.iter().any(|s| value.starts_with(s))
}

/// A URL as a segment of the request path (`/get/https://example.com/`, also with its slashes
/// merged: `/get/https:/example.com/`), which a proxying route fetches; archives of web pages
/// take such paths too.
fn url_segment(lower: &str) -> bool {
    ["/http:/", "/https:/", "/ftp:/", "/ftps:/"]
        .iter()
        .any(|s| lower.contains(s))
}
