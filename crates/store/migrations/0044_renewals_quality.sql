-- Renewal offers (issue 16 §3) and operations quality signals (issue 16 §6).

-- A client who wants its learners offered a seat in the next renewal session when a certificate
-- is about to expire (0 or 1).
ALTER TABLE clients ADD COLUMN offer_renewals BIGINT NOT NULL DEFAULT 0;

-- A seat offered to a learner whose certificate expires soon, in a session of the same course
-- before the expiry. `offered`: the learner accepts (or declines) with a personal link (the
-- secret's hash is kept); `waitlisted`: the session was full, the learner is on its waitlist
-- (`enrollment_id`); `accepted`: enrolled through the link; `declined`; `expired`: the session
-- started without an answer. At most one open offer (offered, waitlisted, accepted) per
-- certificate: the unique index is what makes concurrent runs of the daily job offer once.
CREATE TABLE renewal_offers (
    id {{ID}},
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    client_id BIGINT REFERENCES clients (id),
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    enrollment_id BIGINT REFERENCES enrollments (id),
    status TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    offered_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX renewal_offers_open ON renewal_offers (certificate_id) WHERE status IN ('offered', 'waitlisted', 'accepted');
CREATE UNIQUE INDEX renewal_offers_secret ON renewal_offers (secret_hash);
CREATE INDEX renewal_offers_client ON renewal_offers (client_id, certificate_id);

-- An instructor who did not turn up, marked on the session's attendance page (0 or 1).
ALTER TABLE assignments ADD COLUMN no_show BIGINT NOT NULL DEFAULT 0;

-- Complaints logged against a session, optionally on behalf of a client.
CREATE TABLE complaints (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    client_id BIGINT REFERENCES clients (id),
    body TEXT NOT NULL,
    logged_by BIGINT REFERENCES users (id),
    logged_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX complaints_session ON complaints (session_id);

-- A change to a session's times, venue or instructor made within 72 hours of its start,
-- recorded by the change itself (`what`: times, venue or instructor).
CREATE TABLE session_late_changes (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    changed_at BIGINT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX session_late_changes_session ON session_late_changes (session_id);
