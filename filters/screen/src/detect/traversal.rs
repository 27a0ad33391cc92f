//! Path traversal: `..` segments, NUL bytes, overlong encodings, and well-known OS files, in a
//! decoded value with `\` read as `/` (Windows servers accept both); `..` joined to a separator
//! in a form only lenient decoders read (`..0x2f`, `%u2215..`; [`encoded`]). At level 2 also files
//! asked for by a server-data name, and shell output redirected into a file in a directory
//! anyone can write to or the server reads from (`>/tmp/x`).

mod encoded;
pub(crate) mod remote;

use super::words::word_list;
#[cfg(test)]
use super::Rule;
use super::{
    TRAVERSAL_DOT_DOT, TRAVERSAL_ENCODED_DOT_DOT, TRAVERSAL_FILE_URL, TRAVERSAL_FILE_WRITE,
    TRAVERSAL_HIDDEN, TRAVERSAL_NUL, TRAVERSAL_OS_FILE, TRAVERSAL_OVERLONG, TRAVERSAL_SERVER_DATA,
    TRAVERSAL_UNC,
};
#[cfg(test)]
use crate::detect::ValueKind;
use crate::engine::anchor::{guard, ByteClass};
use crate::engine::Anchor::{self, Byte, InPath, Piece, Pieces, RawByte, WhereAny};
use crate::engine::{RuleDef, View};
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

word_list! {
    /// Files an attacker reads through traversal or inclusion; matched as path suffixes or
    /// segments, case-insensitively.
    OS_FILES = "os-files"
}

/// Directories of [`OS_FILES`] (ending in `/`) that are also asked for without the slash at the
/// end of a value (`/sys/class`).
fn directory_at_end(haystack: &[u8], dir: &str) -> bool {
    haystack.ends_with(dir.as_bytes())
        && haystack
            .get(..haystack.len() - dir.len())
            .is_some_and(|b| b.ends_with(b"/"))
}

/// The [`OS_FILES`] that are directories (written with a trailing `/`), without it.
fn os_directories() -> &'static [&'static str] {
    static DIRECTORIES: OnceLock<Vec<&'static str>> = OnceLock::new();
    DIRECTORIES.get_or_init(|| {
        OS_FILES
            .iter()
            .filter_map(|f| f.strip_suffix('/'))
            .collect()
    })
}

/// The traversal rules, in the order they name a finding: a `..` segment, NUL, an overlong
/// encoding, an OS file, a hidden path segment, then `..` in a lenient decoder's form (last:
/// where another rule fires too, that one names the finding); at level 2 server data by name
/// and output written into a system directory.
pub const TABLE: &[RuleDef] = &[
    RuleDef::always(TRAVERSAL_DOT_DOT, |v| has_dot_dot_segment(v.slashed()))
        .anchored(&[Piece("..")]),
    RuleDef::always(TRAVERSAL_NUL, |v| v.bytes().contains(&0)).anchored(&[Piece("\0")]),
    // Overlong bytes as sent, or a `%` of their escapes.
    RuleDef::always(TRAVERSAL_OVERLONG, has_overlong)
        .anchored(&[RawByte(ByteClass::of(b"%\xC0\xC1\xE0"))]),
    RuleDef::always(TRAVERSAL_OS_FILE, os_file).anchored(OS_FILE_ANCHORS),
    // A segment's leading `.`, in the path alone.
    RuleDef::always(TRAVERSAL_HIDDEN, |v| {
        v.is_path() && has_hidden_segment(v.slashed())
    })
    .anchored(&[InPath(".")]),
    // Two dots, or a lenient form of a dot or separator ([`encoded`]): a hex literal, a `%` left
    // by decoding (or in the value as sent, which the rule decodes again), the lead byte of an
    // overlong or look-alike character.
    RuleDef::always(TRAVERSAL_ENCODED_DOT_DOT, encoded::detect).anchored(&[
        Pieces(&["..", "0x2e", "0x2f", "0x5c"]),
        Byte(LENIENT_FORMS),
        RawByte(ByteClass::of(b"%")),
    ]),
    // The name ends with one of the extensions.
    RuleDef::always(TRAVERSAL_SERVER_DATA, |v| {
        server_data(v.lower(), v.is_path())
    })
    .anchored(&[Pieces(&SERVER_DATA)]),
    // Every redirection has its `>`.
    RuleDef::always(TRAVERSAL_FILE_WRITE, |v| writes_file(v.slashed())).anchored(&[Piece(">")]),
    // UNC paths need `\\`; `file:/etc/passwd` in a path is plain.
    RuleDef::always(TRAVERSAL_UNC, |v| remote::unc(v.lower())).anchored(&[Piece("\\\\")]),
    RuleDef::always(TRAVERSAL_FILE_URL, |v| remote::file_url(v.lower()))
        .anchored(&[Piece("file:")]),
];

/// The bytes a lenient form of a dot or separator starts with ([`encoded`]): an escape's `%`,
/// the lead bytes of overlong UTF-8 (`C0`, `C1`, `E0`, `F0` to `FC`) and of the look-alike
/// characters (U+2215, U+2216, U+2024: `E2`; U+EFC8: `EE`; U+F025, U+FF0E: `EF`).
const LENIENT_FORMS: ByteClass = {
    let mut class = ByteClass::of(b"%\xC0\xC1\xE0\xE2\xEE\xEF");
    class.0[3] |= 0xFFFF << 48;
    class
};

/// Of each of [`OS_FILES`] a piece without `/` (which the value may write `\`): its rarest
/// segment, or a directory's name with a separator (or the value's end) after it. A unit test
/// checks that every file holds one.
const OS_FILE_ANCHORS: &[Anchor] = &[
    Pieces(&[
        "passwd",
        "shadow",
        "win.ini",
        "boot.ini",
        "system32",
        "system.ini",
        ".htaccess",
        ".htpasswd",
        "web.config",
        "web-inf",
        "id_rsa",
        ".bash_history",
        ".env",
        "wp-config",
        "backup.sql",
        "credentials",
        "debug.log",
        "@fs",
        "__x00__",
        "cpuinfo",
        "meminfo",
        "kallsyms",
    ]),
    WhereAny(
        &[
            "etc", "proc", "sys", "var", ".git", ".ssh", ".docker", ".aws", "@id",
        ],
        guard::then_separator,
    ),
];

/// The level-1 traversal rules that match; `raw` is the value as sent, `decoded` after
/// [`crate::decode::decode_fully`].
#[cfg(test)]
pub fn detect(raw: &[u8], decoded: &[u8], is_path: bool) -> Vec<Rule> {
    detect_with(raw, decoded, is_path, true)
}

/// [`detect`], with its prechecks on or off (off only to check that they change nothing).
#[cfg(test)]
pub fn detect_with(raw: &[u8], decoded: &[u8], is_path: bool, prechecks: bool) -> Vec<Rule> {
    let kind = if is_path {
        ValueKind::Path
    } else {
        ValueKind::Text
    };
    crate::engine::matching(TABLE, 1, &View::with(raw, decoded, kind, prechecks))
}

/// The level-2 traversal rules that match a decoded value.
#[cfg(test)]
pub fn detect_level2(decoded: &[u8], is_path: bool) -> Vec<Rule> {
    let kind = if is_path {
        ValueKind::Path
    } else {
        ValueKind::Text
    };
    crate::engine::matching(TABLE, 2, &View::with(decoded, decoded, kind, true))
}

/// A well-known OS or server file: in the URL path an OS file name is a request for that
/// file; in a parameter only when it looks like a path (a bare "win.ini" in a search box is
/// not an attack).
fn os_file(v: &View) -> bool {
    let haystack = v.slashed();
    os_file_in(haystack, v.is_path())
        || without_self_segments(haystack)
            .is_some_and(|resolved| os_file_in(&resolved, v.is_path()))
}

/// `slashed` with the segments a file system skips removed, if it has any: `.` segments and
/// repeated slashes (`/etc/./passwd`, `/etc//passwd` name `/etc/passwd`). A `//` right after
/// a `:` opens a URL's authority and stays.
fn without_self_segments(slashed: &[u8]) -> Option<Vec<u8>> {
    let skips = slashed.windows(3).any(|w| w == b"/./")
        || slashed.ends_with(b"/.")
        || slashed
            .windows(3)
            .any(|w| w.get(1..) == Some(b"//") && w.first() != Some(&b':'));
    if !skips {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(slashed.len());
    let mut i = 0;
    while let Some(&b) = slashed.get(i) {
        let after_slash = out.last() == Some(&b'/');
        let url_authority = out.len() >= 2 && out.ends_with(b":/");
        if b == b'/' && after_slash && !url_authority {
            i += 1;
        } else if b == b'.' && after_slash && matches!(slashed.get(i + 1), None | Some(b'/')) {
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// [`os_file`] on one spelling of the value.
fn os_file_in(haystack: &[u8], is_path: bool) -> bool {
    // Bytes, not text: every name is ASCII, so no match runs through a byte that is not UTF-8.
    // Each name's occurrences as a search for that name alone finds them: left to right, each
    // starting after the previous one's end (`etc/issuetc/issue` holds one `etc/issue`).
    let mut searched_to = [0usize; OS_FILES.len()];
    os_directories()
        .iter()
        .any(|dir| directory_at_end(haystack, dir))
        || os_files().is_some_and(|files| {
            files.find_overlapping_iter(haystack).any(|m| {
                let index = m.pattern().as_usize();
                let file = OS_FILES.get(index).copied().unwrap_or_default();
                let Some(end) = searched_to.get_mut(index).filter(|end| m.start() >= **end) else {
                    return false;
                };
                *end = m.end();
                let before = haystack.get(..m.start()).unwrap_or_default();
                is_path || before.ends_with(b"/") || before.is_empty() && file.contains('/')
            })
        })
}

word_list! {
    /// Extensions of files a server keeps beside what it serves: logs, database dumps, backups
    /// and editor leftovers (`error.log`, `backup.sql.zip`, `index.php.bak`).
    SERVER_DATA = "path-server-data"
}

word_list! {
    /// Archives a dump is shipped in (`.sql.gz`).
    ARCHIVES = "path-archives"
}

word_list! {
    /// Directories a command injected into a shell writes its file to: the world-writable ones
    /// (`/tmp/`, `/var/tmp/`, `/dev/shm/`, Windows' temp), the web root (a script dropped there is
    /// served) and the system's configuration and administrator's home. Matched with `\` read as
    /// `/`, lowercase.
    WRITABLE_DIRS = "path-writable-dirs"
}

/// Shell output redirection into a file in one of [`WRITABLE_DIRS`]: `>` or `>>` (after
/// `2`, `&` or anything), blanks, the directory, and a file name in it (`>/tmp/curl`,
/// `>> /var/www/html/x.php`). A directory alone is no file (`>/tmp`), nor another path
/// (`>/test.environment`); a `>` that closes an HTML tag is markup, not a redirection
/// (`<code>/tmp/cache</code>`). `text`: the value lowercase, `\` read as `/` ([`View::slashed`]).
fn writes_file(text: &[u8]) -> bool {
    // Whether a `<` is open (not yet closed by a `>`) at the current position.
    let mut in_tag = false;
    text.iter().enumerate().any(|(i, &b)| {
        if b == b'<' {
            in_tag = true;
            return false;
        }
        if b != b'>' {
            return false;
        }
        if std::mem::take(&mut in_tag) || text.get(i + 1) == Some(&b'>') {
            // Closes a tag, or the first of `>>` (the second is looked at next).
            return false;
        }
        let rest = text.get(i + 1..).unwrap_or_default();
        let rest = rest
            .get(
                rest.iter()
                    .take_while(|c| matches!(c, b' ' | b'\t'))
                    .count()..,
            )
            .unwrap_or_default();
        WRITABLE_DIRS.iter().any(|dir| {
            rest.strip_prefix(dir.as_bytes()).is_some_and(|name| {
                name.first()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            })
        })
    })
}

/// A log, dump or backup file asked for by name ([`detect_level2`]).
fn server_data(lower: &str, is_path: bool) -> bool {
    let text = lower;
    let name = if is_path {
        let path = text.split(['?', '#']).next().unwrap_or_default();
        path.rsplit('/').next().unwrap_or_default()
    } else {
        // A whole value without blanks: a file name or a path.
        let trimmed = text.trim();
        if trimmed.contains(char::is_whitespace) || trimmed.len() > 255 {
            return false;
        }
        trimmed.rsplit(['/', '\\']).next().unwrap_or_default()
    };
    let name = ARCHIVES
        .iter()
        .find_map(|a| name.strip_suffix(a))
        .unwrap_or(name);
    SERVER_DATA.iter().any(|ext| {
        name.strip_suffix(ext).is_some_and(|stem| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
    })
}

/// One automaton for [`OS_FILES`], built once: a single pass over a value instead of one
/// substring search per file name (one searcher setup per name per value, on every value screened,
/// were a third of the time of screening a GET's headers). It reports every occurrence of
/// every name, overlapping ones too; [`detect`] keeps those a search per name would find.
/// `None` only if building failed, which the unit tests rule out.
fn os_files() -> Option<&'static AhoCorasick> {
    static OS_FILE_MATCHER: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    OS_FILE_MATCHER
        .get_or_init(|| AhoCorasick::new(OS_FILES).ok())
        .as_ref()
}

/// A path segment naming a hidden file or directory (`/.git/config`, `/.env`), except
/// `/.well-known/` (RFC 8615) and the `.`/`..` segments (the `..` rule's business).
fn has_hidden_segment(text: &[u8]) -> bool {
    let path = text.split(|b| *b == b'?').next().unwrap_or_default();
    path.split(|b| *b == b'/').any(|segment| {
        segment.len() > 1
            && segment.first() == Some(&b'.')
            && segment.get(1) != Some(&b'.')
            && segment != b".well-known"
    })
}

/// A `..` that is a whole path segment (`../`, `/..`, `..;/`), or `...`-style variants some
/// servers collapse (`..../`). Not an ellipsis ending the text (`L;/...`: three dots climb
/// nowhere unless a segment follows), nor a relative link in markup (`<a href="../">`: the
/// value is HTML a browser resolves against its page, not a path a server opens; a link to a
/// system file is still `path-003`, a script in it still XSS).
fn has_dot_dot_segment(text: &[u8]) -> bool {
    let mut i = 0;
    while let Some(pos) = find(text.get(i..).unwrap_or_default(), b"..") {
        let start = i + pos;
        let mut end = start;
        while text.get(end) == Some(&b'.') {
            end += 1;
        }
        let before_ok =
            start == 0 || matches!(text.get(start - 1), Some(b'/' | b'=' | b' ' | b'"' | b'\''));
        let after = text.get(end);
        let after_ok = matches!(after, None | Some(b'/' | b';' | b'?' | b'#' | 0));
        let ellipsis = after.is_none() && end - start > 2;
        if before_ok
            && after_ok
            && (after.is_some() || start > 0)
            && !ellipsis
            && !link(text, start)
        {
            return true;
        }
        i = end;
    }
    false
}

/// Whether the `..` at `start` opens a quoted `href`/`src` attribute of a tag in the value.
fn link(text: &[u8], start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let Some(attribute) = before
        .strip_suffix(b"\"")
        .or_else(|| before.strip_suffix(b"'"))
        .and_then(|b| b.strip_suffix(b"="))
    else {
        return false;
    };
    (attribute.ends_with(b" href") || attribute.ends_with(b" src")) && attribute.contains(&b'<')
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `%c0%ae`-style overlong UTF-8, percent-encoded at any depth, or raw: in the value as sent,
/// or after one or two rounds of percent-decoding (a value without `%` decodes to itself).
fn has_overlong(v: &View) -> bool {
    overlong_bytes(v.raw()) || overlong_bytes(v.percent_once()) || overlong_bytes(v.percent_twice())
}

/// An overlong UTF-8 sequence in `v`: `C0`/`C1` or `E0 8x/9x` opening a sequence.
fn overlong_bytes(v: &[u8]) -> bool {
    v.windows(2)
        .any(|w| matches!(w, [0xC0 | 0xC1, b] if b & 0xC0 == 0x80))
        || v.windows(3)
            .any(|w| matches!(w, [0xE0, b, c] if b & 0xE0 == 0x80 && c & 0xC0 == 0x80))
}

#[cfg(test)]
mod tests {
    /// Every OS file holds one of [`super::OS_FILE_ANCHORS`], with a separator after a
    /// directory's name (or its end, for a directory).
    #[test]
    fn every_os_file_holds_an_anchor() {
        for file in super::OS_FILES {
            for separator in ["/", "\\"] {
                let text = file.replace('/', separator);
                let whole = text.trim_end_matches(separator);
                for t in [text.as_str(), whole] {
                    let view = crate::engine::View::of(t.as_bytes());
                    assert!(
                        crate::engine::anchor::naive::holds_any(super::OS_FILE_ANCHORS, &view),
                        "{t}"
                    );
                }
            }
        }
    }

    #[test]
    fn level2_server_data_files() {
        for (v, is_path) in [
            ("/wp-content/error.log", true),
            ("/logs/app.log?x=1", true),
            ("/db/backup.sql.gz", true),
            ("/index.php.bak", true),
            ("backup.sql.zip", false),
            ("/var/www/site.sql", false),
            ("c:\\inetpub\\dump.mdb", false),
        ] {
            assert_eq!(
                detect_level2(v.as_bytes(), is_path),
                [TRAVERSAL_SERVER_DATA],
                "{v}"
            );
        }
        for (v, is_path) in [
            ("/blog/how-to-read-a.log-file", true),
            ("/catalog", true),
            ("/api/logs", true),
            ("see error.log for details", false),
            ("report.pdf", false),
            (".log", false),
            ("changelog", false),
            ("SQL.ZIP", false),
        ] {
            assert!(detect_level2(v.as_bytes(), is_path).is_empty(), "{v}");
        }
    }

    #[test]
    fn level2_file_writes() {
        for v in [
            ">/tmp/curl",
            "x >/tmp/curl",
            "id > /tmp/out.txt",
            "echo PD9w >> /var/www/html/x.php",
            "ls 2>/dev/shm/.x",
            "&>/var/tmp/log",
            ">\t/TMP/Curl",
            "dir > C:\\Windows\\Temp\\x.txt",
            "set > %TEMP%\\a",
            "echo * * * * * x >/etc/cron.d/job",
        ] {
            let decoded = decode_fully(v.as_bytes(), true, true);
            assert_eq!(
                detect_level2(&decoded, false),
                [TRAVERSAL_FILE_WRITE],
                "{v}"
            );
        }
        for v in [
            ">/tmp",
            ">/tmp/",
            ">/test.environment",
            "files under /tmp/cache are removed at boot",
            "<code>/tmp/cache</code>",
            "<b>/etc/</b> and /tmp/x",
            "ratio > 3/tmp",
            "x>/templates/a",
            "see https://example.com/etc/x",
        ] {
            let decoded = decode_fully(v.as_bytes(), true, true);
            assert!(detect_level2(&decoded, false).is_empty(), "{v}");
        }
        // The cost of level 2: an arrow in prose pointing at such a file reads as a redirection.
        assert_eq!(
            detect_level2(b"moved it -> /tmp/x", false),
            [TRAVERSAL_FILE_WRITE]
        );
    }

    #[test]
    fn credentials_debug_logs_and_dev_server_routes() {
        for (v, is_path) in [
            ("/root/.aws/credentials", false),
            ("/wp-content/debug.log", true),
            ("/@fs/etc/hosts", true),
            ("/@id/__x00__?import", true),
        ] {
            assert!(
                detect(v.as_bytes(), v.as_bytes(), is_path).contains(&TRAVERSAL_OS_FILE),
                "{v}"
            );
        }
        assert!(detect(
            b"my aws credentials expired",
            b"my aws credentials expired",
            false
        )
        .is_empty());
    }

    use super::*;
    use crate::decode::decode_fully;

    fn ids(raw: &str, is_path: bool) -> Vec<&'static str> {
        let decoded = decode_fully(raw.as_bytes(), false, true);
        detect(raw.as_bytes(), &decoded, is_path)
            .into_iter()
            .map(|r| r.id)
            .collect()
    }

    #[test]
    fn dot_dot_in_every_encoding() {
        for v in [
            "../../etc/hosts",
            "..\\..\\boot",
            "%2e%2e%2fsecret",
            "%2E%2E/secret",
            "%252e%252e%252fsecret",
            "..%c0%afsecret",
            "%c0%ae%c0%ae/secret",
            "..%5c..%5csecret",
            "/static/..;/admin",
            "file=../x",
            "....//....//x",
            "x/..",
            "x/.../y",
            "href=\"../../etc\"",
            "<a title=\"../\">",
        ] {
            assert!(
                ids(v, false).contains(&"path-001"),
                "{v}: {:?}",
                ids(v, false)
            );
        }
    }

    #[test]
    fn dots_that_are_not_traversal() {
        for v in [
            "v1..v2",
            "wait...",
            "a.b.c",
            "1..10",
            "../",
            "",
            "[I['=\\]=-]L;/...",
            "so it goes /...",
            "junk <a href=\"../\">foo.com</a>",
            "<img src='../img/x.png'>",
        ] {
            let found = ids(v, false);
            if v == "../" {
                assert!(found.contains(&"path-001"));
            } else {
                assert!(!found.contains(&"path-001"), "{v}: {found:?}");
            }
        }
    }

    #[test]
    fn os_files_as_a_search_per_name_finds_them() {
        assert!(os_files().is_some());
        // Two names at one place both count.
        assert!(ids("x=/windows/win.ini", false).contains(&"path-003"));
        assert!(ids("win.ini/etc/passwd", false).contains(&"path-003"));
        // Overlapping occurrences of one name: neither after a `/`, so not a path.
        assert!(!ids("xetc/issuetc/issue", false).contains(&"path-003"));
        assert!(ids("x/etc/issue", false).contains(&"path-003"));
    }

    #[test]
    fn overlong_precheck_at_its_edge() {
        // Raw overlong bytes (no `%`: the precheck's path), once and twice percent-encoded,
        // and a lone `%` or `%` escapes of nothing overlong: the same with and without it.
        let cases: [(&[u8], bool); 7] = [
            (b"\xc0\xae\xc0\xae/etc", true),
            (b"a\xe0\x80\xaf", true),
            (b"%c0%ae%c0%ae/", true),
            (b"%25c0%25ae", true),
            (b"100% cotton \xc3\xa9", false),
            (b"%41%42 \xe0\xa4\x85", false),
            (b"\xc0", false),
        ];
        for (raw, overlong) in cases {
            assert_eq!(has_overlong(&View::of(raw)), overlong, "{raw:?}");
        }
    }

    #[test]
    fn nul_overlong_and_os_files() {
        assert!(ids("report.pdf%00.jpg", false).contains(&"path-002"));
        assert!(ids("%c0%ae%c0%ae", false).contains(&"path-004"));
        assert!(ids("/etc/passwd", false).contains(&"path-003"));
        assert!(ids("/var/www/../../etc/PASSWD", false).contains(&"path-003"));
        assert!(ids("C:\\Windows\\win.ini", false).contains(&"path-003"));
        assert!(ids("/app/.htaccess", true).contains(&"path-003"));
        // A bare file name in a parameter is not a path.
        assert!(!ids("how to edit win.ini", false).contains(&"path-003"));
        assert!(ids("/images/.env", true).contains(&"path-003"));
        assert!(ids("/.git/HEAD", true).contains(&"path-005"));
        assert!(ids("/sys/class", false).contains(&"path-003"));
        assert!(ids("/get/proc/interrupts", true).contains(&"path-003"));
        assert!(ids("../../proc/cpuinfo", false).contains(&"path-003"));
        assert!(!ids("sys/classic", false).contains(&"path-003"));
        assert!(!ids("the proc/meminfo docs", false).contains(&"path-003"));
        assert!(ids("/.claude/settings.json", true).contains(&"path-005"));
        assert!(!ids("/.well-known/openid-configuration", true).contains(&"path-005"));
        assert!(!ids("/docs/v1.2/readme.md", true).contains(&"path-005"));
        assert!(!ids("x.git", false).contains(&"path-005"));
    }

    #[test]
    fn os_files_behind_segments_the_file_system_skips() {
        for v in [
            "/etc/./passwd",
            "/etc//shadow",
            "/./etc/./././hosts",
            "c:\\windows\\.\\win.ini",
        ] {
            assert!(ids(v, false).contains(&"path-003"), "{v}");
        }
        for v in [
            "see https://example.com//etc.html",
            "v1./etc",
            "a ./ b",
            "https://x.test/./",
        ] {
            assert!(!ids(v, false).contains(&"path-003"), "{v}");
        }
    }
}
