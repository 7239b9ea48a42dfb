-- Kiln state, version 2: what `runtime serve` keeps (issue 15), in the SQL SQLite and
-- PostgreSQL share so replicas (issue 16) run the same statements. Times are Unix
-- milliseconds chosen by the caller's clock, so tests can drive time.

-- An installation that is installed: its approved scopes (a JSON array of strings), the grant
-- identity it runs under (kind + subject, never a secret), and whether it is paused. The row in
-- `installations` (version 1) is the identity and outlives an uninstall, so app storage is
-- not dropped by accident.
CREATE TABLE installation_registry (
    installation_id INTEGER PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    scopes          TEXT    NOT NULL,
    grant_kind      TEXT    NOT NULL,
    grant_subject   TEXT    NOT NULL,
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    installed_at    INTEGER NOT NULL
);

-- Web trigger ids: only SHA-256 of the id is stored; a request is looked up by the hash of
-- the id it presents. One live id per installation and module.
CREATE TABLE web_triggers (
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    module_key      TEXT    NOT NULL,
    id_hash         BLOB    NOT NULL UNIQUE CHECK (typeof(id_hash) = 'blob' AND length(id_hash) = 32),
    issued_at       INTEGER NOT NULL,
    PRIMARY KEY (installation_id, module_key)
);

-- Jira webhook deliveries seen, by site and Jira's webhook identifier, until expires_at.
CREATE TABLE webhook_deliveries (
    site        TEXT    NOT NULL,
    delivery_id TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (site, delivery_id)
);
CREATE INDEX webhook_deliveries_expiry ON webhook_deliveries (expires_at);

-- The last interval each scheduled trigger fired for. Claiming an interval is one
-- conditional upsert that only moves this value forward.
CREATE TABLE schedule_state (
    installation_id     INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    trigger_key         TEXT    NOT NULL,
    last_interval_start INTEGER NOT NULL,
    PRIMARY KEY (installation_id, trigger_key)
);

-- Per installation: events stored (ready, leased or dead) and when it was last served,
-- which orders the claim so installations take turns.
CREATE TABLE queue_installations (
    installation_id INTEGER PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    depth           INTEGER NOT NULL DEFAULT 0 CHECK (depth >= 0),
    last_served     INTEGER NOT NULL DEFAULT 0
);

-- The whole queue's depth, bounded by the caller's limit in the statement that raises it,
-- and the claim counter that stamps `last_served`.
CREATE TABLE queue_total (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    depth     INTEGER NOT NULL CHECK (depth >= 0),
    served    INTEGER NOT NULL
);
INSERT INTO queue_total (singleton, depth, served) VALUES (1, 0, 0);

-- state: 0 ready (claimable from available_at), 1 leased (until lease_expires_at; then
-- claimable again), 2 dead (retries exhausted; listed, never claimed).
-- `attempts` counts claims and is the lease's fencing token.
CREATE TABLE event_queue (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id  INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    app_id           TEXT    NOT NULL,
    module_key       TEXT    NOT NULL,
    payload          BLOB    NOT NULL CHECK (typeof(payload) = 'blob'),
    state            INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
    attempts         INTEGER NOT NULL DEFAULT 0,
    available_at     INTEGER NOT NULL,
    lease_expires_at INTEGER,
    last_error       TEXT,
    enqueued_at      INTEGER NOT NULL
);
CREATE INDEX event_queue_ready ON event_queue (state, available_at);
CREATE INDEX event_queue_leased_by_app ON event_queue (app_id, state, lease_expires_at);
CREATE INDEX event_queue_by_installation ON event_queue (installation_id, id);
