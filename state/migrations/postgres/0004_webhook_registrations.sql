-- Kiln state, version 4: the dynamic webhooks `runtime serve` registers on a 3LO site
-- (`POST /rest/api/3/webhook`), one row per site (the installation's `site` part).
--
-- `lease_holder`/`lease_until`: the replica that may call Jira for the site, until when (by
-- serve's clock, Unix ms). A replica takes the lease with one conditional upsert, so N
-- replicas register once between them; what Jira answered is stored only while the writer
-- still holds the lease.
--
-- `webhooks`: JSON `[{id, events, jql_filter}]`, as Jira registered them. `expires_at`: when
-- Jira expires them (30 days after registration or the last refresh). `status`:
-- `unregistered`, `registered` or `failing`; `failures` and `next_attempt_at` drive the
-- backoff after a failing call (5xx, 429 and its Retry-After, a revoked login).
CREATE TABLE webhook_registrations (
    site TEXT PRIMARY KEY,
    lease_holder TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    url TEXT NOT NULL DEFAULT '',
    webhooks TEXT NOT NULL DEFAULT '[]',
    expires_at BIGINT NOT NULL DEFAULT 0,
    refreshed_at BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'unregistered',
    last_error TEXT NOT NULL DEFAULT '',
    failures BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0
);
