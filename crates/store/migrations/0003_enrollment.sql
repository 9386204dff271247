-- Enrollment rules per session, waitlist offers, message templates and delivery details.

-- How a freed seat reaches the waitlist: 'auto' promotes the next learner at once; 'offer' offers
-- the seat for offer_hours and passes it on when the offer expires. Self-service changes close
-- cutoff_hours before the start.
ALTER TABLE sessions ADD COLUMN promotion_mode TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE sessions ADD COLUMN offer_hours BIGINT NOT NULL DEFAULT 48;
ALTER TABLE sessions ADD COLUMN cutoff_hours BIGINT NOT NULL DEFAULT 48;

ALTER TABLE enrollments ADD COLUMN offer_expires_at BIGINT;
ALTER TABLE enrollments ADD COLUMN transferred_to BIGINT REFERENCES enrollments (id);
CREATE INDEX enrollments_waitlist ON enrollments (session_id, status, priority, waitlist_position);
CREATE INDEX enrollments_offers ON enrollments (status, offer_expires_at);

-- Editable wording of every message, by event; placeholders in minijinja syntax.
CREATE TABLE message_templates (
    event TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1
);

-- Outbox delivery: an optional calendar attachment and who claimed the message for sending.
ALTER TABLE outbox ADD COLUMN ics TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
CREATE INDEX outbox_recipient ON outbox (recipient, id);
