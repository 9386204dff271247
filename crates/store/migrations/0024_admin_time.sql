-- Minutes of administration people log against a session (phone calls, chasing forms, re-planning),
-- which the audit trail cannot see: reporting adds them to the staff actions per session.
CREATE TABLE session_admin_time (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    minutes BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    logged_at BIGINT NOT NULL
);
CREATE INDEX session_admin_time_session ON session_admin_time (session_id, logged_at);
