//! TiDB's `IF [NOT] EXISTS` on `ALTER TABLE` clauses, which Forge SQL runs and MySQL (and so
//! sqlparser's MySQL grammar) does not have:
//!
//! ```sql
//! ALTER TABLE items ADD COLUMN IF NOT EXISTS stock INT NOT NULL DEFAULT 0
//! ALTER TABLE items ADD INDEX IF NOT EXISTS idx_stock (stock)
//! ALTER TABLE items DROP INDEX IF EXISTS idx_old
//! ```
//!
//! Migrations written for Forge use them so that a migration can run again after failing
//! halfway. The guard words are taken out of the text before it is parsed, each noted with its
//! table and the name it guards ([`Guards`]); the dialect then leaves out an `ADD COLUMN` of a
//! column the table has and writes the index clauses with SQLite's own `IF [NOT] EXISTS`.
//!
//! Only the guard words are cut, by their place in the text as sqlparser's tokenizer found
//! them (never by re-printing tokens, which would change how a string's escapes read), and
//! only where they follow `ADD [COLUMN]`, `ADD {INDEX | KEY}`, `ADD UNIQUE [INDEX | KEY]` or
//! `DROP {INDEX | KEY}` in an `ALTER TABLE`. (`DROP COLUMN IF EXISTS` sqlparser reads itself.)
//! MySQL's `DROP KEY k`, which sqlparser reads only as `DROP INDEX k`, is written so in the same
//! pass.

use sqlparser::tokenizer::Token;

use super::token_places::{LineStarts, mentions_any, significant_tokens, splice};

/// The clauses a statement guarded, each by its table and the name it guards (unquoted, as
/// written).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Guards {
    /// `ADD COLUMN IF NOT EXISTS name`.
    pub(super) add_columns: Vec<(String, String)>,
    /// `ADD INDEX IF NOT EXISTS name`.
    pub(super) add_indexes: Vec<(String, String)>,
    /// `DROP INDEX IF EXISTS name`.
    pub(super) drop_indexes: Vec<(String, String)>,
}

impl Guards {
    fn guarded(list: &[(String, String)], table: &str, name: &str) -> bool {
        list.iter().any(|(guarded_table, guarded_name)| {
            guarded_table.eq_ignore_ascii_case(table) && guarded_name.eq_ignore_ascii_case(name)
        })
    }

    pub(super) fn adds_column_if_missing(&self, table: &str, column: &str) -> bool {
        Self::guarded(&self.add_columns, table, column)
    }

    pub(super) fn adds_index_if_missing(&self, table: &str, index: &str) -> bool {
        Self::guarded(&self.add_indexes, table, index)
    }

    pub(super) fn drops_index_if_present(&self, table: &str, index: &str) -> bool {
        Self::guarded(&self.drop_indexes, table, index)
    }
}

/// `query` without its guard words (and with `DROP KEY` as `DROP INDEX`), and what they
/// guarded; `None` when it has neither (the text is then parsed as it is).
pub(super) fn take_guards(query: &str) -> Option<(String, Guards)> {
    // Cheap refusal first: most statements are no ALTER TABLE at all.
    if !mentions_any(query, &["alter"]) {
        return None;
    }
    let words = significant_tokens(query)?;
    let keyword = |at: usize, wanted: &str| {
        matches!(words.get(at).map(|token| &token.token),
            Some(Token::Word(word)) if word.quote_style.is_none()
                && word.value.eq_ignore_ascii_case(wanted))
    };
    let name = |at: usize| match words.get(at).map(|token| &token.token) {
        Some(Token::Word(word)) => Some(word.value.clone()),
        _ => None,
    };
    let offsets = LineStarts::new(query);
    let mut guards = Guards::default();
    // Each edit replaces the text from one place to another.
    let mut cuts: Vec<(usize, usize, &str)> = Vec::new();
    let mut table: Option<String> = None;
    let mut at = 0;
    while at < words.len() {
        if matches!(words[at].token, Token::SemiColon) {
            table = None;
        } else if keyword(at, "ALTER") && keyword(at + 1, "TABLE") {
            table = name(at + 2);
            at += 3;
            continue;
        }
        let Some(current) = table.clone() else {
            at += 1;
            continue;
        };
        let (guard, list): (usize, Option<&mut Vec<(String, String)>>) = if keyword(at, "ADD") {
            let mut after = at + 1;
            let mut index = false;
            if keyword(after, "COLUMN") {
                after += 1;
            } else if keyword(after, "INDEX") || keyword(after, "KEY") {
                index = true;
                after += 1;
            } else if keyword(after, "UNIQUE") {
                index = true;
                after += 1;
                if keyword(after, "INDEX") || keyword(after, "KEY") {
                    after += 1;
                }
            }
            if keyword(after, "IF") && keyword(after + 1, "NOT") && keyword(after + 2, "EXISTS") {
                let list = if index {
                    &mut guards.add_indexes
                } else {
                    &mut guards.add_columns
                };
                (after, Some(list))
            } else {
                (after, None)
            }
        } else if keyword(at, "DROP") && (keyword(at + 1, "INDEX") || keyword(at + 1, "KEY")) {
            if keyword(at + 1, "KEY") {
                let key = &words[at + 1];
                let (Some(start), Some(end)) = (
                    offsets.byte(key.span.start),
                    offsets
                        .byte(key.span.start)
                        .map(|start| start + "KEY".len()),
                ) else {
                    return None;
                };
                cuts.push((start, end, "INDEX"));
            }
            if keyword(at + 2, "IF") && keyword(at + 3, "EXISTS") {
                (at + 2, Some(&mut guards.drop_indexes))
            } else {
                (at + 2, None)
            }
        } else {
            (at + 1, None)
        };
        let Some(list) = list else {
            at = guard.max(at + 1);
            continue;
        };
        let named_at = if keyword(guard + 1, "NOT") {
            guard + 3
        } else {
            guard + 2
        };
        let (Some(guarded), Some(start), Some(end)) = (
            name(named_at),
            offsets.byte(words[guard].span.start),
            words
                .get(named_at)
                .and_then(|word| offsets.byte(word.span.start)),
        ) else {
            return None;
        };
        list.push((current, guarded));
        cuts.push((start, end, ""));
        at = named_at + 1;
    }
    if cuts.is_empty() {
        return None;
    }
    let text = splice(query, &cuts)?;
    Some((text, guards))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_words_are_cut_and_noted_with_their_table() {
        let (text, guards) = take_guards(
            "ALTER TABLE `items` ADD COLUMN IF NOT EXISTS stock INT DEFAULT 0, \
             ADD INDEX IF NOT EXISTS idx_stock (stock), DROP KEY if exists `old`, \
             ADD UNIQUE KEY IF NOT EXISTS uq (sku), ADD note TEXT COMMENT 'if not exists é'",
        )
        .expect("guards");
        assert_eq!(
            text,
            "ALTER TABLE `items` ADD COLUMN stock INT DEFAULT 0, ADD INDEX idx_stock (stock), \
             DROP INDEX `old`, ADD UNIQUE KEY uq (sku), ADD note TEXT COMMENT 'if not exists é'"
        );
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(guards.add_columns, [pair("items", "stock")]);
        assert_eq!(
            guards.add_indexes,
            [pair("items", "idx_stock"), pair("items", "uq")]
        );
        assert_eq!(guards.drop_indexes, [pair("items", "old")]);
    }

    #[test]
    fn mysqls_drop_key_is_drop_index() {
        let (text, guards) = take_guards("alter table t drop key k").expect("an edit");
        assert_eq!(text, "alter table t drop INDEX k");
        assert_eq!(guards, Guards::default());
    }

    #[test]
    fn text_without_guards_is_left_to_the_parser() {
        for query in [
            "SELECT * FROM t WHERE EXISTS (SELECT 1)",
            "CREATE TABLE IF NOT EXISTS t (id INT)",
            "ALTER TABLE t DROP COLUMN IF EXISTS c",
            "ALTER TABLE t DROP INDEX i",
            "ALTER TABLE t ADD COLUMN c INT DEFAULT 'IF NOT EXISTS'",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS",
            "ALTER TABLE t ADD COLUMN 'unterminated",
        ] {
            assert_eq!(take_guards(query), None, "{query}");
        }
    }

    #[test]
    fn statements_of_a_script_keep_their_own_tables() {
        let (text, guards) = take_guards(
            "ALTER TABLE a ADD COLUMN IF NOT EXISTS x INT;\nALTER TABLE b\n  ADD IF NOT EXISTS x INT;",
        )
        .expect("guards");
        assert_eq!(
            text,
            "ALTER TABLE a ADD COLUMN x INT;\nALTER TABLE b\n  ADD x INT;"
        );
        assert!(guards.adds_column_if_missing("A", "X"));
        assert!(guards.adds_column_if_missing("b", "x"));
        assert!(!guards.adds_column_if_missing("c", "x"));
    }
}
