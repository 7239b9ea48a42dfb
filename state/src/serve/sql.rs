//! Serve state's statements, in the SQL SQLite and PostgreSQL share (`$n` in ascending
//! order, `ON CONFLICT`, `RETURNING`). Each exactly-once rule is one statement whose
//! condition is checked by the database under the row's lock, never read-then-write in Rust.

pub(crate) const INSTALLED_ID: &str = "SELECT i.id FROM installations i \
     JOIN installation_registry r ON r.installation_id = i.id \
     WHERE i.app_id = $1 AND i.site = $2 AND i.environment = $3";

pub(crate) const UPSERT_REGISTRY: &str = "INSERT INTO installation_registry \
     (installation_id, scopes, grant_kind, grant_subject, paused, installed_at, \
     site_origin, site_cloud_id, component_sha256, hold_reason, held_sha256) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (installation_id) DO UPDATE SET \
     scopes = excluded.scopes, grant_kind = excluded.grant_kind, \
     grant_subject = excluded.grant_subject, paused = excluded.paused, \
     installed_at = excluded.installed_at, site_origin = excluded.site_origin, \
     site_cloud_id = excluded.site_cloud_id, component_sha256 = excluded.component_sha256, \
     hold_reason = excluded.hold_reason, held_sha256 = excluded.held_sha256";

pub(crate) const INSERT_QUEUE_INSTALLATION: &str = "INSERT INTO queue_installations (installation_id) \
     VALUES ($1) ON CONFLICT (installation_id) DO NOTHING";

pub(crate) const SELECT_REGISTRY: &str = "SELECT i.app_id, i.site, i.environment, r.scopes, \
     r.grant_kind, r.grant_subject, r.paused, r.installed_at, r.site_origin, r.site_cloud_id, \
     r.component_sha256, r.hold_reason, r.held_sha256 \
     FROM installation_registry r JOIN installations i ON i.id = r.installation_id";

/// One installation's registry row, by its id (a claim's hand-over).
pub(crate) static SELECT_REGISTRY_BY_ID: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{SELECT_REGISTRY} WHERE i.id = $1"));

pub(crate) const SET_PAUSED: &str =
    "UPDATE installation_registry SET paused = $1 WHERE installation_id = $2";

/// Holds an installation, only while its approval is still the one the caller compared its
/// code against (`$4`, `$5`, `$6`): a host starting with new code must not overwrite an
/// approval another replica's admin API gave meanwhile.
pub(crate) const SET_HOLD: &str = "UPDATE installation_registry \
     SET hold_reason = $1, held_sha256 = $2 \
     WHERE installation_id = $3 AND component_sha256 = $4 AND grant_kind = $5 \
     AND grant_subject = $6";

/// An installation whose events may be claimed: not paused, not held, and approved in the
/// bound format (an approval without a component digest counts as none).
macro_rules! runnable {
    () => {
        "r.paused = 0 AND r.hold_reason = '' AND r.component_sha256 <> ''"
    };
}

/// Uninstalling, in one transaction, in the lock order every writer keeps (see
/// `LOCK_ORDER` in `sql_backend.rs`): the registration first, then the events, then the
/// installation's queue row, then the total. The first statements take the installation's id.
pub(crate) const UNINSTALL: &[&str] = &[
    "DELETE FROM installation_registry WHERE installation_id = $1",
    "DELETE FROM web_triggers WHERE installation_id = $1",
    "DELETE FROM schedule_state WHERE installation_id = $1",
];
/// PostgreSQL, uninstalling: locks the installation's events in id order before deleting
/// them. A plain `DELETE` locks rows in the order its scan meets them, which after updates
/// (a lease, a failure) is not id order; a cancel of one of the installation's jobs locks
/// the same rows by id (`PG_LOCK_JOB_EVENTS`), and the two waited on each other in a cycle
/// that PostgreSQL broke by aborting one.
pub(crate) const PG_LOCK_INSTALLATION_EVENTS: &str =
    "SELECT id FROM event_queue WHERE installation_id = $1 ORDER BY id FOR UPDATE";
pub(crate) const DELETE_INSTALLATION_EVENTS: &str =
    "DELETE FROM event_queue WHERE installation_id = $1";
/// PostgreSQL, uninstalling: locks the installation's jobs in key order before deleting
/// them, the order a purge locks them in too (`PG_LOCK_PURGED_JOBS`).
pub(crate) const PG_LOCK_INSTALLATION_JOBS: &str = "SELECT job_id FROM queue_jobs \
     WHERE installation_id = $1 ORDER BY queue, job_id FOR UPDATE";
/// Uninstalling forgets the installation's jobs, after its events (lock order).
pub(crate) const DELETE_INSTALLATION_JOBS: &str =
    "DELETE FROM queue_jobs WHERE installation_id = $1";
pub(crate) const DELETE_QUEUE_INSTALLATION: &str =
    "DELETE FROM queue_installations WHERE installation_id = $1";

pub(crate) const PUT_WEB_TRIGGER: &str = "INSERT INTO web_triggers \
     (installation_id, module_key, id_hash, issued_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (installation_id, module_key) DO UPDATE SET \
     id_hash = excluded.id_hash, issued_at = excluded.issued_at";

/// One row changed: the module had no id and now has this one. None: it keeps its own.
pub(crate) const ADD_WEB_TRIGGER: &str = "INSERT INTO web_triggers \
     (installation_id, module_key, id_hash, issued_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (installation_id, module_key) DO NOTHING";

pub(crate) const RESOLVE_WEB_TRIGGER: &str = "SELECT w.id_hash, i.app_id, i.site, i.environment, \
     w.module_key, r.paused, r.hold_reason, r.component_sha256 FROM web_triggers w \
     JOIN installations i ON i.id = w.installation_id \
     JOIN installation_registry r ON r.installation_id = w.installation_id \
     WHERE w.id_hash = $1";

pub(crate) const REVOKE_WEB_TRIGGER: &str =
    "DELETE FROM web_triggers WHERE installation_id = $1 AND module_key = $2";

/// One row changed: first sight (or the earlier record had expired). None: duplicate.
pub(crate) const RECORD_DELIVERY: &str = "INSERT INTO webhook_deliveries \
     (site, delivery_id, expires_at) VALUES ($1, $2, $3) \
     ON CONFLICT (site, delivery_id) DO UPDATE SET expires_at = excluded.expires_at \
     WHERE webhook_deliveries.expires_at <= $4";

pub(crate) const PURGE_DELIVERIES: &str = "DELETE FROM webhook_deliveries WHERE expires_at <= $1";

/// One row changed: this caller claimed the interval. The `WHERE` only lets the value move
/// forward; PostgreSQL evaluates it on the locked, latest row version, so concurrent
/// replicas claiming one interval get one winner.
pub(crate) const CLAIM_INTERVAL: &str = "INSERT INTO schedule_state \
     (installation_id, trigger_key, last_interval_start) VALUES ($1, $2, $3) \
     ON CONFLICT (installation_id, trigger_key) DO UPDATE SET \
     last_interval_start = excluded.last_interval_start \
     WHERE schedule_state.last_interval_start < excluded.last_interval_start";

/// A run of the trigger still stored and not dead (state 2): queued, leased, or leased by a
/// replica that died and waiting for its lease to expire. Read after `CLAIM_INTERVAL` in the
/// same transaction, so under the schedule row's lock: every claimer of the trigger waits
/// for the one before it to commit, and sees the run it stored.
pub(crate) const SCHEDULED_RUN_IN_FLIGHT: &str = "SELECT id FROM event_queue \
     WHERE installation_id = $1 AND module_key = $2 AND state <> 2 LIMIT 1";

pub(crate) const LAST_INTERVAL: &str = "SELECT last_interval_start FROM schedule_state \
     WHERE installation_id = $1 AND trigger_key = $2";

/// Raises an installation's depth only if it stays within the bound (no row: full).
pub(crate) const RAISE_INSTALLATION_DEPTH: &str = "UPDATE queue_installations \
     SET depth = depth + $1 WHERE installation_id = $2 AND depth + $1 <= $3 RETURNING depth";

/// SQLite: `INSTALLED_ID` and `RAISE_INSTALLATION_DEPTH` in one statement, returning the
/// installation's id. No row: not installed, or full (`INSTALLED_ID` tells which). SQLite has
/// one writer, so raising depths in the order events name installations cannot deadlock;
/// PostgreSQL looks the ids up first and raises them in ascending order.
pub(crate) const RAISE_DEPTH_OF_INSTALLED: &str = "UPDATE queue_installations \
     SET depth = depth + $1 WHERE installation_id = (SELECT i.id FROM installations i \
         JOIN installation_registry r ON r.installation_id = i.id \
         WHERE i.app_id = $2 AND i.site = $3 AND i.environment = $4) \
     AND depth + $1 <= $5 RETURNING installation_id";

pub(crate) const RAISE_TOTAL_DEPTH: &str = "UPDATE queue_total SET depth = depth + $1 \
     WHERE singleton = 1 AND depth + $1 <= $2 RETURNING depth";

/// A delayed event (`$6`, its `not_before`) is stored unavailable until then, so every
/// claim, which waits for `available_at`, honours the delay with no rule of its own.
pub(crate) const INSERT_EVENT: &str = "INSERT INTO event_queue \
     (installation_id, app_id, module_key, payload, enqueued_at, available_at, not_before, \
     job_queue, job_id) VALUES ($1, $2, $3, $4, $5, COALESCE($6, $5), $6, $7, $8) RETURNING id";

/// A push's job, once: `ON CONFLICT` keeps a job id the host reused from being counted
/// twice (one row changed: a new job, which the caller counts against the bound).
pub(crate) const INSERT_JOB: &str = "INSERT INTO queue_jobs \
     (installation_id, queue, job_id, created_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (installation_id, queue, job_id) DO NOTHING";

/// Raises the installation's remembered jobs only within the bound (no row: full). The row
/// is already this transaction's: the enqueue raised its depth first.
pub(crate) const RAISE_INSTALLATION_JOBS: &str = "UPDATE queue_installations \
     SET jobs = jobs + $1 WHERE installation_id = $2 AND jobs + $1 <= $3 RETURNING jobs";

/// Leases that expired with no attempts left go to the dead-letter state before a claim, and
/// so do lapsed leases of a cancelled job (its claimer died: nothing of the job runs again),
/// which no claim picks either.
pub(crate) const EXPIRE_EXHAUSTED_LEASES: &str = "UPDATE event_queue SET state = 2, \
     lease_expires_at = NULL, last_error = 'lease expired' \
     WHERE state = 1 AND lease_expires_at <= $1 AND (attempts >= $2 OR job_cancelled = 1)";

/// PostgreSQL's form: replicas claiming at once each expire the rows no other holds,
/// instead of queueing on each other's row locks.
pub(crate) const PG_EXPIRE_EXHAUSTED_LEASES: &str = "UPDATE event_queue SET state = 2, \
     lease_expires_at = NULL, last_error = 'lease expired' \
     WHERE id IN (SELECT id FROM event_queue \
         WHERE state = 1 AND lease_expires_at <= $1 AND (attempts >= $2 OR job_cancelled = 1) \
         FOR UPDATE SKIP LOCKED)";

/// A claim of a lapsed lease (old `state` 1: its claimer died) forgets the retry request an
/// earlier attempt left: the attempt that ends here asked for nothing, so the next one is
/// told the host's reason (`HOST_RETRY_REASON`), not a stale one.
macro_rules! clear_lapsed_retry {
    () => {
        "retry_reason = CASE WHEN state = 1 THEN NULL ELSE retry_reason END, \
         retry_data = CASE WHEN state = 1 THEN NULL ELSE retry_data END"
    };
}

/// What a claim hands over besides the event: its job, delay and retry request.
macro_rules! leased_job_columns {
    () => {
        "job_queue, job_id, not_before, retry_reason, retry_data"
    };
}

/// SQLite's claim, one statement: leases the next event, from the installed, runnable
/// installation served least recently whose app holds fewer than `$3` live leases, that
/// installation's oldest claimable event. `$1` is the lease's end, `$2` now. The file's write
/// lock (held since `BEGIN IMMEDIATE`) already serialises claimers, so picking and leasing
/// need no second statement. A lapsed lease with no attempts left (`attempts >= $4`) is never
/// picked, whether or not `EXPIRE_EXHAUSTED_LEASES` has moved it to the dead letters yet: an
/// accepting transaction's claim skips that sweep and leaves it to the workers' claims.
/// PostgreSQL's claim is the `PG_` statements below.
pub(crate) const LEASE_NEXT_EVENT: &str = concat!(
    "UPDATE event_queue SET state = 1, attempts = attempts + 1, lease_expires_at = $1, ",
    clear_lapsed_retry!(),
    " WHERE id = (SELECT q.id FROM queue_installations c \
     JOIN installation_registry r ON r.installation_id = c.installation_id AND ",
    runnable!(),
    " \
     JOIN installations i ON i.id = c.installation_id \
     JOIN event_queue q ON q.id = (SELECT e.id FROM event_queue e \
         WHERE e.installation_id = c.installation_id \
         AND ((e.state = 0 AND e.available_at <= $2) \
             OR (e.state = 1 AND e.lease_expires_at <= $2 AND e.attempts < $4 \
                 AND e.job_cancelled = 0)) \
         ORDER BY e.id LIMIT 1) \
     WHERE c.depth > 0 AND (SELECT count(*) FROM event_queue l \
         WHERE l.app_id = i.app_id AND l.state = 1 AND l.lease_expires_at > $2) < $3 \
     ORDER BY c.last_served, c.installation_id LIMIT 1) \
     RETURNING id, attempts, installation_id, module_key, payload, enqueued_at, ",
    leased_job_columns!()
);

/// PostgreSQL, step 1: installations with a claimable event, in turn order, with their app.
/// Read without locks: the next step locks, and skips what another replica holds.
pub(crate) const PG_CANDIDATES: &str = concat!(
    "SELECT c.installation_id, i.app_id FROM queue_installations c \
     JOIN installation_registry r ON r.installation_id = c.installation_id AND ",
    runnable!(),
    " \
     JOIN installations i ON i.id = c.installation_id \
     WHERE c.depth > 0 AND EXISTS (SELECT 1 FROM event_queue e \
         WHERE e.installation_id = c.installation_id \
         AND ((e.state = 0 AND e.available_at <= $1) \
             OR (e.state = 1 AND e.lease_expires_at <= $1 AND e.job_cancelled = 0))) \
     AND (SELECT count(*) FROM event_queue l \
         WHERE l.app_id = i.app_id AND l.state = 1 AND l.lease_expires_at > $1) < $2 \
     ORDER BY c.last_served, c.installation_id LIMIT $3"
);

/// PostgreSQL, step 2: the installation's oldest claimable event that no other transaction
/// holds, locked until this one ends. `SKIP LOCKED` is what lets N replicas claim at once,
/// each a different event, without waiting on each other.
pub(crate) const PG_NEXT_EVENT_OF: &str = "SELECT id FROM event_queue \
     WHERE installation_id = $1 \
     AND ((state = 0 AND available_at <= $2) \
         OR (state = 1 AND lease_expires_at <= $2 AND job_cancelled = 0)) \
     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";

/// PostgreSQL, step 3: the app's lock for the rest of the transaction, so that counting its
/// live leases and adding one is atomic across replicas (the per-app concurrency limit).
/// Two-key form, in a class of its own (`0x4B494C4E`, "KILN"), apart from the single-key
/// lock sqlx's migrator takes. The blocking form is taken for the first app a claim tries
/// and the `try` form after, so a claim never waits for a second lock while holding one.
pub(crate) const PG_LOCK_APP: &str = "SELECT pg_advisory_xact_lock(1262095438, hashtext($1))";
pub(crate) const PG_TRY_LOCK_APP: &str =
    "SELECT pg_try_advisory_xact_lock(1262095438, hashtext($1))";
pub(crate) const PG_APP_LEASES: &str = "SELECT count(*) FROM event_queue \
     WHERE app_id = $1 AND state = 1 AND lease_expires_at > $2";

/// PostgreSQL's `last_served` stamp: a sequence, so claims do not queue on `queue_total`.
pub(crate) const PG_NEXT_SERVED: &str = "SELECT nextval('queue_served')";

pub(crate) const LEASE_EVENT: &str = concat!(
    "UPDATE event_queue SET state = 1, attempts = attempts + 1, lease_expires_at = $1, ",
    clear_lapsed_retry!(),
    " WHERE id = $2 AND state IN (0, 1) \
     RETURNING attempts, installation_id, module_key, payload, enqueued_at, ",
    leased_job_columns!()
);

pub(crate) const NEXT_SERVED: &str =
    "UPDATE queue_total SET served = served + 1 WHERE singleton = 1 RETURNING served";

pub(crate) const MARK_SERVED: &str =
    "UPDATE queue_installations SET last_served = $1 WHERE installation_id = $2";

/// The registry columns an install's lifecycle change is decided from (`lifecycle.rs`):
/// the approved digest (empty: none) and the hold reason (empty: not held).
pub(crate) const REPLACED_REGISTRY: &str =
    "SELECT component_sha256, hold_reason FROM installation_registry WHERE installation_id = $1";

/// PostgreSQL only: queues concurrent installs of one installation behind each other, so
/// each reads the registry row the one before it wrote (one lifecycle event per change).
pub(crate) const LOCK_INSTALLATION_POSTGRES: &str =
    "SELECT id FROM installations WHERE id = $1 FOR UPDATE";

pub(crate) const FIND_INSTALLATION: &str =
    "SELECT id FROM installations WHERE app_id = $1 AND site = $2 AND environment = $3";

pub(crate) const INSERT_INSTALLATION: &str = "INSERT INTO installations (app_id, site, environment) \
     VALUES ($1, $2, $3) ON CONFLICT (app_id, site, environment) DO NOTHING";

/// A heartbeat: moves the lease's expiry only while this caller's lease is the current one
/// (the same fence as completing). One row, by primary key: the cheapest write the queue
/// makes, as it runs every few seconds per running invocation.
pub(crate) const RENEW_LEASE: &str = "UPDATE event_queue SET lease_expires_at = $1 \
     WHERE id = $2 AND state = 1 AND attempts = $3";

/// Completing deletes the event only while this caller's lease is the current one. The
/// delete is the exactly-once point: only the transaction that deleted the row counts its
/// job's success (`COUNT_JOB_SUCCESS`), so a late completion counts nothing.
pub(crate) const COMPLETE_EVENT: &str = "DELETE FROM event_queue \
     WHERE id = $1 AND state = 1 AND attempts = $2 RETURNING installation_id, job_queue, job_id";

pub(crate) const COUNT_JOB_SUCCESS: &str = "UPDATE queue_jobs SET succeeded = succeeded + 1 \
     WHERE installation_id = $1 AND queue = $2 AND job_id = $3";

/// A discarded dead letter still counts as its job's failure.
pub(crate) const COUNT_JOB_DISCARDED: &str = "UPDATE queue_jobs SET discarded = discarded + 1 \
     WHERE installation_id = $1 AND queue = $2 AND job_id = $3";

/// A job's counts: completed and discarded from its row, the rest from its stored events,
/// in one statement (one snapshot). By the installation's parts, so an installation can only
/// name its own jobs.
pub(crate) const JOB_STATS: &str = "SELECT j.succeeded, j.discarded, \
     (SELECT count(*) FROM event_queue e WHERE e.installation_id = j.installation_id \
         AND e.job_queue = j.queue AND e.job_id = j.job_id AND e.state <> 2), \
     (SELECT count(*) FROM event_queue e WHERE e.installation_id = j.installation_id \
         AND e.job_queue = j.queue AND e.job_id = j.job_id AND e.state = 2) \
     FROM queue_jobs j JOIN installations i ON i.id = j.installation_id \
     WHERE i.app_id = $1 AND i.site = $2 AND i.environment = $3 AND j.queue = $4 AND j.job_id = $5";

/// Whether the installation has the job (cancelling an unknown job changes nothing).
pub(crate) const JOB_EXISTS: &str = "SELECT installation_id FROM queue_jobs \
     WHERE installation_id = $1 AND queue = $2 AND job_id = $3";

/// PostgreSQL, cancelling, step 0: locks the job's events in one order (by id), so two
/// cancels of one job cannot lock its rows in opposite orders and wait in a cycle.
pub(crate) const PG_LOCK_JOB_EVENTS: &str = "SELECT id FROM event_queue \
     WHERE installation_id = $1 AND job_queue = $2 AND job_id = $3 ORDER BY id FOR UPDATE";

/// Cancelling, step 1: marks every stored event of the job, whatever its state, so one
/// leased now (or claimed by a claim that committed just before) ends on its next failure
/// (`FAIL_EVENT`) instead of being retried. Its row locks are held to the commit, so no
/// claim, failure or completion of the job's events lands between this and step 2. Only
/// event rows are locked (never the job's row), the lock order's step 3.
pub(crate) const MARK_JOB_CANCELLED: &str = "UPDATE event_queue SET job_cancelled = 1 \
     WHERE installation_id = $1 AND job_queue = $2 AND job_id = $3";

/// Cancelling, step 2: the job's events that are not leased: ready, delayed or waiting for
/// a retry. Leased ones (even lapsed) stay with their claimer.
pub(crate) const DELETE_READY_JOB_EVENTS: &str = "DELETE FROM event_queue \
     WHERE installation_id = $1 AND job_queue = $2 AND job_id = $3 AND state = 0";

pub(crate) const LOWER_INSTALLATION_DEPTH_BY: &str =
    "UPDATE queue_installations SET depth = depth - $1 WHERE installation_id = $2";

/// Installations with jobs created at or before `$1`, ascending (the lock order of
/// `queue_installations` rows).
pub(crate) const EXPIRED_JOB_INSTALLATIONS: &str = "SELECT DISTINCT installation_id \
     FROM queue_jobs WHERE created_at <= $1 ORDER BY installation_id";

/// PostgreSQL, purging: locks an installation's expired jobs in key order before deleting
/// them, as an uninstall does (`PG_LOCK_INSTALLATION_JOBS`).
pub(crate) const PG_LOCK_PURGED_JOBS: &str = "SELECT job_id FROM queue_jobs \
     WHERE installation_id = $1 AND created_at <= $2 ORDER BY queue, job_id FOR UPDATE";

pub(crate) const PURGE_INSTALLATION_JOBS: &str =
    "DELETE FROM queue_jobs WHERE installation_id = $1 AND created_at <= $2";

pub(crate) const LOWER_INSTALLATION_JOBS: &str = "UPDATE queue_installations \
     SET jobs = CASE WHEN jobs >= $1 THEN jobs - $1 ELSE 0 END WHERE installation_id = $2";

pub(crate) const LOWER_INSTALLATION_DEPTH: &str =
    "UPDATE queue_installations SET depth = depth - 1 WHERE installation_id = $1";

pub(crate) const LOWER_TOTAL_DEPTH: &str =
    "UPDATE queue_total SET depth = depth - $1 WHERE singleton = 1";

/// A failed attempt (a plain failure, `$4` NULL, or a consumer's requested retry with its
/// reason and data): back to ready at `$2`, or dead when its attempts are used up or its job
/// was cancelled meanwhile (nothing of a cancelled job runs again). Fenced like completing;
/// the row's own `job_cancelled`, read under its lock, decides.
pub(crate) const FAIL_EVENT: &str = "UPDATE event_queue SET \
     state = CASE WHEN attempts >= $1 OR job_cancelled = 1 THEN 2 ELSE 0 END, \
     available_at = $2, lease_expires_at = NULL, last_error = $3, \
     retry_reason = $4, retry_data = $5 \
     WHERE id = $6 AND state = 1 AND attempts = $7 RETURNING state";

/// With the job each was pushed in (`job_queue`, `job_id`; both NULL outside a job).
pub(crate) const DEAD_LETTERS: &str = "SELECT q.id, i.app_id, i.site, i.environment, \
     q.module_key, q.attempts, q.last_error, q.enqueued_at, q.job_queue, q.job_id \
     FROM event_queue q \
     JOIN installations i ON i.id = q.installation_id WHERE q.state = 2 ORDER BY q.id LIMIT $1";

pub(crate) const DISCARD_DEAD: &str = "DELETE FROM event_queue WHERE id = $1 AND state = 2 \
     RETURNING installation_id, job_queue, job_id";

pub(crate) const QUEUE_DEPTH: &str = "SELECT depth FROM queue_total WHERE singleton = 1";

/// Takes or keeps a site's webhook lease: one row changed means the caller holds it (a new
/// site, its own lease, or one that ended by `$4`). Of replicas asking at once, one wins.
pub(crate) const LEASE_WEBHOOK_SITE: &str = "INSERT INTO webhook_registrations \
     (site, lease_holder, lease_until) VALUES ($1, $2, $3) \
     ON CONFLICT (site) DO UPDATE SET \
     lease_holder = excluded.lease_holder, lease_until = excluded.lease_until \
     WHERE webhook_registrations.lease_holder = excluded.lease_holder \
     OR webhook_registrations.lease_until <= $4";

pub(crate) const SELECT_WEBHOOK_REGISTRATION: &str = "SELECT site, url, webhooks, expires_at, \
     refreshed_at, status, last_error, failures, next_attempt_at FROM webhook_registrations";

/// Stores what Jira answered, fenced by the holder: a replica whose lease was taken over
/// changes nothing.
pub(crate) const STORE_WEBHOOK_REGISTRATION: &str = "UPDATE webhook_registrations SET \
     url = $1, webhooks = $2, expires_at = $3, refreshed_at = $4, status = $5, \
     last_error = $6, failures = $7, next_attempt_at = $8 \
     WHERE site = $9 AND lease_holder = $10";

pub(crate) const RELEASE_WEBHOOK_SITE: &str = "UPDATE webhook_registrations \
     SET lease_until = 0 WHERE site = $1 AND lease_holder = $2";
