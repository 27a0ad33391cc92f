//! PHP calls: of a function that runs commands or code by its name, of a library function, and
//! of a function through a variable, a string or an expression that spells its name.

use super::super::super::anchor::Anchors;
use super::super::super::more::{
    bracket_group, call_of, calls, code_argument, name_before, skip_trivia, squeeze,
    strip_comments, unescape,
};
use super::super::super::words::word_list;

word_list! {
    /// PHP functions no other language calls by the same free name.
    PHP_FUNCTIONS = "php-functions"
}

/// [`PHP_FUNCTIONS`] found in one pass, before a search per name (every call holds its name).
static PHP_NAMES: Anchors = Anchors::new(|| PHP_FUNCTIONS.to_vec());

/// The functions that run a command or code, as payloads call them through a string.
const COMMAND_FUNCTIONS: [&str; 8] = [
    "system",
    "exec",
    "passthru",
    "shell_exec",
    "popen",
    "eval",
    "assert",
    "proc_open",
];

/// Command and code functions whose names are also words (`system`, `include`).
const CODE_WORDS: [&str; 8] = [
    "system", "exec", "passthru", "popen", "eval", "assert", "include", "require",
];

/// File functions whose names are also words (`file`) or C's (`fopen`).
const FILE_WORDS: [&str; 3] = ["file", "fopen", "readfile"];

/// Endings prose writes in parentheses after a word ("system(s)", "include(d)").
const PROSE_SUFFIXES: [&str; 11] = [
    "s", "es", "ed", "d", "er", "ers", "ing", "ies", "ion", "ions", "al",
];

/// A call of a function that runs commands or code, reads and writes files or the server's
/// settings: of [`PHP_FUNCTIONS`] with any argument (also glued after other letters:
/// `FOOcall_user_func()`); of [`CODE_WORDS`] and [`FILE_WORDS`] with a code argument (a
/// string, a variable, a nested call: `system('id')`, `eval($x)`), a comment before the `(`
/// (`exec/**/()`), `()` after a line break (`file\r\n()`), or glued to one word that is no
/// prose ending (`system(whoami)`; not "the system(s)"). Not "The system (as a whole)",
/// "Use eval()".
pub(super) fn dangerous(lower: &str) -> bool {
    (PHP_NAMES.found_in(lower.as_bytes()) && call_of(lower, &PHP_FUNCTIONS, true, |_| true))
        || CODE_WORDS.iter().chain(&FILE_WORDS).any(|name| {
            calls(lower, name, false).any(|c| {
                let arg = c.args.trim_start();
                (code_argument(c.args) && !arg.starts_with(')'))
                    || c.commented()
                    || (c.gap.contains(['\r', '\n']) && arg.starts_with(')'))
                    || (c.gap.is_empty() && word_argument(arg))
            })
        })
}

/// One word, then `)`: not an ending prose writes in parentheses.
fn word_argument(arg: &str) -> bool {
    arg.split_once(')').is_some_and(|(word, _)| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
            && !PROSE_SUFFIXES.contains(&word)
    })
}

/// A call through a variable in `lower`: whether blanks or comments stand between the
/// variable and its `(`, and what follows the `(`.
struct VariableCall<'a> {
    spaced: bool,
    commented: bool,
    args: &'a str,
}

/// The calls through a variable: `$` (or `$$`, a variable variable), a name or a braced
/// expression (`${'a'}`), subscripts (`[0]`, `['o']`, `{0}`, nested: `$__[$_[1]]`), blanks
/// and comments anywhere between, then `(` and a `)`. Not an empty subscript or brace (`$a[]()`,
/// `${}()`), a comment running over the `(` (`$a#x()`), a price (`$5 (five)`), jQuery's
/// `$('#x')`, a method (`$a->b(`).
fn variable_calls(lower: &str) -> impl Iterator<Item = VariableCall<'_>> {
    let bytes = lower.as_bytes();
    // Whether a call's arguments close: a `)` after them. Found once, so that a value of many
    // `$a(` is not searched to its end from each.
    let last_close = lower.rfind(')');
    lower.match_indices('$').filter_map(move |(i, _)| {
        // A run of `$` names one call, read once at the run's start: after a letter or digit
        // (`a$b`) a `$` starts no variable, but a second `$` of the run still does (`a$$b`).
        match i.checked_sub(1).and_then(|p| bytes.get(p)) {
            Some(b'$') => return None,
            Some(b) if b.is_ascii_alphanumeric() && bytes.get(i + 1) != Some(&b'$') => return None,
            _ => {}
        }
        let rest = lower.get(i..)?.trim_start_matches('$');
        let first = rest.bytes().next()?;
        let mut after = if first.is_ascii_alphabetic() || first == b'_' || first >= 0x80 {
            rest.trim_start_matches(|c: char| {
                c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
            })
        } else {
            let (after, inner) = bracket_group(rest.trim_start())?;
            if !rest.trim_start().starts_with('{') || inner.trim().is_empty() {
                return None;
            }
            after
        };
        let (mut spaced, mut commented) = (false, false);
        loop {
            let next = skip_trivia(after);
            let gap = after.get(..after.len() - next.len())?;
            spaced |= !gap.is_empty();
            commented |= gap.contains(['/', '#']);
            match bracket_group(next) {
                Some((rest, inner)) if !next.starts_with('(') => {
                    if inner.trim().is_empty() {
                        return None;
                    }
                    after = rest;
                }
                _ => {
                    let args = next.strip_prefix('(')?;
                    let args_at = lower.len() - args.len();
                    return last_close
                        .is_some_and(|c| c >= args_at)
                        .then_some(VariableCall {
                            spaced,
                            commented,
                            args,
                        });
                }
            }
        }
    })
}

/// A call through a variable ([`variable_calls`]: `$a(1)`, `@$__[o](4)`, `$__['o'](5)`,
/// `${'a'}(11)`) glued to its `(`, with a comment on the way (`$a/*c*/()`) or, after blanks,
/// with a code argument or a number (`$OOO0000O0 (16)`; not "$PATH (the search path)"); or a
/// call through an expression that spells a command function ([`spelled_call`]).
pub(super) fn through_variable(lower: &str) -> bool {
    variable_calls(lower)
        .any(|c| !c.spaced || c.commented || code_argument(c.args) || number_argument(c.args))
        || spelled_call(&unescape(lower))
}

/// A number, then `)`.
fn number_argument(args: &str) -> bool {
    args.trim_start()
        .split_once(')')
        .is_some_and(|(n, _)| !n.trim().is_empty() && n.trim().bytes().all(|b| b.is_ascii_digit()))
}

/// A call through a variable with blanks before its `(` and any argument, the shape of
/// "$PATH (the search path)".
pub(super) fn spaced_variable(lower: &str) -> bool {
    variable_calls(lower).any(|c| c.spaced)
}

/// A call through an expression: `(` and an argument after a string, a parenthesized
/// expression, or an array's element (`(system)('id')`, `"sys"."tem"('id')`,
/// `[system][0](ls)`, `{[system][0]} (ls)`, `"\x73ystem"(ls)`), where what is called, its
/// quotes, dots, brackets, blanks, comments, casts and indexes removed, ends with a command
/// function's name; or a call through a parenthesized name (`(x)('id')`, `($y)('id')`) in a
/// value that builds a command function's name from strings (`'sys'.'tem'`). Not a Markdown
/// link (`[system](url)`), not "a \"dog\" (not a cat)".
fn spelled_call(lower: &str) -> bool {
    let mut built: Option<bool> = None;
    lower.match_indices('(').any(|(i, _)| {
        let args = lower.get(i + 1..).unwrap_or_default().trim_start();
        if args.starts_with(')') || !args.contains(')') {
            return false;
        }
        let statement = lower.get(..i).unwrap_or_default();
        let statement = statement.rsplit(';').next().unwrap_or(statement);
        let (callee, indexed) = strip_indexes(statement);
        let Some(last) = callee.bytes().last() else {
            return false;
        };
        let callable = matches!(last, b')' | b'"' | b'\'' | b'}') || (last == b']' && indexed);
        if !callable {
            return false;
        }
        // A string or group of words is prose ("I use \"my system\" (Linux)").
        if last_literal(callee).is_some_and(|inner| {
            let inner = strip_comments(inner, true);
            inner.contains(char::is_whitespace) && has_spaced_words(&inner)
        }) {
            return false;
        }
        let spelled = spell(callee);
        COMMAND_FUNCTIONS.iter().any(|n| spelled.ends_with(n))
            || (last == b')' && *built.get_or_insert_with(|| builds_command_name(lower)))
    })
}

/// What the string or parenthesized group that ends `text` holds (`"sys"` of `x."sys"`,
/// `sy.(st).em` of `(sy.(st).em)`).
fn last_literal(text: &str) -> Option<&str> {
    let last = text.bytes().last()?;
    let body = text.get(..text.len() - 1)?;
    let open = match last {
        b'"' | b'\'' => body.rfind(char::from(last))?,
        b')' => {
            let mut depth = 1usize;
            let mut open = None;
            for (i, b) in body.bytes().enumerate().rev() {
                match b {
                    b')' => depth += 1,
                    b'(' => {
                        depth -= 1;
                        if depth == 0 {
                            open = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            open?
        }
        _ => return None,
    };
    body.get(open + 1..)
}

/// Whether two words stand in `text` with only blanks between them (`my system`).
fn has_spaced_words(text: &str) -> bool {
    let bytes = text.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    bytes.iter().enumerate().any(|(i, b)| {
        b.is_ascii_whitespace()
            && i > 0
            && bytes.get(i - 1).is_some_and(word)
            && bytes
                .get(i..)
                .and_then(|r| r.iter().find(|c| !c.is_ascii_whitespace()))
                .is_some_and(word)
    })
}

/// `text` without its trailing blanks, comments and index groups (`[0]`, `{ 0 }`,
/// `{/* c */0}`), and whether it had an index group.
fn strip_indexes(text: &str) -> (&str, bool) {
    let mut text = text;
    let mut indexed = false;
    loop {
        text = text.trim_end();
        if let Some(open) = text.strip_suffix("*/").and_then(|t| t.rfind("/*")) {
            text = text.get(..open).unwrap_or_default();
            continue;
        }
        let close = match text.bytes().last() {
            Some(b']') => b'[',
            Some(b'}') => b'{',
            _ => return (text, indexed),
        };
        let Some(open) = text.bytes().rposition(|b| b == close) else {
            return (text, indexed);
        };
        let inner = spell(text.get(open + 1..text.len() - 1).unwrap_or_default());
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
            return (text, indexed);
        }
        text = text.get(..open).unwrap_or_default();
        indexed = true;
    }
}

/// The identifier characters of `code` without its comments, `(string)` casts and index
/// groups (`[0]`, `{0}`): the name a PHP expression of strings and brackets calls.
fn spell(code: &str) -> String {
    let squeezed = squeeze(&strip_comments(code, false));
    let squeezed = squeezed.replace("(string)", "");
    let mut out = String::with_capacity(squeezed.len());
    let mut rest = squeezed.as_str();
    while let Some(c) = rest.chars().next() {
        if matches!(c, '[' | '{') {
            if let Some((after, inner)) = bracket_group(rest) {
                if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
                    rest = after;
                    continue;
                }
            }
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

/// Whether strings joined by `.` spell a command function (`'sys' . 'tem'`, `"sys"."tem"`).
fn builds_command_name(lower: &str) -> bool {
    let mut rest = lower;
    while let Some(q) = rest.find(['\'', '"']) {
        let mut joined = String::new();
        let mut parts = 0;
        let mut at = rest.get(q..).unwrap_or_default();
        while let Some(quote) = at.chars().next().filter(|c| matches!(c, '\'' | '"')) {
            let Some(end) = at.get(1..).and_then(|a| a.find(quote)) else {
                break;
            };
            joined.push_str(at.get(1..1 + end).unwrap_or_default());
            parts += 1;
            at = at.get(end + 2..).unwrap_or_default();
            match at.trim_start().strip_prefix('.') {
                Some(next) => at = next.trim_start(),
                None => break,
            }
        }
        if parts >= 2 && COMMAND_FUNCTIONS.contains(&joined.as_str()) {
            return true;
        }
        rest = rest.get(q + 1..).unwrap_or_default();
    }
    false
}

/// A call of a name with a PHP extension's or library's prefix (`array_diff (`,
/// `pg_enter_pipeline_mode(`, `sodium_crypto_…_keygen (`, `ldap_get_entries()`, `is_array()`,
/// `print_r( )`), of a builtin only code calls (`strrev(`, `intval(foo)`, `unpack()`), or of a
/// command function with any argument (`exec (blah)`, `system(whoami)`). Code in other
/// languages shares such names (`str_replace`, `array_map`), and prose "the system (Ubuntu)":
/// level 2.
pub(super) fn library(lower: &str) -> bool {
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
        || call_of(lower, &CODE_WORDS, false, |a| {
            !a.trim_start().starts_with(')')
        })
    {
        return true;
    }
    let bytes = lower.as_bytes();
    lower.match_indices('(').any(|(i, _)| {
        let (start, name) = name_before(lower, i, |c| c.is_ascii_alphanumeric() || c == '_');
        let glued_to_member = start > 0 && matches!(bytes.get(start - 1), Some(b'.') | Some(b'>'));
        name.len() > 4
            && !glued_to_member
            && PREFIXES.iter().any(|p| name.starts_with(p))
            && (code_argument(lower.get(i + 1..).unwrap_or_default()) || name.contains('_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_what_is_called() {
        assert!(PHP_NAMES.builds());
        assert_eq!(spell("(sy.(st).em)"), "system");
        assert_eq!(spell("( string ) {[system][0]}"), "system");
        assert_eq!(spell("(/* c */system)"), "system");
        assert_eq!(
            strip_indexes("x=[system][ 0 ]{/* c */0} "),
            ("x=[system]", true)
        );
        assert!(builds_command_name("define('x', 'sys' . 'tem');"));
        assert!(!builds_command_name("'a' . 'b'"));
    }

    /// A run of `$` is one call, wherever it starts; a `$` glued to a word starts none; a call's
    /// arguments close with any later `)`.
    #[test]
    fn variable_calls_read_each_run_once() {
        let calls = |s: &str| variable_calls(s).count();
        assert_eq!(calls("$a(1)"), 1);
        assert_eq!(calls("$$$a(1)"), 1);
        assert_eq!(calls("x $$a(1)"), 1);
        assert_eq!(calls("a$$b(1)"), 1);
        assert_eq!(calls("a$b(1)"), 0);
        assert_eq!(calls("$a(1 $b(2)"), 2);
        assert_eq!(calls("$a(1 $b("), 0);
        assert_eq!(calls(&"$".repeat(10_000)), 0);
    }
}
