//! The request path: splitting off the query, normalising for matching, editing the query.
//!
//! Route rules match on a normalised path so that `/public/../admin`, `//admin` or
//! `/%61dmin` cannot slip past a rule written for `/admin`. Normalisation here follows
//! RFC 3986: percent-encoded unreserved characters are decoded, repeated slashes merged and dot
//! segments resolved. Encoded slashes (`%2F`) and backslashes are left alone, as Envoy leaves
//! them; configure Envoy's `path_with_escaped_slashes_action` to refuse or redirect them.

/// The path without its query string or fragment.
pub fn path_only(path: &str) -> &str {
    let end = path
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(path.len());
    path.get(..end).unwrap_or(path)
}

/// The query string (after `?`, before `#`), if any.
pub fn query_of(path: &str) -> Option<&str> {
    let start = path.find('?')? + 1;
    let rest = path.get(start..)?;
    let end = rest.find('#').unwrap_or(rest.len());
    rest.get(..end)
}

/// The value of one hexadecimal digit.
pub fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Decodes `%XX` escapes of unreserved characters only (RFC 3986 section 6.2.2.2).
fn decode_unreserved(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                let decoded = hi * 16 + lo;
                if is_unreserved(decoded) {
                    out.push(decoded);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    // Only ASCII bytes were substituted for ASCII escapes, so the result is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The path as route rules see it: no query, unreserved escapes decoded, `//` merged, `.` and
/// `..` resolved. Always starts with `/`.
pub fn normalize_path(path: &str) -> String {
    let path = path_only(path);
    if is_normal(path) {
        // Most request paths: every filter in the chain normalizes the path of every request,
        // and the general way splits, collects and rebuilds it to the same text.
        return path.to_string();
    }
    normalize_general(path)
}

/// Whether [`normalize_general`] would give `path` back unchanged: it starts with `/`, has no
/// escape to decode, no empty segment but a trailing one (`//`), no `.` or `..` segment.
///
/// One pass over the bytes: every filter asks this of every request's path.
fn is_normal(path: &str) -> bool {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return false;
    }
    // The segment after each `/` runs to the next `/` or the end.
    let mut segment_start = 1;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        match b {
            b'%' => return false,
            b'/' => {
                let segment = bytes.get(segment_start..i).unwrap_or_default();
                if matches!(segment, b"" | b"." | b"..") {
                    return false;
                }
                segment_start = i + 1;
            }
            _ => {}
        }
    }
    !matches!(bytes.get(segment_start..), Some(b"." | b".."))
}

/// [`normalize_path`] for any path (without its query).
fn normalize_general(path: &str) -> String {
    let decoded = decode_unreserved(path);
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing_slash =
        decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    let mut out = String::with_capacity(decoded.len() + 1);
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || (trailing_slash && !segments.is_empty()) {
        out.push('/');
    }
    out
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space and `%XX` a byte.
pub fn form_decode(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi * 16 + lo);
                    i += 3;
                    continue;
                }
                out.push(b);
            }
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

/// The query's parameters as (decoded name, decoded value), in order; repeats kept.
pub fn query_params(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((n, v)) => (form_decode(n), form_decode(v)),
            None => (form_decode(pair), Vec::new()),
        })
        .collect()
}

/// The same path with every query parameter whose decoded name is `name` removed; the
/// parameters that remain are kept byte for byte, and a query left empty is dropped.
pub fn remove_query_param(path: &str, name: &str) -> String {
    let Some(query) = query_of(path) else {
        return path.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|pair| {
            let raw_name = pair.split_once('=').map_or(*pair, |(n, _)| n);
            form_decode(raw_name) != name.as_bytes()
        })
        .collect();
    let mut out = path_only(path).to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(i) = path.find('#') {
        out.push_str(path.get(i..).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_path_and_query() {
        assert_eq!(path_only("/a/b?x=1#f"), "/a/b");
        assert_eq!(query_of("/a/b?x=1#f"), Some("x=1"));
        assert_eq!(query_of("/a/b"), None);
        assert_eq!(query_of("/a?"), Some(""));
    }

    /// The shortcut for paths already normal gives what the general way gives, on paths built from
    /// every piece that matters to it (slashes, dots, escapes, queries), and takes only paths the
    /// general way leaves unchanged.
    #[test]
    fn the_shortcut_agrees_with_the_general_way() {
        let pieces = [
            "/", "a", ".", "..", "%2e", "%41", "%", "b.c", "?x=/..", ";", "\\", "~", "#",
        ];
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            paths = paths
                .iter()
                .flat_map(|p| pieces.iter().map(move |q| format!("{p}{q}")))
                .collect();
            for p in &paths {
                assert_eq!(normalize_path(p), normalize_general(path_only(p)), "{p:?}");
                if is_normal(path_only(p)) {
                    assert_eq!(normalize_general(path_only(p)), path_only(p), "{p:?}");
                }
            }
        }
        let reference = |path: &str| {
            path.starts_with('/')
                && !path.contains('%')
                && !path.contains("//")
                && path.split('/').all(|s| s != "." && s != "..")
        };
        for p in &paths {
            assert_eq!(is_normal(p), reference(p), "{p:?}");
            assert_eq!(
                path_only(p),
                &p[..p.find(['?', '#']).unwrap_or(p.len())],
                "{p:?}"
            );
        }
        assert!(is_normal("/api/orders") && is_normal("/api/") && is_normal("/"));
        assert!(
            !is_normal("/a/./b") && !is_normal("/a//b") && !is_normal("/%61") && !is_normal("a")
        );
    }

    #[test]
    fn normalises_dot_segments_and_slashes() {
        assert_eq!(normalize_path("/public/../admin"), "/admin");
        assert_eq!(normalize_path("//admin//x"), "/admin/x");
        assert_eq!(normalize_path("/a/./b/"), "/a/b/");
        assert_eq!(normalize_path("/../../etc"), "/etc");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/a/.."), "/");
        assert_eq!(normalize_path("/a/b/.."), "/a/");
        assert_eq!(normalize_path("/x?y=/../z"), "/x");
    }

    #[test]
    fn decodes_only_unreserved_escapes() {
        assert_eq!(normalize_path("/%61dmin"), "/admin");
        assert_eq!(normalize_path("/%2e%2E/admin"), "/admin");
        assert_eq!(normalize_path("/a%2Fb"), "/a%2Fb");
        assert_eq!(normalize_path("/a%zz"), "/a%zz");
        assert_eq!(normalize_path("/a%"), "/a%");
    }

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("a+b%20c%2"), b"a b c%2");
        assert_eq!(form_decode("%ff"), vec![0xff]);
        assert_eq!(
            query_params("a=1&b&&c=x%3Dy"),
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), vec![]),
                (b"c".to_vec(), b"x=y".to_vec())
            ]
        );
    }

    #[test]
    fn removes_named_query_param_only() {
        assert_eq!(remove_query_param("/a?api_key=s&x=1", "api_key"), "/a?x=1");
        assert_eq!(remove_query_param("/a?api%5Fkey=s", "api_key"), "/a");
        assert_eq!(
            remove_query_param("/a?x=1&api_key=s&api_key=t&y=%20", "api_key"),
            "/a?x=1&y=%20"
        );
        assert_eq!(remove_query_param("/a?x=1#frag", "api_key"), "/a?x=1#frag");
        assert_eq!(remove_query_param("/a", "api_key"), "/a");
    }
}
