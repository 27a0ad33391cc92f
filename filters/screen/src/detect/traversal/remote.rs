//! Files reached by other names than a relative path (CRS 930xxx, and 931131's `file:` URLs):
//! a Windows UNC path (`\\host\c$\…`, `\\?\C:\…`, `\\.\pipe\…`), which makes a Windows server
//! open a share on another host or a device, and a `file:` URL (`file:///etc/./passwd`).
//! Their rows are in the traversal table ([`super::TABLE`]).

/// `\\` where a value or a quoted string starts, then `?\` or `.\` (the device and long-path
/// prefixes), or a host name or address, `\` and a share name (`\\10.0.0.1\c$`,
/// `\\attacker\share\x`). A regular expression or an escaped string in prose (`"\\d+"`,
/// `C:\\Users`) has no host and share after a leading `\\`.
pub(super) fn unc(lower: &str) -> bool {
    lower.match_indices("\\\\").any(|(i, _)| {
        let before = lower.get(..i).unwrap_or_default();
        if !(before.is_empty() || before.ends_with([' ', '=', '"', '\'', '\t', '\n', '('])) {
            return false;
        }
        let rest = lower.get(i + 2..).unwrap_or_default();
        if rest.starts_with("?\\") || rest.starts_with(".\\") {
            return true;
        }
        let host = rest.len()
            - rest
                .trim_start_matches(|c: char| {
                    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '@')
                })
                .len();
        let share = rest
            .get(host..)
            .and_then(|r| r.strip_prefix('\\'))
            .unwrap_or_default();
        let share_len = share.len()
            - share
                .trim_start_matches(|c: char| {
                    c.is_ascii_alphanumeric() || matches!(c, '$' | '-' | '_' | '.')
                })
                .len();
        host > 0 && share_len > 0
    })
}

/// `file:` and then `//` or `/` and a path (`file:///etc/passwd`, `file://localhost/c:/`,
/// `file:/etc/passwd`); not "file: report.pdf".
pub(super) fn file_url(lower: &str) -> bool {
    lower.match_indices("file:").any(|(i, _)| {
        let glued = i > 0
            && lower
                .as_bytes()
                .get(i - 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let rest = lower.get(i + 5..).unwrap_or_default();
        !glued
            && (rest.starts_with('/') || rest.starts_with("\\\\"))
            && rest
                .trim_start_matches(['/', '\\'])
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'%')
    })
}
