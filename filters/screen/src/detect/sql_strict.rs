//! SQL injection at paranoia level 2: the fragments of SQL grammar an injection completes that
//! also occur, now and then, in prose or code, so level 1 leaves them alone (docs/screen.md,
//! "Left alone on purpose"). They run only under `detect.paranoia: 2`, after level 1's SQL
//! rules found nothing, on the same normalized copy ([`normalize`]: lowercase, comments as a
//! blank, blank runs as one space).
//!
//! - a SQL function name before `(` with junk between, or a call left open or given a literal
//!   (`IN (`, `length||(`, `user()`, `div (23, 2)`, `in (1,2)`),
//! - SQL operator words and bare operator probes (`XOR`, `regexp`, `IS NULL`, `)like(`, a value
//!   that is only `<>`, a value opened by a connective before a number, `or 88`),
//! - an always-true comparison (`1=1`, `'a'='a'`, `1!=11`, `1)=(1`),
//! - clause fragments (`order by 1`, `having 1=`, `when 1 then`, `select (case`,
//!   `from t where c=`, `select a,b from t`, `union all`, `execute name`, an open `(select`,
//!   `;drop`, `` `db`.`table` ``),
//! - a closed quote followed by an operator, a name and a comment (`x'|email--`), a statement
//!   keyword (`' union/`) or a cut-off login (`admin@x.org';`), or an escaped quote before a
//!   connective (`\'and`),
//! - obfuscation: a comment where a blank would be (`DR/**/OP`, `1,/**/2`), hex literals
//!   (`0xf00d`), `1.e(`, a connective glued to `(` (`and(`), SQL string types (`nvarchar`),
//! - catalog objects, server variables and packages level 1 does not list (`@@datadir`,
//!   `sys.objects`, `utl_http`).

use super::anchor::Anchors;
use super::sql::{
    ident_before, is_ident, method_call, normalize, operand_end, word_at, SQL_FUNCTION_SET,
    WORD_FUNCTION_SET,
};
use super::wordset::WordSet;
use super::{
    Rule, SQLI_CATALOG, SQLI_CLAUSE, SQLI_FRAGMENT_CALL, SQLI_OBFUSCATION, SQLI_OPERATOR,
    SQLI_QUOTE_OPERATOR, SQLI_TAUTOLOGY,
};
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// SQL functions level 1's lists leave out because they are English words or too short
/// (`user`, `in`, `if`, `tan`), or that only matter as a call (`ascii`, `sleep`): together with
/// level 1's [`SQL_FUNCTION_SET`] and [`WORD_FUNCTION_SET`], the names [`open_call`] knows.
const MORE_FUNCTIONS: [&str; 221] = [
    "in",
    "if",
    "user",
    "password",
    "old_password",
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "tan",
    "cot",
    "exp",
    "sign",
    "ceiling",
    "degrees",
    "radians",
    "truncate",
    "greatest",
    "least",
    "ascii",
    "char",
    "nchar",
    "concat",
    "concat_ws",
    "field",
    "bin",
    "oct",
    "conv",
    "lcase",
    "ucase",
    "quote",
    "uuid",
    "encrypt",
    "decrypt",
    "aes_encrypt",
    "aes_decrypt",
    "des_encrypt",
    "des_decrypt",
    "uncompress",
    "connection_id",
    "benchmark",
    "sleep",
    "charset",
    "collation",
    "coercibility",
    "extract",
    "interval",
    "dayname",
    "dayofweek",
    "dayofmonth",
    "dayofyear",
    "monthname",
    "weekday",
    "weekofyear",
    "yearweek",
    "timestamp",
    "makedate",
    "maketime",
    "microsecond",
    "localtimestamp",
    "current_date",
    "current_time",
    "current_timestamp",
    "last_day",
    "sec_to_time",
    "time_to_sec",
    "to_days",
    "from_days",
    "analyse",
    "exists",
    "substring",
    "mid",
    "unhex",
    "hex",
    "load_file",
    "updatexml",
    "extractvalue",
    "pg_sleep",
    "len",
    "datalength",
    "stuff",
    "patindex",
    "charindex",
    "replicate",
    "isnumeric",
    "cast",
    "convert",
    "json_length",
    "json_contains",
    "json_array",
    "json_object",
    "json_valid",
    "json_type",
    "json_unquote",
    "json_search",
    "json_value",
    "json_query",
    "bit_length",
    "character_length",
    "substring_index",
    "to_base64",
    "from_base64",
    "inet_ntoa",
    "get_lock",
    "release_lock",
    "master_pos_wait",
    "uuid_short",
    "weight_string",
    "regexp_like",
    "regexp_replace",
    "regexp_substr",
    "regexp_instr",
    "current_database",
    "current_schema",
    "array_to_string",
    "string_to_array",
    "quote_ident",
    "quote_literal",
    "query_to_xml",
    "generate_series",
    "host_name",
    "suser_name",
    "suser_sname",
    "is_srvrolemember",
    "is_member",
    "has_dbaccess",
    "serverproperty",
    "quotename",
    "unicode",
    "rawtohex",
    "bitand",
    "sqlite_version",
    "typeof",
    "printf",
    "sys_eval",
    "sys_exec",
    "dblink",
    "dblink_connect",
    "lo_from_bytea",
    "lo_put",
    "pg_read_binary_file",
    "pg_stat_file",
    "get_host_address",
    "get_host_name",
    "getpgusername",
    "inet_server_addr",
    "inet_server_port",
    "current_setting",
    "set_config",
    "txid_current",
    "pg_backend_pid",
    "col_length",
    "type_name",
    "object_definition",
    "has_perms_by_name",
    "fn_varbintohexstr",
    "fn_sqlvarbasetostr",
    "to_clob",
    "xmlagg",
    "xmlelement",
    "xmlquery",
    "iif",
    "decode",
    "exec",
    "execute",
    "adddate",
    "addtime",
    "subdate",
    "subtime",
    "date_add",
    "date_sub",
    "convert_tz",
    "get_format",
    "time_format",
    "timediff",
    "timestampadd",
    "timestampdiff",
    "to_seconds",
    "period_add",
    "period_diff",
    "utc_date",
    "utc_timestamp",
    "asciistr",
    "bin_to_num",
    "hextoraw",
    "bit_and",
    "bit_or",
    "bit_xor",
    "bit_count",
    "inet6_aton",
    "inet6_ntoa",
    "is_free_lock",
    "is_used_lock",
    "is_ipv4",
    "is_ipv6",
    "json_agg",
    "json_array_elements",
    "json_build_array",
    "json_each",
    "json_extract_path",
    "json_object_keys",
    "json_populate_record",
    "json_strip_nulls",
    "json_typeof",
    "database_to_xml",
    "pg_client_encoding",
    "log10",
    "log2",
    "sha",
    "std",
    "stddev",
    "variance",
    "var_pop",
    "var_samp",
    "linestring",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
    "likelihood",
];

static MORE_FUNCTION_SET: WordSet = WordSet::new(&MORE_FUNCTIONS);

/// Every SQL function name [`open_call`] looks for.
pub(super) fn is_function(name: &str) -> bool {
    MORE_FUNCTION_SET.contains(name)
        || SQL_FUNCTION_SET.contains(name)
        || WORD_FUNCTION_SET.contains(name)
}

/// Catalog objects, system variables' prefix and server packages an injection reads or calls
/// to enumerate or reach out (SQL Server's `msdb`, `sys.objects`, DB2's `sysibm`, Oracle's
/// `all_tables`, `utl_http`, `sys_context`, PostgreSQL's `pg_user`), besides those level 1
/// lists: matched as whole names, a qualified name's parts included (`sys.objects`).
const CATALOG: [&str; 79] = [
    "msdb",
    "sysibm",
    "syscat",
    "all_tables",
    "all_tab_columns",
    "all_users",
    "user_tables",
    "user_tab_columns",
    "dba_users",
    "dba_tables",
    "sys.objects",
    "sys.tables",
    "sys.columns",
    "sys.databases",
    "sys.sql_logins",
    "sysusers",
    "syscolumns",
    "syscomments",
    "sysprocesses",
    "pg_user",
    "pg_database",
    "pg_tables",
    "pg_namespace",
    "pg_proc",
    "utl_http",
    "utl_inaddr",
    "dbms_xmlgen",
    "dbms_lock",
    "dbms_java",
    "sys_context",
    "ctxsys",
    "openquery",
    "sp_configure",
    "msysaccessobjects",
    "msysqueries",
    "msysrelationships",
    "sysfilegroups",
    "sysfiles",
    "sysservers",
    "syslogins",
    "sysxlogins",
    "sysaltfiles",
    "sysmembers",
    "sysprotects",
    "sysindexes",
    "all_objects",
    "user_objects",
    "user_users",
    "dba_tab_columns",
    "v$version",
    "v$instance",
    "v$database",
    "pg_group",
    "pg_stat_activity",
    "pg_authid",
    "pg_settings",
    "pg_toast",
    "msysaccessstorage",
    "msysaccessxml",
    "msysaces",
    "msysmodules",
    "msysmodules2",
    "sysaux",
    "sys.database_name",
    "sp_sqlexec",
    "sp_prepare",
    "sp_execute",
    "sp_help",
    "sp_replwritetovarbin",
    "sp_addextendedproc",
    "sql_variant",
    "sql_longvarchar",
    "owa_util",
    "utl_file",
    "autonomous_transaction",
    "tbcreator",
    "xp_enumdsn",
    "xp_filelist",
    "pg_sleep",
];

/// Words of this module's rules that plain text (no quote, operator or parenthesis) can hold,
/// and the catalog names: with none of them, and none of [`SYMBOLS`], no rule here can match
/// (besides [`opens_with_connective`]'s).
static WORD_ANCHORS: Anchors = Anchors::new(|| {
    let mut words = vec![
        "xor",
        "regexp",
        "rlike",
        "null",
        "order",
        "group",
        "having",
        "when",
        "exec",
        "0x",
        "varchar",
        "varbinary",
        "@@",
        "select",
        ".e.",
        "union",
        "exists",
        "replace",
        "limit",
        "infile",
        "waitfor",
    ];
    words.extend(CATALOG);
    words
});

/// Bytes of which every match of a rule here without one of [`WORD_ANCHORS`] holds one.
const SYMBOLS: &[u8] = b"()=<>!&|'\"`\\/*;+";

/// A digit and the word piece `not` (any case): what `1 is not 2` holds without a symbol.
fn numbers_and_not(text: &[u8]) -> bool {
    static NOT: Anchors = Anchors::new(|| vec!["not"]);
    text.iter().any(u8::is_ascii_digit) && NOT.found_in(text)
}

/// Whether the value, after blanks and control bytes, starts with `or`, `xor` or `and` (any
/// case): where [`leading_connective`] matches without a comment before the connective (a
/// comment has a `/`, one of [`SYMBOLS`]), the value itself starts so.
fn opens_with_connective(decoded: &[u8]) -> bool {
    let start = decoded
        .iter()
        .position(|b| !(b.is_ascii_whitespace() || *b < 0x20 || *b == 0x7f))
        .unwrap_or(decoded.len());
    let rest = decoded.get(start..).unwrap_or_default();
    [&b"or"[..], b"xor", b"and"].iter().any(|c| {
        rest.get(..c.len())
            .is_some_and(|r| r.eq_ignore_ascii_case(c))
    })
}

/// The first level-2 SQL rule that matches a decoded value. `shortcuts` off skips only the
/// precheck (to check that it changes nothing).
pub fn detect_with(decoded: &[u8], shortcuts: bool) -> Option<Rule> {
    // Precheck. Normalizing only lowercases, drops bytes and turns comments, blank runs and
    // control bytes into one blank, so a byte or a blank-free word of the normalized copy
    // stands in the value too (in some ASCII case). Every rule's match holds one of them: a
    // call its `(`; an operator word `xor`, `regexp`, `rlike`, `notnull` or a `null` compared;
    // `) like (` its `)`; a bare operator and a tautology a byte of `=<>!&|`; the clauses
    // `order`, `group`, `having`, `when`, `exec`, a `(` (`select (case`, `(select`), a `=<>!`
    // (`from t where c =`), a backtick, a `;` (`;drop`), `select` (`select a,b from t`),
    // `union` (`union all`), `exists` (`and exists`), `replace` (`create or replace`),
    // `limit`, `infile` or `waitfor` (`limit 0,1`, `load data local infile`, `waitfor time`);
    // the quote rules a quote or `\`; the obfuscations a `/` (a comment), `0x`, a `(` or
    // `varchar`/`varbinary`, `.e.` (`1.e.name`) or `+` (phrases joined by it); a catalog
    // object its name, a server variable `@@`. Only a value
    // opened by a connective and a number (`or 88`) holds none: [`opens_with_connective`]
    // looks at its start; and `1 is not 2` only a digit and `not` ([`numbers_and_not`]).
    if shortcuts
        && !decoded.iter().any(|b| SYMBOLS.contains(b))
        && !WORD_ANCHORS.found_in(decoded)
        && !opens_with_connective(decoded)
        && !numbers_and_not(decoded)
    {
        return None;
    }
    let t = normalize(decoded);
    let kw = Present::of(&t);
    if open_call(&t) {
        Some(SQLI_FRAGMENT_CALL)
    } else if operator(&t, &kw) {
        Some(SQLI_OPERATOR)
    } else if tautology(&t, &kw) {
        Some(SQLI_TAUTOLOGY)
    } else if clause(&t, &kw) {
        Some(SQLI_CLAUSE)
    } else if quote_operator(&t) {
        Some(SQLI_QUOTE_OPERATOR)
    } else if obfuscation(decoded, &t, &kw) {
        Some(SQLI_OBFUSCATION)
    } else if catalog_object(&t, &kw) {
        Some(SQLI_CATALOG)
    } else if plus_joined_phrase(decoded) {
        Some(SQLI_OBFUSCATION)
    } else {
        None
    }
}

/// `24'union+all+select+1`, `"+WAITFOR+DELAY+'`: level 1's attack-only phrases
/// ([`super::sqli_keyword_in`]) with `+` for the blanks, where `+` is no space to the decoder (a
/// path, a header, a JSON or XML value) but an application that form-decodes the value again
/// reads one.
fn plus_joined_phrase(decoded: &[u8]) -> bool {
    if !decoded.contains(&b'+') {
        return false;
    }
    // `+` as a blank, then level 1's own check, anchor precheck first: its pieces between
    // blanks stand in this copy as in any value.
    let spaced: Vec<u8> = decoded
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    super::sqli_keyword_in(&super::Lowered::new(&spaced))
}

/// `t` from `at` with one leading blank skipped.
fn skip_blank(t: &[u8], at: usize) -> usize {
    if t.get(at) == Some(&b' ') {
        at + 1
    } else {
        at
    }
}

/// The identifier starting at `at` (possibly empty).
fn ident_at(t: &[u8], at: usize) -> &[u8] {
    let rest = t.get(at..).unwrap_or_default();
    let len = rest.iter().take_while(|b| is_ident(**b)).count();
    rest.get(..len).unwrap_or_default()
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

/// A SQL function's `(` after its name with up to [`MAX_JUNK`] bytes of punctuation and blanks
/// between (`length||!!$(`, `date]=(`, `quarter. (`, what a filter stripping known calls leaves
/// or an injection probes with), where the call is left open at the end of the value, empty
/// (`user()`), or opened with something no prose puts in parentheses after such a word: a
/// number not followed by a word, a quote, `@`, `*`, `(`, `select` or a nested call (`in (1,2)`,
/// `length(database())`); for a name with `_`, anything. Words as the argument are English or
/// code (`TAN (WATER RESISTANT)`, `User(foo)`), as are method calls (`arr.length(1)`).
fn open_call(t: &[u8]) -> bool {
    const MAX_JUNK: usize = 6;
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let mut end = i;
            while end > 0
                && i - end <= MAX_JUNK
                && t.get(end - 1)
                    .is_some_and(|&b| b < 0x80 && !is_ident(b) && b != b'(' && b != b')')
            {
                end -= 1;
            }
            if i - end > MAX_JUNK {
                return false;
            }
            let name = ident_before(t, end);
            if name.is_empty() || !is_function(as_str(name)) || method_call(t, end - name.len()) {
                return false;
            }
            // A name with `_` is no English word (`sys_eval(cmd)`): any argument.
            name.contains(&b'_') || call_argument_is_sql(t, i + 1)
        })
}

/// What follows a call's `(` at `at`: the end of the value, `)`, a literal, `@`, `*`, `(`,
/// `select`/`case`/`distinct`/`null`, or a nested call of a known function.
fn call_argument_is_sql(t: &[u8], at: usize) -> bool {
    let at = skip_blank(t, at);
    match t.get(at) {
        None => true,
        Some(b) if b.is_ascii_digit() => number_then_sql(t, at),
        // `~`, `!`: a bitwise or logical negation (`exp(~(select …))`, error-based).
        Some(b')' | b'\'' | b'"' | b'`' | b'@' | b'*' | b'(' | b'~' | b'!') => true,
        Some(b'-' | b'+') => {
            t.get(at + 1).is_some_and(u8::is_ascii_digit) && number_then_sql(t, at + 1)
        }
        Some(_) => {
            let word = ident_at(t, at);
            let name = as_str(word);
            ["select", "case", "distinct", "null"].contains(&name)
                || !word.is_empty()
                    && is_function(name)
                    && t.get(skip_blank(t, at + word.len())) == Some(&b'(')
        }
    }
}

/// A number at `at` as an argument: followed by the end, `)`, `,` or an operator, not by a word
/// (`convert (0.46 miles)`, `time (2 hours)` are prose).
fn number_then_sql(t: &[u8], at: usize) -> bool {
    let len = t
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    !t.get(skip_blank(t, at + len))
        .copied()
        .is_some_and(is_ident)
}

/// Operators prose has no use for: `xor`, `regexp`, `rlike`, `notnull` as words; `null` after
/// `is`, `is not`, `like` (with an operand before them) or a comparison; `like` between parentheses (`)like(`); a value that
/// is only a SQL comparison or logical operator (what a probe sends to see whether the
/// application breaks: `<>`, `!=`, `&&`); a value opened by a connective before a number and
/// nothing or an operator after it (`or 88`, `xor 5-`).
fn operator(t: &[u8], kw: &Present) -> bool {
    let s = as_str(t);
    let word_anywhere = |w: &'static str| occurrences(t, w, kw).any(|i| word_at(t, i, w));
    if ["xor", "regexp", "rlike", "notnull"]
        .iter()
        .any(|w| word_anywhere(w))
    {
        return true;
    }
    let null_compared = occurrences(t, "null", kw).any(|i| {
        if !word_at(t, i, "null") {
            return false;
        }
        let before = t.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        // `is`/`like` after an operand, or the whole value (`IS NULL`, a probe); not opening
        // a sentence ("Is null a value?").
        let whole_rest = t
            .get(skip_blank(t, i + 4)..)
            .is_none_or(|r| r.is_empty() || r.starts_with(b"--") || r.starts_with(b"#"));
        matches!(before.last(), Some(b'=' | b'<' | b'>'))
            || [&b"is"[..], b"like", b"is not"].iter().any(|w| {
                let operand = before
                    .get(..before.len().saturating_sub(w.len()))
                    .unwrap_or_default();
                before.ends_with(w)
                    && !operand.last().copied().is_some_and(is_ident)
                    && (operand.iter().any(|b| *b != b' ') || whole_rest)
            })
    });
    if null_compared {
        return true;
    }
    let like_between = occurrences(t, "like", kw).any(|i| {
        let before = t.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        before.last() == Some(&b')') && t.get(skip_blank(t, i + 4)) == Some(&b'(')
    });
    if like_between {
        return true;
    }
    let bare = s.trim_matches(|c: char| c == ' ' || c == '\n');
    if [
        "!=", "<>", "==", ">=", "<=", "<=>", "&&", "||", "!<", "!>", "^=", "|=", "&=", ">>", "<<",
    ]
    .contains(&bare)
    {
        return true;
    }
    leading_connective(t) || open_string_after_like(t)
}

/// `something LIKE '`: the value ends with a pattern operator and a quote it opens (an odd
/// one), for the query's own closing quote to end.
fn open_string_after_like(t: &[u8]) -> bool {
    let end = t.strip_suffix(b" ").unwrap_or(t);
    let Some((&q, before)) = end.split_last() else {
        return false;
    };
    let before = before.strip_suffix(b" ").unwrap_or(before);
    // The quote opens a string: it is the odd one of its kind (`BROWNING "LIKE"` closes one).
    let opens = t.iter().filter(|b| **b == q).count() % 2 == 1;
    matches!(q, b'\'' | b'"')
        && opens
        && ["like", "rlike", "regexp"]
            .iter()
            .any(|w| ends_with_word(before, w))
}

/// Where the value opens (after blanks) with one of `words` and one blank: the index after
/// that blank.
fn after_opening_word(t: &[u8], words: &[&str]) -> Option<usize> {
    let at = skip_blank(t, 0);
    let word = words.iter().find(|w| word_at(t, at, w))?;
    let at = at + word.len();
    (t.get(at) == Some(&b' ')).then_some(at + 1)
}

/// Whether hex `digits` (an even number of them) spell printable ASCII text.
fn hex_is_text(digits: Option<&[u8]>) -> bool {
    let Some(digits) = digits.filter(|d| !d.is_empty() && d.len() % 2 == 0) else {
        return false;
    };
    let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    digits.chunks(2).all(|pair| match pair {
        [hi, lo] => (0x20..0x7f).contains(&(nibble(*hi) * 16 + nibble(*lo))),
        _ => false,
    })
}

/// Each place a two-byte `marker` (`0x`, `x'`) stands not glued to a name before it: where
/// the hex digits after it end, and how many there are.
fn hex_after<'a>(t: &'a [u8], marker: &'a [u8]) -> impl Iterator<Item = (usize, usize)> + 'a {
    t.windows(2).enumerate().filter_map(move |(i, w)| {
        let glued = i
            .checked_sub(1)
            .and_then(|p| t.get(p))
            .copied()
            .is_some_and(is_ident);
        (w == marker && !glued).then(|| {
            let digits = run_from(t, i + 2, |b| b.is_ascii_hexdigit());
            (i + 2 + digits, digits)
        })
    })
}

/// The length of a (possibly qualified or backticked) table name at `at`: `db.t`, `` `t` ``.
fn table_name_len(t: &[u8], at: usize) -> usize {
    run_from(t, at, |b| is_ident(b) || matches!(b, b'.' | b'`'))
}

/// Whether `text` ends with the word `w`, not the tail of a longer name (`select`, not
/// `preselect`).
fn ends_with_word(text: &[u8], w: &str) -> bool {
    text.ends_with(w.as_bytes())
        && !text
            .get(..text.len() - w.len())
            .and_then(|b| b.last())
            .copied()
            .is_some_and(is_ident)
}

/// How many bytes from `at` on satisfy `pred`.
fn run_from(t: &[u8], at: usize, pred: impl Fn(u8) -> bool) -> usize {
    t.get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| pred(**b))
        .count()
}

/// `or 88`, `xor 5-`, `and 3 <`, `or true`: a value that opens with a connective, a blank and
/// a number or `true`/`false`/`null`, then ends or goes on with an operator (not a word: "or 2
/// days", "and true love").
fn leading_connective(t: &[u8]) -> bool {
    let Some(at) = after_opening_word(t, &["or", "xor", "and"]) else {
        return false;
    };
    let digits = run_from(t, at, |b| b.is_ascii_digit());
    let constant = ["true", "false", "null"]
        .iter()
        .find(|w| word_at(t, at, w))
        .map_or(0, |w| w.len());
    if digits == 0 && constant == 0 {
        return false;
    }
    let after = skip_blank(t, at + digits.max(constant));
    match t.get(after) {
        None => true,
        Some(b) => b"=<>!-+*/%|&^".contains(b),
    }
}

/// A literal ending just before `end`: a number (digits and `.`) or a quoted string, whose
/// start is where an operand may start (not after a letter, digit, `.` or an arithmetic
/// operator: `x1=1`, `1+1=2` are no literal comparisons). Its text, quotes included.
fn literal_before(t: &[u8], end: usize) -> Option<&[u8]> {
    let last = *t.get(end.checked_sub(1)?)?;
    let start = if matches!(last, b'\'' | b'"') {
        t.get(..end - 1)?.iter().rposition(|b| *b == last)?
    } else if last.is_ascii_digit() {
        let mut s = end;
        while s > 0
            && t.get(s - 1)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
        {
            s -= 1;
        }
        s
    } else {
        return None;
    };
    let before = start.checked_sub(1).and_then(|p| t.get(p)).copied();
    let operand_start = before.is_none_or(|b| {
        !is_ident(b)
            && !matches!(
                b,
                b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'\'' | b'"'
            )
    });
    operand_start.then(|| t.get(start..end)).flatten()
}

/// A literal starting at `at` (a number or a quoted string) that ends where an operand may
/// end (not before a letter, `.` or an arithmetic operator other than a `--` comment).
fn literal_after(t: &[u8], at: usize) -> Option<&[u8]> {
    let first = *t.get(at)?;
    let end = if matches!(first, b'\'' | b'"') {
        let close = t.get(at + 1..)?.iter().position(|b| *b == first)?;
        at + 1 + close + 1
    } else if first.is_ascii_digit() {
        let mut e = at;
        while t.get(e).is_some_and(|b| b.is_ascii_digit() || *b == b'.') {
            e += 1;
        }
        e
    } else {
        return None;
    };
    let after = t.get(end).copied();
    let comment = t.get(end..end + 2) == Some(b"--");
    let operand_end = comment
        || after.is_none_or(|b| {
            !is_ident(b)
                && !matches!(
                    b,
                    b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'\'' | b'"'
                )
        });
    operand_end.then(|| t.get(at..end)).flatten()
}

/// `1=1`, `'a'='a'`, `1!=11`, `2<>3`, `1)=(1`, `x=x`: two literals compared so that the test
/// always holds (the same literal with `=`, `==`, `<=`, `>=`, `<=>`; different ones with `!=`,
/// `<>`), or the same number or name on both sides ([`same_operands`]). A false test
/// (`GALLERY=1=5`) and arithmetic (`1+1=2`) are not one.
fn tautology(t: &[u8], kw: &Present) -> bool {
    const OPS: [(&[u8], bool); 7] = [
        (b"<=>", true),
        (b"!=", false),
        (b"<>", false),
        (b"==", true),
        (b"<=", true),
        (b">=", true),
        (b"=", true),
    ];
    let mut i = 0;
    while let Some(&b) = t.get(i) {
        if !matches!(b, b'=' | b'<' | b'>' | b'!') {
            i += 1;
            continue;
        }
        let op = OPS
            .iter()
            .find(|(op, _)| t.get(i..i + op.len()) == Some(*op));
        let Some(&(op, same)) = op else {
            i += 1;
            continue;
        };
        let left_end = if i > 0 && t.get(i - 1) == Some(&b' ') {
            i - 1
        } else {
            i
        };
        let right_at = skip_blank(t, i + op.len());
        if let (Some(l), Some(r)) = (literal_before(t, left_end), literal_after(t, right_at)) {
            if (l == r) == same {
                return true;
            }
        }
        if same && same_operands(t, i, op.len()) {
            return true;
        }
        i += op.len();
    }
    is_not_different(t, kw)
}

/// `1 is not 2`, `'a' is not 'b'`: two different literals, the test always true.
fn is_not_different(t: &[u8], kw: &Present) -> bool {
    occurrences(t, " is not ", kw).any(|i| {
        let right_at = i + " is not ".len();
        match (literal_before(t, i), literal_after(t, right_at)) {
            (Some(l), Some(r)) => l != r,
            _ => false,
        }
    })
}

/// The same number or name on both sides of the comparison at `op` (`op_len` bytes), each
/// maybe wrapped in quotes, backticks, parentheses and blanks, as an injection balances the
/// query's own (`1)=(1`, `'a'='a`, `x=x`); not a term of arithmetic or a member (`i=i+1`,
/// `a.x=x`).
fn same_operands(t: &[u8], op: usize, op_len: usize) -> bool {
    const WRAP: &[u8] = b" '\"`()";
    const MAX_WRAP: usize = 4;
    let mut left_end = op;
    while op - left_end < MAX_WRAP
        && left_end > 0
        && t.get(left_end - 1).is_some_and(|b| WRAP.contains(b))
    {
        left_end -= 1;
    }
    let left = ident_before(t, left_end);
    let left_start = left_end - left.len();
    let before = left_start.checked_sub(1).and_then(|p| t.get(p)).copied();
    let mut right_at = op + op_len;
    while right_at - (op + op_len) < MAX_WRAP && t.get(right_at).is_some_and(|b| WRAP.contains(b)) {
        right_at += 1;
    }
    let right = ident_at(t, right_at);
    let after_at = right_at + right.len();
    let term = |b: Option<u8>| b.is_some_and(|b| b".+-*/%^|&".contains(&b));
    let comment = t.get(after_at..after_at + 2) == Some(b"--");
    !left.is_empty()
        && left == right
        && !term(before)
        && (comment || !term(t.get(after_at).copied()))
}

/// Clause fragments: `order by`/`group by` with a column (a number or a name) the value ends
/// with or follows with `,`, `asc`, `desc`, `limit`, `)`, `;` or a comment ("order by 5pm for
/// delivery" goes on in English); `having` with a comparison;
/// `when <literal> then`; `select (case`; `from t where c =`; a value that is `execute` and a
/// procedure name; an open subquery `(select` (ending there or going on with SQL);
/// `` `db`.`table` ``.
fn clause(t: &[u8], kw: &Present) -> bool {
    let words = |w: &'static str| {
        occurrences(t, w, kw)
            .filter(move |i| word_at(t, *i, w))
            .map(move |i| i + w.len())
    };
    let order_by = ["order by", "group by"].iter().any(|p| {
        words(p).any(|end| {
            let at = skip_blank(t, end);
            match t.get(at) {
                None => true,
                Some(b) if is_ident(*b) || *b == b'`' => {
                    let name_end = at + table_name_len(t, at);
                    let next = skip_blank(t, name_end);
                    let rest = t.get(next..).unwrap_or_default();
                    rest.is_empty()
                        || [&b","[..], b"--", b"#", b";", b")"]
                            .iter()
                            .any(|p| rest.starts_with(p))
                        || ["asc", "desc", "limit"].iter().any(|w| word_at(t, next, w))
                }
                _ => false,
            }
        })
    });
    if order_by {
        return true;
    }
    let comparison = |at: usize| {
        matches!(t.get(at), Some(b'=' | b'<' | b'>')) || t.get(at..at + 2) == Some(b"!=")
    };
    let having = words("having").any(|end| {
        let at = skip_blank(t, end);
        let at = if t.get(at) == Some(&b'(') { at + 1 } else { at };
        operand_end(t, at).is_some_and(|e| comparison(skip_blank(t, e)))
    });
    if having {
        return true;
    }
    let when_then = words("when").any(|end| {
        let at = skip_blank(t, end);
        literal_after(t, at).is_some_and(|lit| word_at(t, skip_blank(t, at + lit.len()), "then"))
    });
    if when_then {
        return true;
    }
    let select_case = words("select").any(|end| {
        let at = skip_blank(t, end);
        let at = if t.get(at) == Some(&b'(') {
            skip_blank(t, at + 1)
        } else {
            return false;
        };
        word_at(t, at, "case") || t.get(at).is_none()
    });
    if select_case {
        return true;
    }
    let from_where = words("from").any(|end| {
        let at = skip_blank(t, end);
        let table = table_name_len(t, at);
        let at = skip_blank(t, at + table);
        table > 0
            && word_at(t, at, "where")
            && operand_end(t, skip_blank(t, at + 5)).is_some_and(|e| comparison(skip_blank(t, e)))
    });
    if from_where
        || execute_name(t)
        || open_subquery(t)
        || glued_statement(t)
        || select_list_from(t, kw)
        || union_fragment(t, kw)
        || star_from(t)
        || backtick_name_in_sql(t, kw)
        || connective_exists(t, kw)
        || create_or_replace(t, kw)
        || limit_clause(t, kw)
        || server_statement(t, kw)
    {
        return true;
    }
    // `` `db`.`table` ``: MySQL's quoted, qualified name.
    t.windows(3).any(|w| w == b"`.`")
}

/// `select * from users`, `select a,b from t where`: `select`, then `*` or a list of names with
/// a comma, then `from`, a table name and the end of the value or what follows a table in a
/// query (`where`, `limit`, `order`, `group`, `union`, `join`, `)`, `;`, a comment). "select
/// red, blue from the menu" goes on with a word.
fn select_list_from(t: &[u8], kw: &Present) -> bool {
    const MAX_SELECT_LIST: usize = 512;
    occurrences(t, "select", kw).any(|i| {
        if !word_at(t, i, "select") {
            return false;
        }
        let mut at = skip_blank(t, i + 6);
        let mut names = 0;
        let mut star = false;
        loop {
            if t.get(at) == Some(&b'*') {
                star = true;
                at += 1;
            } else {
                let len = table_name_len(t, at);
                if len == 0 {
                    return false;
                }
                at += len;
            }
            names += 1;
            // A select list an injection writes is short; a cap keeps a value of many
            // `select` words (`select select, select, …`) from being read once per word.
            if at - i > MAX_SELECT_LIST {
                return false;
            }
            at = skip_blank(t, at);
            if t.get(at) == Some(&b',') {
                at = skip_blank(t, at + 1);
            } else {
                break;
            }
        }
        if !(star || names > 1) || !word_at(t, at, "from") {
            return false;
        }
        let at = skip_blank(t, at + 4);
        let table = table_name_len(t, at);
        let next = skip_blank(t, at + table);
        let rest = t.get(next..).unwrap_or_default();
        table > 0
            && (rest.is_empty()
                || [&b")"[..], b";", b"--", b"#"]
                    .iter()
                    .any(|p| rest.starts_with(p))
                || ["where", "limit", "order", "group", "union", "join", "into"]
                    .iter()
                    .any(|w| word_at(t, next, w)))
    })
}

/// `union all`, `union (`, `union distinct (select`: `union` then `all`, `distinct` or `(`,
/// ending the value or going on with `(`, `select`, a number or `null` ("union all workers"
/// goes on with a word, "Union (AFL-CIO)" too). Level 1 has `union select`.
fn union_fragment(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "union", kw).any(|i| {
        if !word_at(t, i, "union") {
            return false;
        }
        let mut at = skip_blank(t, i + 5);
        if let Some(w) = ["all", "distinct"].iter().find(|w| word_at(t, at, w)) {
            at = skip_blank(t, at + w.len());
        } else if t.get(at) != Some(&b'(') {
            return false;
        }
        while t.get(at) == Some(&b'(') {
            at = skip_blank(t, at + 1);
        }
        match t.get(at) {
            None => true,
            Some(b) if b.is_ascii_digit() => true,
            Some(_) => word_at(t, at, "select") || word_at(t, at, "null"),
        }
    })
}

/// `` `id`=1 ``, `` (`x`) ``, `` from `users` where ``: a name in backticks (MySQL's quoted
/// identifier) next to a comparison or parenthesis, after `select`, `from`, `update`, `into`,
/// `table` or `join`, or before `from`, `where`, `limit`, `union`. Markdown's code spans sit
/// in prose next to commas and words ("use `a`, `b` or `c`").
fn backtick_name_in_sql(t: &[u8], kw: &Present) -> bool {
    let mut at = 0;
    // Each pair of backticks once: linear.
    while let Some(open) = t
        .get(at..)
        .and_then(|r| r.iter().position(|b| *b == b'`'))
        .map(|p| at + p)
    {
        let Some(close) = t
            .get(open + 1..)
            .and_then(|r| r.iter().position(|b| *b == b'`'))
            .map(|p| open + 1 + p)
        else {
            return false;
        };
        at = close + 1;
        let name = t.get(open + 1..close).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|b| is_ident(*b)) {
            continue;
        }
        let before = t.get(..open).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let after = skip_blank(t, close + 1);
        let symbol_before = matches!(before.last(), Some(b'(' | b'=' | b'<' | b'>'));
        let symbol_after = matches!(t.get(after), Some(b'=' | b'<' | b'>' | b')'))
            || t.get(after..after + 2) == Some(b"!=");
        let word_before = ["select", "from", "update", "into", "table", "join"]
            .iter()
            .any(|w| ends_with_word(before, w));
        let word_after = ["from", "where", "limit", "union"]
            .iter()
            .any(|w| kw.has(w) && word_at(t, after, w));
        if symbol_before || symbol_after || word_before || word_after {
            return true;
        }
    }
    false
}

/// `limit 0,1--`, `limit 1 offset 0`: `limit` with two numbers, then the end of the value, a
/// comment, `;` or `)` ("Limit 1,000 per customer" has a thousands separator and goes on).
fn limit_clause(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "limit", kw).any(|i| {
        if !word_at(t, i, "limit") {
            return false;
        }
        limit_numbers_end(t, skip_blank(t, i + 5)).is_some_and(|end| {
            let rest = t.get(skip_blank(t, end)..).unwrap_or_default();
            rest.is_empty()
                || [&b"--"[..], b"#", b";", b")"]
                    .iter()
                    .any(|p| rest.starts_with(p))
        })
    })
}

/// `load data local infile`, `waitfor time '…'`: server statements level 1 knows only in
/// another form (`load data infile`, `waitfor delay`).
fn server_statement(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "load data local infile", kw).any(|i| word_at(t, i, "load"))
        || occurrences(t, "waitfor time", kw).any(|i| word_at(t, i, "waitfor"))
}

/// `and exists`, `or not exists (`: a connective, maybe `not`, then `exists` that ends the
/// value or opens a subquery (a correlated test of a blind injection).
fn connective_exists(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "exists", kw).any(|i| {
        if !word_at(t, i, "exists") {
            return false;
        }
        let before = t.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let before = before
            .strip_suffix(b"not")
            .map_or(before, |b| b.strip_suffix(b" ").unwrap_or(b));
        let connective = [&b"and"[..], b"or", b"&&", b"||"].iter().any(|c| {
            before.ends_with(c)
                && !before
                    .get(..before.len() - c.len())
                    .and_then(|b| b.last())
                    .copied()
                    .is_some_and(is_ident)
        });
        let after = skip_blank(t, i + 6);
        connective && matches!(t.get(after), None | Some(b'('))
    })
}

/// `create or replace function`, `… procedure`, `… trigger`: a routine defined or redefined
/// through an injection (level 1 knows `create function` without `or replace`).
fn create_or_replace(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "create or replace", kw).any(|i| {
        let at = skip_blank(t, i + "create or replace".len());
        word_at(t, i, "create")
            && [
                "function",
                "procedure",
                "trigger",
                "view",
                "package",
                "library",
            ]
            .iter()
            .any(|w| word_at(t, at, w))
    })
}

/// `' * from`, `(* from`, `, * from`: a select star (after a quote, `(`, `,` or `select`, not
/// a product of numbers: "2 * from") then `from`.
fn star_from(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'*')
        .any(|(i, _)| {
            let before = t.get(..i).unwrap_or_default();
            let before = before.strip_suffix(b" ").unwrap_or(before);
            let star = matches!(before.last(), Some(b'\'' | b'"' | b'`' | b'(' | b','))
                || before.ends_with(b"select")
                    && !before
                        .get(..before.len() - 6)
                        .and_then(|b| b.last())
                        .copied()
                        .is_some_and(is_ident);
            star && word_at(t, skip_blank(t, i + 1), "from")
        })
}

/// Words several rules look for in the normalized copy, each with a search of its own.
const KEYWORDS: [&str; 22] = [
    "xor",
    "regexp",
    "rlike",
    "notnull",
    "null",
    "like",
    "order by",
    "group by",
    "having",
    "when",
    "select",
    "from",
    "union",
    " is not ",
    "varchar",
    "varbinary",
    "nvarchar",
    "exists",
    "create or replace",
    "limit",
    "load data local infile",
    "waitfor time",
];

/// Which of [`KEYWORDS`] stand in a normalized copy, and whether a [`CATALOG`] name stands
/// there as a whole word, found in one pass: a rule searches only for the keywords that
/// stand. (A search per word cost more than all the rest of this module on a short header
/// value.)
struct Present {
    bits: u32,
    catalog: bool,
}

impl Present {
    fn of(t: &[u8]) -> Present {
        static WORDS: OnceLock<Option<AhoCorasick>> = OnceLock::new();
        let words =
            WORDS.get_or_init(|| AhoCorasick::new(KEYWORDS.iter().chain(CATALOG.iter())).ok());
        let Some(words) = words else {
            let s = as_str(t);
            let catalog = CATALOG
                .iter()
                .any(|name| s.match_indices(name).any(|(i, _)| word_at(t, i, name)));
            return Present {
                bits: u32::MAX,
                catalog,
            };
        };
        let mut present = Present {
            bits: 0,
            catalog: false,
        };
        for m in words.find_overlapping_iter(t) {
            let i = m.pattern().as_usize();
            match i.checked_sub(KEYWORDS.len()) {
                None => present.bits |= 1u32.checked_shl(m.pattern().as_u32()).unwrap_or(0),
                Some(c) => {
                    present.catalog |= CATALOG
                        .get(c)
                        .is_some_and(|name| word_at(t, m.start(), name));
                }
            }
        }
        present
    }

    /// Whether `word` may stand in the copy (`true` for a word not in [`KEYWORDS`]).
    fn has(&self, word: &str) -> bool {
        KEYWORDS
            .iter()
            .position(|k| *k == word)
            .is_none_or(|i| (self.bits >> i) & 1 == 1)
    }
}

/// Where `word` starts in the normalized copy `t`: searched only if `kw` says it stands there.
fn occurrences<'a>(t: &'a [u8], word: &'a str, kw: &Present) -> impl Iterator<Item = usize> + 'a {
    kw.has(word)
        .then(|| as_str(t).match_indices(word).map(|(i, _)| i))
        .into_iter()
        .flatten()
}

/// `;drop`, `x;select`: a statement keyword glued to a `;` (prose puts a blank after it:
/// "BASE; SET SWAROVSKI", "lunch; select a gift"), where level 1 wants the `;` to end a
/// string or number.
fn glued_statement(t: &[u8]) -> bool {
    const STATEMENTS: [&str; 15] = [
        "select", "insert", "update", "delete", "drop", "truncate", "alter", "create", "exec",
        "execute", "declare", "shutdown", "waitfor", "grant", "revoke",
    ];
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b';')
        .any(|(i, _)| STATEMENTS.iter().any(|w| word_at(t, i + 1, w)))
}

/// A value that is `exec`/`execute` and a procedure name, alone or with parameters (`@p`, a
/// literal) or `;` after it: `execute panel`, `exec sp_who;`. ("Execute the plan" goes on with
/// a word.)
fn execute_name(t: &[u8]) -> bool {
    let Some(at) = after_opening_word(t, &["execute", "exec"]) else {
        return false;
    };
    let name = run_from(t, at, |b| is_ident(b) || b == b'.');
    let after = skip_blank(t, at + name);
    name > 0
        && t.get(after)
            .is_none_or(|b| matches!(b, b'@' | b'\'' | b'"' | b';' | b'(') || b.is_ascii_digit())
}

/// `(select` left open at the end of the value, or followed by what only a query has there:
/// `*`, a literal, `@`, `(`, `case`, `distinct`, `top`, `null`, or a name and then `from`.
fn open_subquery(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let at = skip_blank(t, i + 1);
            if !word_at(t, at, "select") {
                return false;
            }
            let at = skip_blank(t, at + 6);
            match t.get(at) {
                None => true,
                Some(b) if b.is_ascii_digit() => true,
                Some(b'*' | b'\'' | b'"' | b'@' | b'(' | b'`') => true,
                Some(_) => {
                    let word = ident_at(t, at);
                    ["case", "distinct", "top", "null"].contains(&as_str(word))
                        || !word.is_empty() && word_at(t, skip_blank(t, at + word.len()), "from")
                }
            }
        })
}

/// A number (1 to 9 digits), blanks, `,` and another, or `offset` and another; the end of the
/// second. A thousands separator (`1,000`: a comma glued to exactly three digits) is no
/// second number.
fn limit_numbers_end(t: &[u8], at: usize) -> Option<usize> {
    let digits = |at: usize| {
        t.get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let first = digits(at);
    if first == 0 {
        return None;
    }
    let mut next = skip_blank(t, at + first);
    if t.get(next) == Some(&b',') {
        let glued = next == at + first && t.get(next + 1) != Some(&b' ');
        next = skip_blank(t, next + 1);
        let second = digits(next);
        (second > 0 && !(glued && second == 3)).then_some(next + second)
    } else if word_at(t, next, "offset") {
        next = skip_blank(t, next + 6);
        let second = digits(next);
        (second > 0).then_some(next + second)
    } else {
        None
    }
}

/// A quote, then an operator (`|`, `+`, `<`, `=`, `%`, `mod`, `div` …), a name and a comment or
/// `;` (`x'|email--`, `x' mod id--`), or `>`, `&`, `-`, `!`, `~`, `/` and a name before a
/// comment only (`x'>email--`; `">Note;` and `"/app;jsessionid` are markup and URLs): the value's string closed and an expression injected; or
/// an escaped quote (`\'`, `\"`, the backslash that was to neutralize it) before a connective,
/// maybe after a literal (`\'and`, `\"or"1`, `\"1 or 1-`).
fn quote_operator(t: &[u8]) -> bool {
    let after_quote = t
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'\'' | b'"' | b'`'))
        .any(|(i, _)| {
            let at = skip_blank(t, i + 1);
            let op_len = match t.get(at) {
                // Not `>` (`">Note;` closes a tag), `/` (`"/app;jsessionid`) nor a single `&`
                // (`"&nbsp;`): markup and URLs write them after a quote.
                Some(b'&') if t.get(at + 1) == Some(&b'&') => 2,
                Some(b'|' | b'+' | b'<' | b'=' | b'%' | b'^' | b'*') => {
                    1 + usize::from(t.get(at + 1).is_some_and(|b| b"|<>=".contains(b)))
                }
                _ if word_at(t, at, "mod") || word_at(t, at, "div") => 3,
                // Before a comment only, since markup and URLs put them after a quote.
                Some(b'>' | b'&' | b'-' | b'!' | b'~' | b'/') => {
                    let op = t.get(at).copied().unwrap_or_default();
                    let name_at = skip_blank(t, at + 1);
                    let name = ident_at(t, name_at);
                    let rest = t
                        .get(skip_blank(t, name_at + name.len())..)
                        .unwrap_or_default();
                    return name.first().is_some_and(u8::is_ascii_alphabetic)
                        && (rest.starts_with(b"--") || op != b'/' && rest.starts_with(b"#"));
                }
                _ => return false,
            };
            let at = skip_blank(t, at + op_len);
            let name = ident_at(t, at);
            let rest = t.get(skip_blank(t, at + name.len())..).unwrap_or_default();
            // A name, before a comment or `;`; a number (`'=0--`, the login bypass), before a
            // comment only.
            match name.first() {
                Some(b) if b.is_ascii_alphabetic() => {
                    [&b"--"[..], b"#", b";"].iter().any(|e| rest.starts_with(e))
                }
                Some(b) if b.is_ascii_digit() => rest.starts_with(b"--") || rest.starts_with(b"#"),
                _ => false,
            }
        });
    if after_quote || quote_then_keyword(t) || login_closed(t) || name_closed_commented(t) {
        return true;
    }
    t.windows(2)
        .enumerate()
        .filter(|(_, w)| matches!(w, [b'\\', b'\'' | b'"']))
        .any(|(i, _)| {
            let mut at = i + 2;
            if let Some(lit) = literal_after(t, at).or_else(|| {
                let w = ident_at(t, at);
                (!w.is_empty() && !["or", "and", "xor"].contains(&as_str(w))).then_some(w)
            }) {
                at += lit.len();
            }
            let at = skip_blank(t, at);
            ["or", "and", "xor"].iter().any(|c| {
                t.get(at..at + c.len()) == Some(c.as_bytes())
                    && !t.get(at + c.len()).copied().is_some_and(is_ident)
            })
        })
}

/// `' union/`, `' alter(`: a quote, then a statement keyword that the value ends with or
/// follows with a comment or `(`, `*`, `;` (not a word: "O' UNION selected a few", nor a
/// quote: `"UNION" BY`). Or `'UNION A`, `" ALTER A`: the value opens with a quote no other
/// closes and then the keyword, whatever follows: the string the value was to be closed at
/// once and a statement begun (a quoted title, `'Union Jack' flag`, closes its quote).
fn quote_then_keyword(t: &[u8]) -> bool {
    const KEYWORDS: [&str; 10] = [
        "union", "select", "alter", "drop", "truncate", "create", "insert", "delete", "update",
        "declare",
    ];
    let first = skip_blank(t, 0);
    if let Some(&q) = t.get(first).filter(|q| matches!(q, b'\'' | b'"')) {
        let at = skip_blank(t, first + 1);
        let unmatched = t.iter().filter(|b| **b == q).count() == 1;
        if unmatched && KEYWORDS.iter().any(|w| word_at(t, at, w)) {
            return true;
        }
    }
    t.iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'\'' | b'"' | b'`'))
        .any(|(i, _)| {
            let at = skip_blank(t, i + 1);
            KEYWORDS.iter().any(|w| {
                word_at(t, at, w)
                    && match t.get(at + w.len()) {
                        None => true,
                        Some(b'/' | b'(' | b'*' | b';' | b'#') => true,
                        Some(b'-') => t.get(at + w.len() + 1) == Some(&b'-'),
                        Some(_) => false,
                    }
            })
        })
}

/// `admin'#`, `1' -- x`, `admin"--`: a name or number closed by a quote glued to it, then a
/// comment that ends the value (`#`) or runs to its end (`--` and a blank or nothing): the
/// rest of the query cut off. (`FOO BAR'# BLAH` goes on after `#`, `SOAP 1 '#` opens its quote,
/// `foo'--'bar'` goes on after `--`.)
fn name_closed_commented(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'\'' | b'"'))
        .any(|(i, _)| {
            let name = ident_before(t, i);
            // A word the same quote opened is quoted, not closed: `she said "hi" -- and left`.
            if name.is_empty() || t.get((i - name.len()).wrapping_sub(1)) == t.get(i) {
                return false;
            }
            let rest = t.get(skip_blank(t, i + 1)..).unwrap_or_default();
            rest.strip_prefix(b"#")
                .is_some_and(|r| r.iter().all(|b| *b == b' '))
                || rest
                    .strip_prefix(b"--")
                    .is_some_and(|r| r.first().is_none_or(|b| *b == b' '))
        })
}

/// `admin@juice-sh.op';`, `a@b.com"--`: a login name (an e-mail address) closed by a quote
/// and ended by `--` or `#`, or by a `;` that ends the value: the rest of the query cut off
/// (`"john@example.com"; or call` goes on).
fn login_closed(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'@')
        .any(|(i, _)| {
            let local = ident_before(t, i);
            let domain = t
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| is_ident(**b) || matches!(b, b'.' | b'-'))
                .count();
            let at = i + 1 + domain;
            let dotted = t
                .get(i + 1..at)
                .is_some_and(|d| d.contains(&b'.') && d.first().copied().is_some_and(is_ident));
            if local.is_empty() || !dotted || !matches!(t.get(at), Some(b'\'' | b'"')) {
                return false;
            }
            let rest = t.get(skip_blank(t, at + 1)..).unwrap_or_default();
            let comment = |r: &[u8]| r.starts_with(b"--") || r.starts_with(b"#");
            comment(rest)
                || rest.strip_prefix(b";").is_some_and(|r| {
                    let r = r.strip_prefix(b" ").unwrap_or(r);
                    r.is_empty() || comment(r)
                })
        })
}

/// Obfuscation only SQL injection uses: a comment glued between words or SQL punctuation
/// (`DR/**/OP`, read by filters that drop comments; `1,/**/2` for a blank), a statement ended
/// and the rest commented out (`;--`), MySQL's executable comment (`/*!`), a hex literal (`0xf00d`, a string without quotes), MySQL's
/// `1.e(`, `1.e.table_name` (a number glued to a call or a name to break tokenizers; not
/// "1.e.g."), a connective glued to a parenthesis
/// (`and(`, `or(`), SQL Server's string types (`nvarchar`, in a cast).
fn obfuscation(decoded: &[u8], t: &[u8], kw: &Present) -> bool {
    let split_word = {
        // Each comment once, from its `/*` to its `*/`: linear.
        let mut at = 0;
        let mut found = false;
        while let Some(open) = decoded
            .get(at..)
            .and_then(|r| r.windows(2).position(|w| w == b"/*"))
        {
            let open = at + open;
            let Some(close) = decoded
                .get(open + 2..)
                .and_then(|r| r.windows(2).position(|w| w == b"*/"))
                .map(|p| open + 2 + p + 2)
            else {
                break;
            };
            let before = open.checked_sub(1).and_then(|p| decoded.get(p));
            // A comment where a blank would be, glued on both sides to a word or to SQL's
            // punctuation (`1,/**/2`, `)/**/or`); prose has no comments, and code puts
            // blanks around them.
            let glued = |b: Option<&u8>| {
                b.is_some_and(|b| b.is_ascii_alphanumeric() || b"_,()'\"`=".contains(b))
            };
            if glued(before) && glued(decoded.get(close)) {
                found = true;
                break;
            }
            at = close;
        }
        found
    };
    if split_word {
        return true;
    }
    // `;--`, `; --`: a statement ended and the rest of the query commented out; `/*!`:
    // MySQL's executable comment. Neither is prose.
    let ended = t.windows(2).enumerate().any(|(i, w)| {
        w == b";-" && t.get(i + 2) == Some(&b'-')
            || w == b"; " && t.get(i + 2..i + 4) == Some(b"--")
    });
    if ended || decoded.windows(3).any(|w| w == b"/*!") {
        return true;
    }
    // A hex literal as injections write strings without quotes: short (`0x7e3a`, `0xf00d`) or
    // text (`0x61646d696e`, `admin`); or a host written in hex (`http://0xA9FEA9FE/`, an
    // address filters miss). Longer ones that are no text are numbers, codes and addresses
    // in prose (`0x80070005`, `0xDEADBEEF`, a wallet's `0x742d…f44e`).
    let hex = hex_after(t, b"0x").any(|(end, digits)| {
        let host = (end - digits)
            .checked_sub(3)
            .and_then(|p| t.get(p))
            .is_some_and(|b| matches!(b, b':' | b'/' | b'@'));
        (3..=4).contains(&digits) || digits > 4 && (host || hex_is_text(t.get(end - digits..end)))
    });
    if hex {
        return true;
    }
    // `x'4142'`: MySQL's hex string, quotes around hex digits instead of `0x`.
    let hex_string = hex_after(t, b"x'").any(|(end, hex)| {
        hex >= 2
            && hex % 2 == 0
            && t.get(end) == Some(&b'\'')
            && !t.get(end + 1).copied().is_some_and(is_ident)
    });
    if hex_string {
        return true;
    }
    let number_e_call = t.windows(5).any(|w| {
        matches!(w, [d, b'.', b'e', b'(', _] if d.is_ascii_digit())
            || matches!(w, [d, b'.', b'e', b'.', c] if d.is_ascii_digit() && c.is_ascii_alphabetic() && *c != b'g')
    }) || t.ends_with(b".e(") && t.len() >= 4 && t.get(t.len() - 4).is_some_and(u8::is_ascii_digit);
    if number_e_call {
        return true;
    }
    let glued_connective = t
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let name = ident_before(t, i);
            ["and", "or", "xor"].contains(&as_str(name))
        });
    glued_connective
        || ["nvarchar", "varchar", "varbinary"]
            .iter()
            .any(|w| occurrences(t, w, kw).any(|i| word_at(t, i, w)))
}

/// `@@datadir`, `@@hostname`: a server variable (level 1 knows `@@version`), not glued to a
/// name (`john@@example` is a typo); or a name of [`CATALOG`] as a whole word (looked for by
/// [`Present::of`]).
fn catalog_object(t: &[u8], kw: &Present) -> bool {
    let variable = t.windows(3).enumerate().any(|(i, w)| {
        matches!(w, [b'@', b'@', c] if c.is_ascii_alphabetic())
            && !i
                .checked_sub(1)
                .and_then(|p| t.get(p))
                .copied()
                .is_some_and(is_ident)
    });
    variable || kw.catalog
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_fully;

    fn id(v: &str) -> Option<&'static str> {
        let decoded = decode_fully(v.as_bytes(), true, true);
        let found = detect_with(&decoded, true).map(|r| r.id);
        assert_eq!(
            found,
            detect_with(&decoded, false).map(|r| r.id),
            "{v}: precheck"
        );
        found
    }

    fn none(values: &[&str]) {
        for v in values {
            assert_eq!(id(v), None, "{v}");
        }
    }

    fn all(rule: &str, values: &[&str]) {
        for v in values {
            assert_eq!(id(v), Some(rule), "{v}");
        }
    }

    #[test]
    fn open_calls() {
        all(
            "sqli-010",
            &[
                "IN (",
                "length||!!$(",
                "date]=(",
                "day&'(",
                "if\\(",
                "quarter. (",
                "user()",
                "Compress (",
                "div (23.23 , 2)",
                "in (2147483647,-1)",
                " IN (815914, 815913)\n",
                "x in (select id from t)",
                "procedure analyse (",
                "1 and length(database())>1",
                "tan(0.5)",
                "sys_eval(whoami)",
                "execute ('select 1')",
                "exp(~(select 1))",
                "iif(1=1,1,0)",
                "x and get_lock (a, 5)",
                "date_add(",
                "LOG10 (100)",
            ],
        );
        none(&[
            "TAN (WATER RESISTANT INSULATED) MESSENGER",
            "Work Time (Rosewood, Lavender, Bergamot, Grapefruit) Recommended",
            "User(foo),junk",
            "User(login_name),Images(url_170x135)",
            "1 function (1)",
            "x/void(1)",
            "1alert(1)",
            "3rd space(s)",
            "8-bit Limit (BRK)",
            "Reality check (2016)",
            "USPS 1-3 Day (USPS doesn't guarantee 3 day arrival)",
            "Math.max(1, 2)",
            "arr.length(0)",
            "available in (red, blue, green)",
            "the user (admin) logged in",
            "Execute (carefully) the plan",
            "an altitude of convert (0.46 miles) before",
            "Time (2 hours)",
        ]);
    }

    #[test]
    fn operators() {
        all(
            "sqli-011",
            &[
                "RegExp",
                "XOR",
                "IS NULL",
                "x is not null",
                "name LIKE NULL",
                "` REGEXP ",
                ")like(",
                "&&",
                "!=",
                "<>",
                "==",
                ">=",
                ">>",
                "or 88",
                "xor 5-",
                "or true",
                "AND FALSE--",
                "something LIKE '",
            ],
        );
        none(&[
            "13 IS A LUCKY NUMBER",
            "Is null a value? No.",
            "foo 'null' bar",
            "nullable fields",
            "THERE IS NOT PLACE LIKE HOME",
            "I like (some) things",
            "or 2 days",
            "2 OR 4 METAL BUTTONS",
            "OR-9-9WYTCZT313XRCN2UV62MBE1",
            "x >= y",
            "Next >>",
            "xorg server",
            "and true love",
            "I like 'The Office' a lot",
            "BILLEEVERSBOUTIQUE , BROWNING \"LIKE\"",
        ]);
    }

    #[test]
    fn tautologies() {
        all(
            "sqli-012",
            &[
                "1=1",
                "b,1=1",
                "1!=11",
                "11!=1",
                "'1'='1'",
                "2 <> 3",
                "(5=5)",
                "1)=(1",
                "'a'='a",
                "x=x",
                "`id`=`id`",
            ],
        );
        none(&[
            "GALLERY=1=5",
            "1+1=2",
            "x1=1",
            "a=b",
            "version 1.2=1.3",
            "1=10",
            "page=2",
            "q=1&p=1",
            "i=i%2B1",
            "a.x=x",
            "x=x.y",
            "aaaa==",
            "page=2&x=3",
            "1 is not 1",
            "Form 1 is not 2pages",
            "room 1 is not ready",
        ]);
    }

    #[test]
    fn clauses() {
        all(
            "sqli-013",
            &[
                "ORder by",
                "1 order by 3--",
                "x group by name,",
                "HAVING 1=",
                "HAVING total>1",
                ") when 234 then",
                "SELECT (CASE",
                "FROM ack_variable WHERE name=\"cron_last\";",
                "execute scald",
                "exec user_",
                "EXEC sp_who;",
                "@.= ( SELECT",
                "name=(select",
                "(select * from users)",
                "(select password from users)",
                "from `db_miwf`.`sys_refindex` limit",
                "pay=;drop",
                "1;select 1",
                "select a,b from users",
                "select * from users where 1",
                "1 union select x.a, x.b from t)",
                "UNION ALL",
                "1 union (select",
                "union distinct 1",
                "' * from = 1 id '9",
                "x,* from t",
                "`id`=1",
                "(`x`)",
                "`users` where",
                "select `a` from t",
                "1 and exists",
                "x' or not exists",
                "limit 0,1--",
                "1 limit 1 offset 0",
                "' limit 1,1",
                "x; load data local infile '/etc/passwd' into table t",
                "1;waitfor time '23:59'",
                "; create or replace function f returns int",
            ],
        );
        none(&[
            "BY ORDER OF THE MANAGEMENT",
            "IN ORDER TO USE SEARCH",
            "1 having",
            "I like having true friends",
            "select x from y where",
            "when done then rest",
            "Execute the plan",
            "1; exec will create the case 7",
            "(select one) of the following",
            "Please select (one)",
            "a letter from home where it rains",
            "Order by 5pm for delivery",
            "select red, blue from the menu",
            "select one from each row",
            "union all workers",
            "Union (AFL-CIO) members",
            "2 * from 3",
            "rated * from critics",
            "use `foo`, `bar` or `baz`",
            "run `make test` first",
            "the `users` table and `id` column",
            "check if it exists (yet)",
            "peace and exists together",
            "create or replace the old one",
            "Limit 1,000 per customer",
            "limit 2, then wait",
            "the speed limit 30 applies",
            "in case when it rains",
            "BASE; SET SWAROVSKI",
            "lunch; select a gift",
            "L;IN TABLE RUNNER",
            "OW;CAST IRON TRIVETS",
        ]);
    }

    #[test]
    fn quote_operators() {
        all(
            "sqli-014",
            &[
                "x'|email--",
                "x'%2Bemail--",
                "x'<email--",
                "x'=email--",
                "x'%email--",
                "x' mod id--",
                "'=0--",
                "x'|1#",
                "\\\"or\"1",
                "\\'and",
                "\\\"1 or 1-",
                "' alter/",
                "' union/",
                "' select*",
                "'UNION A",
                "\" ALTER A",
                "admin@juice-sh.op\";",
                "admin@juice-sh.op';",
                "admin'#",
                "admin' #",
                "1' -- x",
                "admin\"--",
                "a.b@example.com' --",
                "x'>email--",
                "x' & email #",
                "x'/email--",
                "x' - email--",
            ],
        );
        none(&[
            "4'+X+4'+WOOD",
            "48\"+X+48\"+MODERN+ART",
            "foo'--'bar'",
            "'-\"8 TRACK\" PLAYER",
            "VINTAGE CARVED  BEAD\\'\" -LUCITE -PLASTIC",
            "rock 'n' roll; jazz",
            "it's a \"+plus\" sign",
            "C:\\'orange'",
            "O' UNION selected a few friends",
            "\"UNION\" BY ROBERT F",
            "pick 'drop-down' menus",
            "'Union Jack' flag",
            "\"Drop\" by Timbaland",
            "'Drop it like it's hot",
            "DRESS WITH HAT 18';",
            "FOO BAR'# BLAH",
            "BAMBOO CHARCOAL SOAP 1 '#",
            "foo'--'bar'",
            "Y'ALL COME BACK NOW",
            "mail \"john@example.com\"; or call",
            "write to 'a@b.com' today",
            "<a href=\"/page#top\">",
            "\">Note; more",
            "'-'",
            "She said \"hi\" -- and left",
            "the 'beta' -- as we call it",
            "rated \"ok\" #",
        ]);
    }

    #[test]
    fn catalog_objects() {
        all(
            "sqli-017",
            &[
                "@@datadir",
                "select name from msdb..backupset",
                "x from sysibm.sysdummy1",
                "utl_http.request",
                "SYS.OBJECTS",
                "sp_help users",
                "utl_file.fopen",
                "select pg_sleep",
            ],
        );
        none(&[
            "john@@example",
            "email@@@",
            "the msdbx tool",
            "my_sys.objects_list",
        ]);
    }

    /// Long repetitive values: every rule reads each byte a bounded number of times (no panic,
    /// and the test would take minutes if a rule went quadratic on one of them).
    #[test]
    fn long_repetitive_values() {
        for piece in [
            "select ",
            "select,",
            "(",
            "((select ",
            "'",
            "''=",
            "1=",
            "a=a=",
            "null is ",
            " is not '",
            "order by ",
            "union (",
            "`a`",
            "@",
            "a@b.c'",
            "\\'",
            "/*",
            "/**/a",
            "0x",
            "x(",
            "in (",
            "when 1 ",
            ";",
            "*",
            "' * ",
            "'|a",
            "from t where ",
        ] {
            let value = piece.repeat(64 * 1024 / piece.len());
            let started = std::time::Instant::now();
            let _ = detect_with(value.as_bytes(), true);
            let _ = detect_with(value.as_bytes(), false);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "{piece:?}: {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn obfuscations() {
        all(
            "sqli-016",
            &[
                "DR/**/OP/*bypass deny listing*/sampletable",
                "\\0xf00dsdfdsa",
                "0x61646d696e",
                "x=0x7e3a",
                "1 and 0x3c3f706870",
                "http://0xa9fea9fe/",
                "gopher://0x7f000001",
                "1.e(ascii)",
                "x'41424344'",
                "24'union%2Ball%2Bselect%2B1,2,3",
                "\"%2BWAITFOR%2BDELAY%2B'",
                "SELECT 1.e.table_name",
                "/3 and(",
                "cast(x as nvarchar)",
                "1,/**/2,/**/3",
                "1;--",
                "x'; --",
                "/*!12345 x",
                ")/**/or/**/(",
                "nvarchar",
            ],
        );
        none(&[
            "x/*",
            "a /* note */ b",
            "f(/* arg */ 1)",
            "open 9-5; closed -- sorry",
            "a; -b",
            "0x1",
            "box0x123",
            "Error: \"Something went wrong (code 0x80070005)\"",
            "crash at 0xC0000005",
            "send to 0x742d35cc6634c0532925a3b844bc454e4438f44e",
            "color 0xFFFFFF",
            "a blank is 0x20",
            "version 1.e",
            "salt and (pepper)",
            "see 4.e (below)",
            "x'y'",
            "Max'ab' thing",
            "see section 1.e.g. this",
            "c%2B%2B union members",
        ]);
    }
}
