//! The tables an export holds, their columns and what each column's values are.
//!
//! The SQLite and PostgreSQL schemas have the same tables and columns (migrations
//! `sqlite/0001`–`0006` and `postgres/0001`); only the types differ, and only in three ways, which
//! [`Kind`] maps: an integer (`INTEGER` / `BIGINT`), text (`TEXT` both), and a flag (`INTEGER` 0/1 /
//! `BOOLEAN`). What a store derives from the rows (SQLite's `needs_fts`, PostgreSQL's
//! `search` columns) is not listed: an import rebuilds it. A test compares this list
//! with each schema, so a migration that adds a column fails it until the column is added here.

/// What a column holds, in both stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// SQLite `INTEGER`, PostgreSQL `BIGINT`; a JSON number.
    Int,
    /// `TEXT` in both; a JSON string.
    Text,
    /// SQLite `INTEGER` 0 or 1, PostgreSQL `BOOLEAN`; a JSON boolean.
    Bool,
}

#[derive(Debug)]
pub(crate) struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Whether the column may be NULL (a JSON `null`).
    pub nullable: bool,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The primary key: rows are exported in its order (text bytewise, in both stores).
    pub key: &'static [&'static str],
    /// The identity column whose PostgreSQL sequence an import moves past the largest id.
    pub identity: Option<&'static str>,
}

impl Table {
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|c| c.name)
    }
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Int,
        nullable: false,
    }
}

const fn int_or_null(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Int,
        nullable: true,
    }
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Text,
        nullable: false,
    }
}

const fn text_or_null(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Text,
        nullable: true,
    }
}

const fn flag(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Bool,
        nullable: false,
    }
}

/// Every table, in dependency order: a row only refers to rows of tables before its own, so an
/// import inserts in this order and empties (`--force`) in the reverse one.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "users",
        columns: &[
            int("id"),
            text("name"),
            text("created_at"),
            text_or_null("disabled_at"),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "teams",
        columns: &[int("id"), text("name"), text("created_at")],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "team_members",
        columns: &[int("team_id"), int("user_id"), text("created_at")],
        key: &["team_id", "user_id"],
        identity: None,
    },
    Table {
        name: "tokens",
        columns: &[
            int("id"),
            int("user_id"),
            text("name"),
            text("sha256"),
            text("created_at"),
            text("scopes"),
            text("patterns"),
            text_or_null("expires_at"),
            text_or_null("revoked_at"),
            text_or_null("last_used_at"),
            text_or_null("trusted_publisher"),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "assets",
        columns: &[
            int("id"),
            text("name"),
            text("lookalike_key"),
            text("created_at"),
            text("updated_at"),
            int("downloads"),
            text("latest_version"),
            flag("listed"),
            text("kind"),
            text("description"),
            text("services"),
            text_or_null("releases"),
            text("needs"),
            text("keywords"),
            text_or_null("license"),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "asset_owners",
        columns: &[int("asset_id"), int("user_id"), text("created_at")],
        key: &["asset_id", "user_id"],
        identity: None,
    },
    Table {
        name: "asset_team_owners",
        columns: &[int("asset_id"), int("team_id"), text("created_at")],
        key: &["asset_id", "team_id"],
        identity: None,
    },
    Table {
        name: "versions",
        columns: &[
            int("id"),
            int("asset_id"),
            text("version"),
            text("version_key"),
            text("sha256"),
            int("size"),
            text("manifest"),
            text("index_entry"),
            text_or_null("readme"),
            int("published_by"),
            text("published_at"),
            flag("yanked"),
            text_or_null("yank_reason"),
            int("downloads"),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "needs",
        columns: &[
            int("seq"),
            text("id"),
            text("title"),
            text("problem"),
            text_or_null("persona"),
            text("services"),
            text("links"),
            text("use_cases"),
            flag("retired"),
            text_or_null("retired_reason"),
            int("created_by"),
            text("created_at"),
            text("updated_at"),
        ],
        key: &["seq"],
        identity: Some("seq"),
    },
    Table {
        name: "need_votes",
        columns: &[text("need_id"), int("user_id"), text("created_at")],
        key: &["need_id", "user_id"],
        identity: None,
    },
    Table {
        name: "asset_needs",
        columns: &[text("need_id"), int("asset_id")],
        key: &["need_id", "asset_id"],
        identity: None,
    },
    Table {
        name: "audit_events",
        columns: &[
            int("id"),
            text("at"),
            text("action"),
            text_or_null("asset"),
            text_or_null("version"),
            text("actor"),
            int_or_null("token_id"),
            text_or_null("trusted_publisher"),
            text_or_null("detail"),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "trusted_publishers",
        columns: &[
            int("id"),
            int("asset_id"),
            text("issuer"),
            text("claims"),
            int("created_by"),
            text("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "trusted_token_uses",
        columns: &[
            text("issuer"),
            text("jti"),
            text("expires_at"),
            text("used_at"),
        ],
        key: &["issuer", "jti"],
        identity: None,
    },
];

/// The table called `name`.
#[cfg(test)]
pub(crate) fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// One value of a row, typed by its column (a NULL keeps its column's type: PostgreSQL wants a
/// typed parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

/// One row, in its table's column order.
pub(crate) type Row = Vec<Value>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn keys_and_identities_are_columns_and_tables_are_unique() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        for table in TABLES {
            for key in table.key.iter().chain(table.identity.iter()) {
                let column = table.columns.iter().find(|c| c.name == *key);
                assert!(
                    column.is_some_and(|c| !c.nullable),
                    "{}.{key} is not a non-null column",
                    table.name
                );
            }
        }
    }

    /// Every table and column of the SQLite schema, as the migrations leave it, is listed here
    /// with its type and nullability (and nothing else is), FTS5 tables excepted.
    #[tokio::test]
    async fn the_list_is_the_sqlite_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("registry.db"))
            .await
            .expect("open");
        let (reader, _) = store.pools();
        let mut tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
        )
        .fetch_all(reader)
        .await
        .expect("tables");
        let mut listed: Vec<String> = TABLES.iter().map(|t| t.name.to_owned()).collect();
        listed.sort();
        tables.sort();
        assert_eq!(tables, listed);
        for table in TABLES {
            let rows: Vec<(String, String, i64)> = sqlx::query_as(&format!(
                "SELECT name, type, \"notnull\" FROM pragma_table_info('{}') ORDER BY name",
                table.name
            ))
            .fetch_all(reader)
            .await
            .expect("columns");
            let mut expected: Vec<(String, String, i64)> = table
                .columns
                .iter()
                .map(|c| {
                    let ty = match c.kind {
                        Kind::Int | Kind::Bool => "INTEGER",
                        Kind::Text => "TEXT",
                    };
                    // An `INTEGER PRIMARY KEY` is the rowid: never NULL, though not declared so.
                    let rowid = table.key == [c.name];
                    let not_null = i64::from(!c.nullable && !rowid);
                    (c.name.to_owned(), ty.to_owned(), not_null)
                })
                .collect();
            expected.sort();
            assert_eq!(rows, expected, "table {}", table.name);
        }
        store.close().await;
    }

    /// The same against PostgreSQL's schema, on a fresh schema of `OSOPS_TEST_POSTGRES`: every
    /// column but the derived `search` vectors of `assets` and `needs` is listed, with its type.
    #[tokio::test]
    async fn the_list_is_the_postgres_schema() {
        use std::io::Write;
        let Some(base) = std::env::var("OSOPS_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            let _ = writeln!(std::io::stderr(), "skipped: OSOPS_TEST_POSTGRES is not set");
            return;
        };
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).expect("random");
        let schema = format!("osops_tables_{}", hex::encode(random));
        let admin = sqlx::PgPool::connect(&base).await.expect("PostgreSQL");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("create schema");
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options[search_path]={schema}");
        let store = crate::store::postgres::PgStore::open(&url)
            .await
            .expect("open");
        let columns: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '_sqlx_migrations' ORDER BY 1, 2",
        )
        .fetch_all(store.pool())
        .await
        .expect("columns");
        let mut expected: Vec<(String, String, String, String)> = TABLES
            .iter()
            .flat_map(|t| {
                t.columns.iter().map(|c| {
                    let ty = match c.kind {
                        Kind::Int => "bigint",
                        Kind::Text => "text",
                        Kind::Bool => "boolean",
                    };
                    let nullable = if c.nullable { "YES" } else { "NO" };
                    (t.name.into(), c.name.into(), ty.into(), nullable.into())
                })
            })
            .collect();
        for derived in ["assets", "needs"] {
            expected.push((
                derived.into(),
                "search".into(),
                "tsvector".into(),
                "YES".into(),
            ));
        }
        expected.sort();
        assert_eq!(columns, expected);
        store.close().await;
    }
}
