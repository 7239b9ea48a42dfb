//! What one installation's Forge SQL database may cost the host, each limit beside the threat
//! it answers. Forge's own quotas (Forge SQL's "limits" page) are the model where they exist;
//! where Kiln's are tighter or looser it says so.

use std::time::Duration;

/// The limits of one installation's database. [`ForgeSqlLimits::default`] is what `runtime run`
/// and `runtime serve` use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeSqlLimits {
    /// Longest statement text, in bytes. Threat: a guest making the parser (and SQLite's)
    /// chew many megabytes per call. Default 1 MiB, Forge's request size: a bulk `INSERT …
    /// VALUES` Forge takes, Kiln takes.
    pub max_statement_bytes: usize,
    /// Most parameters bound to one statement. Threat: a huge parameter list held twice (JSON
    /// and SQLite). Default 2,000; SQLite's own ceiling is set to the same number.
    pub max_parameters: usize,
    /// How long one statement may run before it is interrupted and rolled back
    /// (`QUERY_TIMED_OUT`). Threat: a cartesian join or a recursive CTE holding the
    /// installation's database, and a host thread, forever. Default 5 s, Forge's limit for a
    /// `SELECT` (Forge gives `INSERT`, `UPDATE` and `DELETE` 10 s; Kiln is stricter there).
    pub statement_time: Duration,
    /// Largest answer, in bytes of JSON. Threat: `SELECT` of every row of a large table into
    /// the host's memory and then the guest's. Default 4 MiB; a query past it fails rather
    /// than returning part of the rows silently.
    pub max_answer_bytes: usize,
    /// Largest database file, in bytes. Threat: one installation filling the host's disk.
    /// Default 1 GiB, Forge's per-installation storage. A write past it fails with SQLite's
    /// "database or disk is full" and changes nothing.
    pub max_database_bytes: u64,
    /// Deepest expression tree SQLite accepts. Threat: a nested expression exhausting the
    /// stack while SQLite compiles it (the parser in front has its own recursion limit).
    /// Default 100.
    pub max_expression_depth: i32,
}

impl Default for ForgeSqlLimits {
    fn default() -> Self {
        ForgeSqlLimits {
            max_statement_bytes: 1024 * 1024,
            max_parameters: 2_000,
            statement_time: Duration::from_secs(5),
            max_answer_bytes: 4 * 1024 * 1024,
            max_database_bytes: 1024 * 1024 * 1024,
            max_expression_depth: 100,
        }
    }
}
