//! Statements on a database object, `DROP TABLE`, `CREATE USER`, `ALTER TABLE`, read as SQL
//! only with the object and what SQL puts after it. Prose has the phrases too ("We had to drop
//! table tennis", "How do I create user accounts for my team?", "Vintage oak drop table,
//! seats 6", "Drop Table Games LLC"); a statement names the object and then ends, or goes on
//! with the statement's own words: `drop table users`, `drop table users;`, `drop table if
//! exists t`, `create table t (id int)`, `alter table t add c int`, `create user x identified
//! by 'p'`.

use crate::detect::words::word_list;

/// The statement openings, each with the words SQL puts after the object's name.
const OBJECT_STATEMENTS: [(&str, &[&str]); 16] = [
    ("drop table", &DROP),
    ("drop database", &DROP),
    ("drop procedure", &DROP),
    ("drop function", &DROP),
    ("drop view", &DROP),
    ("drop user", &DROP),
    ("truncate table", &TRUNCATE),
    ("create table", &CREATE_TABLE),
    ("create database", &DATABASE),
    ("alter database", &DATABASE),
    ("create procedure", &ROUTINE),
    ("create function", &ROUTINE),
    ("create trigger", &TRIGGER),
    ("create user", &USER),
    ("alter user", &USER),
    ("alter table", &ALTER_TABLE),
];

word_list! {
    /// Words after the object's name: `drop table t cascade`.
    DROP = "sql-after-drop"
}
word_list! {
    /// Words after the object's name: `truncate table t restart`.
    TRUNCATE = "sql-after-truncate"
}
word_list! {
    /// Words after the object's name: `create table t as select`.
    CREATE_TABLE = "sql-after-create-table"
}
word_list! {
    /// Words after the object's name: `create database d character set`.
    DATABASE = "sql-after-database"
}
word_list! {
    /// Words after the object's name: `create function f returns`.
    ROUTINE = "sql-after-routine"
}
word_list! {
    /// Words after the object's name: `create trigger t before`.
    TRIGGER = "sql-after-trigger"
}
word_list! {
    /// Words after the object's name: `create user u identified`.
    USER = "sql-after-user"
}
word_list! {
    /// Words after the object's name: `alter table t add`.
    ALTER_TABLE = "sql-after-alter-table"
}

/// The openings, for the caller's precheck (one of their words stands in every value that
/// has one).
pub(super) fn openings() -> impl Iterator<Item = &'static str> {
    OBJECT_STATEMENTS.iter().map(|(opening, _)| *opening)
}

/// Whether normalized `text` (lowercase, comments and blank runs one blank) holds a statement
/// on an object: an opening where a word starts, then `if` (`if exists`), a quoted, bracketed,
/// variable or temporary name, or a name followed by the end, `;`, `(`, `,`, `)`, or one of the
/// statement's words (for `create user … with`, a role option: `with password`).
pub(super) fn object_statement(text: &[u8]) -> bool {
    let s = String::from_utf8_lossy(text);
    OBJECT_STATEMENTS.iter().any(|(opening, follows)| {
        s.match_indices(opening).any(|(i, _)| {
            let starts_word = i == 0 || !text.get(i - 1).copied().is_some_and(super::is_ident);
            starts_word && names_object(s.get(i + opening.len()..).unwrap_or_default(), follows)
        })
    })
}

/// Whether `rest` (what follows an opening) names an object and goes on as SQL.
fn names_object(rest: &str, follows: &[&str]) -> bool {
    let Some(rest) = rest.strip_prefix(' ') else {
        // Glued to the opening: `drop table(`, `drop table;` are not prose either, but name
        // nothing; `drop tablespace` is another word.
        return rest.starts_with(['`', '"', '[']);
    };
    if rest.starts_with(['\'', '`', '"', '[', '@', '#']) || word_is(rest, "if") {
        return true;
    }
    let name_len = rest
        .bytes()
        .take_while(|&b| super::is_ident(b) || matches!(b, b'.' | b'$'))
        .count();
    if name_len == 0 {
        return false;
    }
    let after = rest.get(name_len..).unwrap_or_default();
    let after = after.strip_prefix(' ').unwrap_or(after);
    if after.is_empty() || after.starts_with([';', '(', ',', ')', '-', '#', '\'']) {
        return true;
    }
    if word_is(after, "with") {
        let option = after.get(4..).unwrap_or_default().trim_start();
        return [
            "password",
            "encrypted",
            "superuser",
            "login",
            "createdb",
            "createrole",
        ]
        .iter()
        .any(|o| word_is(option, o));
    }
    follows.iter().any(|w| word_is(after, w))
}

/// Whether `text` starts with the word `word` (not a longer word).
fn word_is(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|r| !r.bytes().next().is_some_and(super::is_ident))
}

#[cfg(test)]
mod tests {
    use super::object_statement;

    #[test]
    fn statements_on_objects() {
        for v in [
            "drop table users",
            "drop table users;",
            "1; drop table users --",
            "drop table if exists t",
            "drop table `users`",
            "drop table [dbo].[users]",
            "drop table #tmp",
            "drop table a, b",
            "drop table users cascade",
            "drop database shop",
            "drop user 'x'@'%'",
            "truncate table logs",
            "create table t (id int)",
            "create table t as select * from u",
            "create table t(id int)",
            "create database x character set utf8",
            "create user x identified by 'p'",
            "create user bob with password 'x'",
            "create user x;",
            "alter user sa with password 'x'",
            "alter table t add c int",
            "alter table users drop column pw",
            "create function f() returns int",
            "create procedure p as select 1",
            "create trigger t before insert on u",
            "x'; drop table users",
        ] {
            assert!(object_statement(v.as_bytes()), "{v}");
        }
        for v in [
            "we had to drop table tennis this year",
            "how do i create user accounts for my team?",
            "create user accounts with admin rights",
            "vintage oak drop table, seats 6",
            "drop table games llc",
            "click create table, then add columns",
            "to create a table, use the tables menu.",
            "i bought a drop table",
            "alter table layouts to add space",
            "drop tablespace",
            "backdrop table",
            "the create database wizard opens",
        ] {
            assert!(!object_statement(v.as_bytes()), "{v}");
        }
    }
}
