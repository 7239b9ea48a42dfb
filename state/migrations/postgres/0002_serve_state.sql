-- Kiln state on PostgreSQL, version 2: what `runtime serve` keeps (issues 15 and 16), the
-- tables of migrations/sqlite/0002 in PostgreSQL's types. Times are Unix milliseconds from
-- the caller's clock. One difference: claims take their `last_served` stamp from the
-- sequence `queue_served` instead of a column of `queue_total`, so claiming replicas do not
-- queue on that one row (docs/state.md, "PostgreSQL").

CREATE TABLE installation_registry (
    installation_id BIGINT PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    scopes          TEXT   NOT NULL,
    grant_kind      TEXT   NOT NULL,
    grant_subject   TEXT   NOT NULL,
    paused          BIGINT NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    installed_at    BIGINT NOT NULL
);

-- Only SHA-256 of a web trigger id is stored.
CREATE TABLE web_triggers (
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    module_key      TEXT   NOT NULL,
    id_hash         bytea  NOT NULL UNIQUE CHECK (length(id_hash) = 32),
    issued_at       BIGINT NOT NULL,
    PRIMARY KEY (installation_id, module_key)
);

CREATE TABLE webhook_deliveries (
    site        TEXT   NOT NULL,
    delivery_id TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (site, delivery_id)
);
CREATE INDEX webhook_deliveries_expiry ON webhook_deliveries (expires_at);

CREATE TABLE schedule_state (
    installation_id     BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    trigger_key         TEXT   NOT NULL,
    last_interval_start BIGINT NOT NULL,
    PRIMARY KEY (installation_id, trigger_key)
);

CREATE TABLE queue_installations (
    installation_id BIGINT PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    depth           BIGINT NOT NULL DEFAULT 0 CHECK (depth >= 0),
    last_served     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE queue_total (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    depth     BIGINT NOT NULL CHECK (depth >= 0)
);
INSERT INTO queue_total (singleton, depth) VALUES (1, 0);

CREATE SEQUENCE queue_served AS BIGINT;

-- state: 0 ready, 1 leased (until lease_expires_at), 2 dead. `attempts` is the lease's
-- fencing token.
CREATE TABLE event_queue (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id  BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    app_id           TEXT   NOT NULL,
    module_key       TEXT   NOT NULL,
    payload          bytea  NOT NULL,
    state            BIGINT NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
    attempts         BIGINT NOT NULL DEFAULT 0,
    available_at     BIGINT NOT NULL,
    lease_expires_at BIGINT,
    last_error       TEXT,
    enqueued_at      BIGINT NOT NULL
);
CREATE INDEX event_queue_ready ON event_queue (state, available_at);
CREATE INDEX event_queue_leased_by_app ON event_queue (app_id, state, lease_expires_at);
CREATE INDEX event_queue_by_installation ON event_queue (installation_id, id);
