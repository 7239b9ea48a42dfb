-- Kiln state, version 3: an installation's approval is bound to the site it was given on
-- (origin and cloud id) and the exact code it was given to (the component's SHA-256), as
-- `runtime run`'s grants are (issue 12, section 2). The app id and the principal were bound
-- already (the installation's identity; `grant_kind`/`grant_subject`).
--
-- Rows from version 2 get an empty `component_sha256`: an approval in the old format, which
-- counts as no approval (nothing runs for it until it is given again).
--
-- `hold_reason` (empty: not held) says why the installation's events wait instead of
-- running: what this host runs now is not what was approved. `held_sha256` is the code that
-- waits for approval. Claims skip held installations, as they skip paused ones.
ALTER TABLE installation_registry ADD COLUMN site_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE installation_registry ADD COLUMN site_cloud_id TEXT NOT NULL DEFAULT '';
ALTER TABLE installation_registry ADD COLUMN component_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE installation_registry ADD COLUMN hold_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE installation_registry ADD COLUMN held_sha256 TEXT NOT NULL DEFAULT '';
