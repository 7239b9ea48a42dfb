-- Kiln state, version 6: Forge's async-event jobs, delayed events and requested retries
-- (wit/0.4.0, `events` and `app-error.retry`; docs/state.md, "Jobs, delays and requested
-- retries"). Version 5 is storage expiry's.

-- An event's push: its queue and host-generated job id (both NULL: not part of a job).
ALTER TABLE event_queue ADD COLUMN job_queue TEXT;
ALTER TABLE event_queue ADD COLUMN job_id TEXT;
-- The delay it was pushed with (available_at already holds it back; this is what the
-- consumer is told).
ALTER TABLE event_queue ADD COLUMN not_before BIGINT;
-- What the consumer's last requested retry left for its next attempt (NULL: it did not ask).
ALTER TABLE event_queue ADD COLUMN retry_reason TEXT;
ALTER TABLE event_queue ADD COLUMN retry_data TEXT;
-- 1: its job was cancelled while it was stored, so a failure ends it instead of a retry.
-- On the event row, not the job's, so the fenced failure decides on its own locked row.
ALTER TABLE event_queue ADD COLUMN job_cancelled BIGINT NOT NULL DEFAULT 0 CHECK (job_cancelled IN (0, 1));
CREATE INDEX event_queue_by_job ON event_queue (installation_id, job_queue, job_id);

-- Jobs remembered per installation, bounded by the enqueue that adds one.
ALTER TABLE queue_installations ADD COLUMN jobs BIGINT NOT NULL DEFAULT 0 CHECK (jobs >= 0);

-- One row per push, kept until purged (created_at + retention) or uninstalled. Completed
-- events are deleted, so their count lives here, raised in the transaction that deletes
-- them; so does the count of the job's dead letters discarded since. Events still stored
-- are counted from event_queue when asked.
CREATE TABLE queue_jobs (
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    queue           TEXT    NOT NULL,
    job_id          TEXT    NOT NULL,
    succeeded       BIGINT NOT NULL DEFAULT 0 CHECK (succeeded >= 0),
    discarded       BIGINT NOT NULL DEFAULT 0 CHECK (discarded >= 0),
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (installation_id, queue, job_id)
);
CREATE INDEX queue_jobs_created ON queue_jobs (created_at);
