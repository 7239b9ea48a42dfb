//! What one installation's Forge SQL database may cost the host, each limit beside the threat
//! it answers. Forge's own quotas (Forge SQL's "limits" page) are the model where they exist;
//! where Kiln's are tighter or looser it says so.

use std::time::Duration;

/// The limits of one installation's database. [`ForgeSqlLimits::default`] is what `runtime run`
/// and `runtime serve` use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeSqlLimits {
    /// Largest call, in bytes of statement text and bound values. Threat: a guest making the
    /// parser (and SQLite's) chew, or the host hold, many megabytes per call. Default 1 MiB,
    /// Forge's request size: a bulk `INSERT … VALUES` Forge takes, Kiln takes, and one Forge
    /// refuses (a 2 MiB document bound as a value), Kiln refuses.
    pub max_statement_bytes: usize,
    /// Most parameters bound to one statement. Threat: a huge parameter list held twice (JSON
    /// and SQLite), which the request size above already bounds in bytes; this bounds the
    /// count SQLite and the dialect's rewrite handle one by one. Default 32,766, SQLite's own
    /// compile-time ceiling (`SQLITE_MAX_VARIABLE_NUMBER`), and SQLite's limit is set to the
    /// same number. TiDB takes up to 65,535 placeholders, and ORMs' bulk inserts use
    /// thousands (forge-sql-orm's examples bind 20,000 in one `INSERT`); Kiln's first limit,
    /// 2,000, refused them where Forge does not.
    pub max_parameters: usize,
    /// How long a query may run before it is interrupted and rolled back (`QUERY_TIMED_OUT`).
    /// Threat: a cartesian join or a recursive CTE holding the installation's database, and a
    /// host thread, forever. Default 5 s, Forge's limit for a `SELECT`.
    pub statement_time: Duration,
    /// The same for any other statement: `INSERT`, `UPDATE`, `DELETE` and schema changes
    /// (the last also rebuild tables). Default 10 s, Forge's limit for `INSERT`, `UPDATE` and
    /// `DELETE` (its limits page gives none for schema changes; Kiln gives them the same).
    /// Never shorter than [`Self::statement_time`].
    pub write_time: Duration,
    /// Largest answer, in bytes of JSON. Threat: `SELECT` of every row of a large table into
    /// the host's memory and then the guest's. Default 4 MiB; a query past it fails rather
    /// than returning part of the rows silently.
    pub max_answer_bytes: usize,
    /// Largest database file, in bytes. Threat: one installation filling the host's disk.
    /// Default 1 GiB, Forge's storage for a production installation, and lowered to Forge's
    /// quota for the installation's environment ([`ForgeSqlLimits::for_environment`]). A write
    /// past it fails with SQLite's "database or disk is full" and changes nothing.
    pub max_database_bytes: u64,
    /// Most tables in one installation's database. Threat: a guest creating tables without
    /// end, each a schema entry every statement's preparation reads. Default 200, Forge's
    /// per-installation limit; a schema call that would pass it fails whole.
    pub max_tables: usize,
    /// Largest row, and so largest value, in bytes as SQLite stores it. Threat: one row
    /// grown a concatenation at a time (`UPDATE t SET body = CONCAT(body, ?)`) until each
    /// statement that reads it copies many megabytes, several times, in the host's memory.
    /// Default 6 MiB, Forge's size per row (TiDB's entry limit, 6,291,456 bytes); a write
    /// past it fails with TiDB's error 8025 and changes nothing. SQLite applies the same
    /// limit to any one value a statement makes, so a query that builds a value past it
    /// fails too, where TiDB would build it.
    pub max_row_bytes: usize,
    /// Deepest expression tree SQLite accepts. Threat: a nested expression exhausting the
    /// stack while SQLite compiles it (the parser in front has its own recursion limit).
    /// Default 100.
    pub max_expression_depth: i32,
}

impl Default for ForgeSqlLimits {
    fn default() -> Self {
        ForgeSqlLimits {
            max_statement_bytes: 1024 * 1024,
            max_parameters: 32_766,
            statement_time: Duration::from_secs(5),
            write_time: Duration::from_secs(10),
            max_answer_bytes: 4 * 1024 * 1024,
            max_database_bytes: 1024 * 1024 * 1024,
            max_row_bytes: 6 * 1024 * 1024,
            max_expression_depth: 100,
            max_tables: 200,
        }
    }
}

/// Forge SQL's stored-data quota for an installation of `environment`: 1 GiB for production,
/// 256 MiB for staging, 128 MiB for development and custom environments (Forge SQL's limits
/// page).
fn forge_quota(environment: &str) -> u64 {
    const MIB: u64 = 1024 * 1024;
    match environment {
        "production" => 1024 * MIB,
        "staging" => 256 * MIB,
        _ => 128 * MIB,
    }
}

impl ForgeSqlLimits {
    /// These limits for an installation of `environment`: its database may hold no more than
    /// Forge lets one of that environment hold, and no more than [`Self::max_database_bytes`].
    pub fn for_environment(&self, environment: &str) -> ForgeSqlLimits {
        ForgeSqlLimits {
            max_database_bytes: self.max_database_bytes.min(forge_quota(environment)),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_environment_gets_forges_quota_under_the_hosts_ceiling() {
        let limits = ForgeSqlLimits::default();
        let quota = |environment: &str| limits.for_environment(environment).max_database_bytes;
        assert_eq!(quota("production"), 1024 * 1024 * 1024);
        assert_eq!(quota("staging"), 256 * 1024 * 1024);
        assert_eq!(quota("development"), 128 * 1024 * 1024);
        assert_eq!(quota("my-custom-env"), 128 * 1024 * 1024);
        let small = ForgeSqlLimits {
            max_database_bytes: 1024,
            ..ForgeSqlLimits::default()
        };
        assert_eq!(small.for_environment("production").max_database_bytes, 1024);
    }
}
