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
    let wrong: Vec<(&str, Option<&str>)> = values
        .iter()
        .map(|v| (*v, id(v)))
        .filter(|(_, found)| *found != Some(rule))
        .collect();
    assert!(wrong.is_empty(), "{rule}: {wrong:?}");
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
            "procedure analyse (",
            "1 and length(database())>1",
            "tan(0.5)",
            "sys_eval(whoami)",
            "execute ('select 1')",
            "iif(1=1,1,0)",
            "x and get_lock (a, 5)",
            "date_add(",
            "LOG10 (100)",
        ],
    );
    all("sqli-027", &["x in (select id from t)"]);
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
        "openssl(1), openssl-rand(1), openssl-ec(1)",
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
        ],
    );
    all("sqli-028", &[")like(", "something LIKE '"]);
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
        &["b,1=1", "(5=5)", "1)=(1", "'a'='a", "x=x", "`id`=`id`"],
    );
    all("sqli-028", &["1=1", "1!=11", "11!=1", "'1'='1'", "2 <> 3"]);
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
            ") when 234 then",
            "execute scald",
            "exec user_",
            "select a,b from users",
            "1 union select x.a, x.b from t)",
            "UNION ALL",
            "union distinct 1",
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
        ],
    );
    all(
        "sqli-027",
        &[
            "1 union (select",
            "HAVING 1=",
            "HAVING total>1",
            "SELECT (CASE",
            "FROM ack_variable WHERE name=\"cron_last\";",
            "@.= ( SELECT",
            "name=(select",
            "(select * from users)",
            "(select password from users)",
            "from `db_miwf`.`sys_refindex` limit",
            "' * from = 1 id '9",
            "x,* from t",
        ],
    );
    all("sqli-006", &["pay=;drop", "1;select 1"]);
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
    all("sqli-014", &["admin'#", "admin' #", "1' -- x", "admin\"--"]);
    all(
        "sqli-026",
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
            "\\0xf00dsdfdsa",
            "0x61646d696e",
            "x=0x7e3a",
            "1 and 0x3c3f706870",
            "http://0xa9fea9fe/",
            "gopher://0x7f000001",
            "1.e(ascii)",
            "x'41424344'",
            "SELECT 1.e.table_name",
            "/3 and(",
            "cast(x as nvarchar)",
            "1;--",
            "x'; --",
            "/*!12345 x",
            "nvarchar",
        ],
    );
    all(
        "sqli-029",
        &[
            "DR/**/OP/*bypass deny listing*/sampletable",
            "24'union%2Ball%2Bselect%2B1,2,3",
            "\"%2BWAITFOR%2BDELAY%2B'",
            "1,/**/2,/**/3",
            ")/**/or/**/(",
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
