-- Certificates of completion (issue 16 §2) and the expiry reminders and alerts of §3.
--
-- A certificate says what it was issued with: the learner's name, the course's title, the
-- certificate's name and the instructor are copied onto it, so it reads the same whatever is
-- renamed later, and the public verification page answers from this one row, found by its code
-- through a unique index. `status` is stored as valid or revoked; "expired" follows from
-- `expires_on` (a date, inclusive) and today. `archived_at` stays NULL: certificates are revoked,
-- never archived (the list helpers expect the column).
CREATE TABLE certificates (
    id {{ID}},
    code TEXT NOT NULL,
    enrollment_id BIGINT REFERENCES enrollments (id),
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    session_id BIGINT REFERENCES sessions (id),
    -- The learner's client when it was issued: whose people it belongs to.
    client_id BIGINT REFERENCES clients (id),
    learner_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    certificate_name TEXT NOT NULL,
    instructor_name TEXT NOT NULL DEFAULT '',
    issued_on TEXT NOT NULL,
    expires_on TEXT,
    status TEXT NOT NULL DEFAULT 'valid',
    revoked_at BIGINT,
    revoked_reason TEXT,
    issued_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX certificates_code ON certificates (code);
-- One certificate per enrollment.
CREATE UNIQUE INDEX certificates_enrollment ON certificates (enrollment_id);
CREATE INDEX certificates_learner ON certificates (learner_id, issued_on);
CREATE INDEX certificates_client_expires ON certificates (client_id, expires_on);
CREATE INDEX certificates_course_issued ON certificates (course_id, issued_on);
CREATE INDEX certificates_status_expires ON certificates (status, expires_on);
CREATE INDEX certificates_issued ON certificates (issued_on, id);
CREATE INDEX certificates_updated ON certificates (updated_at, id);

-- One row per (certificate, offset in days) once its expiry reminder is queued: the primary key
-- is the claim that keeps concurrent runs from sending it twice.
CREATE TABLE certificate_reminders (
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    offset_days BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (certificate_id, offset_days)
);

-- When learners are reminded that a certificate expires: days before, largest first
-- ('90,30,7'; '' = none). Beside the session reminders' timing, in the same settings row.
ALTER TABLE reminder_settings ADD COLUMN certificate_reminder_days TEXT NOT NULL DEFAULT '90,30,7';

-- One row per (session, instructor, qualification expiry) once the coordinators were told that
-- the instructor's qualification runs out before the session ends.
CREATE TABLE qualification_alerts (
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    expires_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, instructor_id, expires_at)
);
CREATE INDEX instructor_qualifications_expires ON instructor_qualifications (expires_at);
