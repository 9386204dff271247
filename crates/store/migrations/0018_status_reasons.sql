-- Why a session was cancelled or postponed. The session row keeps the reason of its current status
-- (shown on its page and in the API); `session_status_changes` keeps every cancellation and
-- postponement with its reason, so reporting can count them by reason over a period even when a
-- postponed session is later rescheduled or cancelled.
ALTER TABLE sessions ADD COLUMN status_reason TEXT;
ALTER TABLE sessions ADD COLUMN status_note TEXT NOT NULL DEFAULT '';
CREATE TABLE session_status_changes (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    event TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    changed_at BIGINT NOT NULL,
    changed_by BIGINT
);
CREATE INDEX session_status_changes_period ON session_status_changes (event, changed_at);
CREATE INDEX session_status_changes_session ON session_status_changes (session_id, changed_at);
