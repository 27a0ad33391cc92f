//! PHP code injection (CRS 933100-933220, 934170): an open tag, a stream wrapper, a superglobal
//! or variable variable, a configuration directive set through `ini_set` or PHP-FPM, the upload
//! of a PHP script or session file; the calls ([`call`]): of a function that runs commands or
//! code, through a variable or a string.

mod call;

use super::super::more::{is_ident, name_before, run_len, starts_of, upload_extension};
use super::super::{
    PHP_CALL, PHP_DIRECTIVE, PHP_FUNCTION_NAME, PHP_LOOSE, PHP_OPEN_TAG, PHP_SESSION_UPLOAD,
    PHP_UPLOAD, PHP_VARIABLE, PHP_VARIABLE_CALL, PHP_WRAPPER,
};
use crate::detect::ValueKind;
use crate::engine::Anchor::{InFileName, Pieces};
use crate::engine::{RuleDef, View};

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(PHP_OPEN_TAG, |v| open_tag(v.lower())).anchored(&[Pieces(&["<?", "php]"])]),
    RuleDef::always(PHP_WRAPPER, |v| wrapper(v.lower()))
        .anchored(&[Pieces(&["://", "data:", "ssh2."])]),
    RuleDef::always(PHP_VARIABLE, |v| superglobal(v.lower())).anchored(&[Pieces(&["$"])]),
    RuleDef::always(PHP_CALL, |v| call::dangerous(v.lower())).anchored(&[Pieces(&["("])]),
    RuleDef::always(PHP_VARIABLE_CALL, |v| call::through_variable(v.lower()))
        .anchored(&[Pieces(&["("])]),
    RuleDef::always(PHP_DIRECTIVE, |v| {
        directive(v.lower()) || ini_directive(v.lower(), true)
    })
    .anchored(&[Pieces(&["="])]),
    // Both read only an uploaded file's name.
    RuleDef::always(PHP_UPLOAD, script_upload).anchored(&[InFileName("ph")]),
    RuleDef::always(PHP_SESSION_UPLOAD, session_upload).anchored(&[InFileName("sess_")]),
    RuleDef::always(PHP_FUNCTION_NAME, |v| call::library(v.lower())).anchored(&[Pieces(&["("])]),
    RuleDef::always(PHP_LOOSE, |v| {
        let lower = v.lower();
        ini_directive(lower, false) || call::spaced_variable(lower)
    })
    .anchored(&[Pieces(&["=", "$"])]),
];

/// `name=` or `name = ` with a php.ini directive, where the value starts. With `only_php`, the
/// directives no form field is named (`memory_limit = 512M`, `extension_dir=/x`,
/// `unserialize_max_depth=…`); without, also those words and forms share (`engine=true`,
/// `precision=…`, `smtp=…`).
fn ini_directive(lower: &str, only_php: bool) -> bool {
    const ONLY_PHP: [&str; 18] = [
        "extension_dir",
        "memory_limit",
        "max_execution_time",
        "post_max_size",
        "upload_max_filesize",
        "display_errors",
        "error_reporting",
        "include_path",
        "sendmail_path",
        "unserialize_max_depth",
        "short_open_tag",
        "expose_php",
        "file_uploads",
        "upload_tmp_dir",
        "error_log",
        "log_errors",
        "output_buffering",
        "variables_order",
    ];
    const WORDS: [&str; 4] = ["engine", "extension", "precision", "smtp"];
    lower.match_indices('=').any(|(i, _)| {
        let (start, name) = name_before(lower, i, |c| c.is_ascii_alphanumeric() || c == '_');
        (ONLY_PHP.contains(&name) || (!only_php && WORDS.contains(&name)))
            && lower.get(..start).unwrap_or_default().trim().is_empty()
    })
}

/// `<?php`, `<?=`, `<?` then a blank and code (not `<?xml`), a value that ends with `<?` (the
/// rest of the code in another parameter), and the forum tags `[php]`, `[/php]`.
fn open_tag(lower: &str) -> bool {
    lower.match_indices("<?").any(|(i, _)| {
        let rest = lower.get(i + 2..).unwrap_or_default();
        rest.starts_with("php")
            || rest.starts_with('=')
            || rest.trim_end().is_empty()
            || (rest.starts_with([' ', '\t', '\n', '\r'])
                && rest
                    .trim_start()
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'$'))
    }) || lower.contains("[php]")
        || lower.contains("[/php]")
        || lower.contains("[\\php]")
}

/// PHP's stream wrappers (`php://filter`, `phar://`, `expect://`, `zlib://`, `glob://`,
/// `data://`) and a value that is a `data:` URL of a text or application type
/// (`data:text/plain;base64,…`), the include of attacker-given code; not image, audio, video
/// or font data.
fn wrapper(lower: &str) -> bool {
    const WRAPPERS: [&str; 11] = [
        "php://",
        "phar://",
        "expect://",
        "zlib://",
        "glob://",
        "data://",
        "compress.zlib://",
        "compress.bzip2://",
        "ogg://",
        "rar://",
        "zip://",
    ];
    // libssh2's wrappers: `ssh2.shell://`, `ssh2.exec://`, `ssh2.scp://`, …
    if lower.match_indices("ssh2.").any(|(i, _)| {
        let rest = lower.get(i + 5..).unwrap_or_default();
        let name = run_len(rest, |c| c.is_ascii_alphabetic());
        name > 0 && rest.get(name..).unwrap_or_default().starts_with("://")
    }) {
        return true;
    }
    if WRAPPERS
        .iter()
        .any(|w| starts_of(lower, w).next().is_some())
    {
        return true;
    }
    let t = lower.trim_start_matches([' ', '"', '\'', '{']);
    t.strip_prefix("data:").is_some_and(|rest| {
        let rest = rest.trim_start();
        (rest.starts_with("text/") || rest.starts_with("application/"))
            && !rest.starts_with("text/css")
    })
}

/// A superglobal (`$_GET[`, `$_SERVER`, `$GLOBALS`, `$_COOKIE`…) or a variable variable: with
/// a quoted, variable or silenced name (`${'a'}`, `${$a}`, `${@a}`), or with blanks between
/// the `$` and its braces, which only PHP allows (`$ { CONSTANT }`).
fn superglobal(lower: &str) -> bool {
    const GLOBALS: [&str; 10] = [
        "$_get",
        "$_post",
        "$_request",
        "$_server",
        "$_cookie",
        "$_files",
        "$_env",
        "$_session",
        "$globals",
        "$http_raw_post_data",
    ];
    let bytes = lower.as_bytes();
    GLOBALS.iter().any(|g| {
        lower
            .match_indices(g)
            .any(|(i, _)| !bytes.get(i + g.len()).copied().is_some_and(is_ident))
    }) || lower.match_indices('$').any(|(i, _)| {
        let after = lower.get(i + 1..).unwrap_or_default();
        let spaced = after.starts_with([' ', '\t']);
        after.trim_start().strip_prefix('{').is_some_and(|r| {
            r.trim_start().starts_with(['\'', '"', '$', '@'])
                || (spaced && r.split_once('}').is_some_and(|(n, _)| !n.trim().is_empty()))
        })
    })
}

/// A PHP configuration directive assigned (`ini_set` values, PHP-FPM's `PHP_VALUE`): the
/// directives that turn code loading on or move it (`allow_url_include=1`,
/// `auto_prepend_file=`, `disable_functions=`, `open_basedir=`), and `name.name=` with an
/// extension's section (`opcache.`, `session.`, `mbstring.`, `pcre.`, `zend.`, …).
fn directive(lower: &str) -> bool {
    const DIRECTIVES: [&str; 9] = [
        "allow_url_include",
        "allow_url_fopen",
        "auto_prepend_file",
        "auto_append_file",
        "disable_functions",
        "open_basedir",
        "safe_mode",
        "register_globals",
        "cgi.force_redirect",
    ];
    const SECTIONS: [&str; 10] = [
        "opcache.",
        "session.",
        "mbstring.",
        "pcre.",
        "zend.",
        "phar.",
        "mysqli.",
        "assert.",
        "xdebug.",
        "suhosin.",
    ];
    lower.match_indices('=').any(|(i, _)| {
        let (_, name) = name_before(lower, i, |c| {
            c.is_ascii_alphanumeric() || c == '_' || c == '.'
        });
        DIRECTIVES.contains(&name)
            || SECTIONS.iter().any(|s| {
                name.strip_prefix(s).is_some_and(|d| {
                    d.len() > 2 && d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                })
            })
    })
}

/// An uploaded file's name with an extension PHP runs (`.php`, `.php5`, `.phtml`, `.phar`,
/// `.phps`, `.pht`, `.phpt`), also with the dots and blanks Windows drops after it
/// (`a.php..`, `photo. php`): stored under the web root, the server runs it. Not `.phtml987`.
fn script_upload(v: &View) -> bool {
    v.kind() == ValueKind::FileName
        && upload_extension(v.lower()).is_some_and(|e| {
            e.strip_prefix("php")
                .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
                || ["phtml", "phar", "phps", "pht", "phpt"].contains(&e.as_str())
        })
}

/// An uploaded file named as PHP names its session files (`sess_` and a session id: 20 or more
/// of its letters, digits, `,` and `-`), in any folder: stored where sessions are kept, it
/// plants a session (and the serialised objects in it) for the id.
fn session_upload(v: &View) -> bool {
    if v.kind() != ValueKind::FileName {
        return false;
    }
    let lower = v.lower();
    let file = lower.rsplit(['/', '\\']).next().unwrap_or(lower).trim_end();
    file.strip_prefix("sess_").is_some_and(|id| {
        id.len() >= 20
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b',' || b == b'-')
    })
}
