-- Scheduling without conflicts. A confirmed instructor assignment occupies one instructor slot per
-- session part; a confirmed booking of a room (a unit resource) one unit slot per part. The database
-- itself refuses two overlapping slots for the same instructor or room — an exclusion constraint on
-- PostgreSQL, a trigger on SQLite — so no race between two confirmations can double-book anyone.
-- Touching intervals ([09:00, 12:00) and [12:00, 15:00)) do not overlap.

CREATE TABLE instructor_slots (
    id {{ID}},
    assignment_id BIGINT NOT NULL REFERENCES assignments (id),
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    session_part_id BIGINT NOT NULL REFERENCES session_parts (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX instructor_slots_instructor ON instructor_slots (instructor_id, starts_at);
CREATE INDEX instructor_slots_assignment ON instructor_slots (assignment_id);

CREATE TABLE unit_slots (
    id {{ID}},
    booking_id BIGINT NOT NULL REFERENCES bookings (id),
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX unit_slots_resource ON unit_slots (resource_id, starts_at);
CREATE INDEX unit_slots_booking ON unit_slots (booking_id);

--@postgres
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE instructor_slots ADD CONSTRAINT instructor_slots_no_overlap
    EXCLUDE USING gist (instructor_id WITH =, int8range(starts_at, ends_at) WITH &&);
ALTER TABLE unit_slots ADD CONSTRAINT unit_slots_no_overlap
    EXCLUDE USING gist (resource_id WITH =, int8range(starts_at, ends_at) WITH &&);
--@end
--@sqlite
CREATE TRIGGER instructor_slots_no_overlap BEFORE INSERT ON instructor_slots
WHEN EXISTS (SELECT 1 FROM instructor_slots s WHERE s.instructor_id = NEW.instructor_id AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'instructor_slots_no_overlap');
END;
CREATE TRIGGER unit_slots_no_overlap BEFORE INSERT ON unit_slots
WHEN EXISTS (SELECT 1 FROM unit_slots s WHERE s.resource_id = NEW.resource_id AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'unit_slots_no_overlap');
END;
--@end

-- Subscribable calendar feeds: a secret token (stored hashed) per instructor, room, venue or client.
CREATE TABLE calendar_feeds (
    id {{ID}},
    token_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash);
CREATE INDEX calendar_feeds_target ON calendar_feeds (kind, target_id);

-- Manager overrides of a confirmation rule (qualification, time off, limits), with the reason.
ALTER TABLE assignments ADD COLUMN override_by BIGINT REFERENCES users (id);
