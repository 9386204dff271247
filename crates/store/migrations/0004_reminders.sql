-- Reminders and joining instructions.

-- How to join a session: the virtual classroom's link and practical notes ("Reception on the 2nd
-- floor, bring ID"). Both travel in the joining instructions and show in the learner portal.
ALTER TABLE sessions ADD COLUMN joining_url TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN joining_notes TEXT NOT NULL DEFAULT '';

-- When reminders and joining instructions go out, in hours before a session starts. One row,
-- edited by administrators and managers. reminder_hours is a comma-separated list, largest first
-- ('168,24' = 7 days and 1 day; '' = no reminders); joining_hours 0 sends no joining instructions.
CREATE TABLE reminder_settings (
    singleton BIGINT PRIMARY KEY,
    reminder_hours TEXT NOT NULL,
    joining_hours BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1
);
INSERT INTO reminder_settings (singleton, reminder_hours, joining_hours, updated_at, updated_by, version)
VALUES (1, '168,24', 72, 0, NULL, 1);

-- One row per (session, start, reminder offset) once the reminder job has handled it: the
-- reminder went to everyone booked at that moment. The primary key is the claim that keeps
-- concurrent job runs (several processes) from handling it twice; starts_at is part of it so that
-- a rescheduled session is reminded again for its new date.
CREATE TABLE reminder_sweeps (
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    starts_at BIGINT NOT NULL,
    offset_hours BIGINT NOT NULL,
    swept_at BIGINT NOT NULL,
    recipients BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, starts_at, offset_hours)
);

-- The delivery log of a learner matches their address case-insensitively.
CREATE INDEX outbox_recipient_lower ON outbox (lower(recipient), id);
