-- Issue 16 leftovers: complaints are resolved with a note (who and when), and a course may name
-- the course that renews its certificate.

-- The resolution of a complaint: `resolved_at` (0044) with what was done and who did it.
ALTER TABLE complaints ADD COLUMN resolution TEXT;
ALTER TABLE complaints ADD COLUMN resolved_by BIGINT REFERENCES users (id);

-- The course whose session renews this course's certificate (a shorter refresher, say);
-- NULL: the same course again.
ALTER TABLE courses ADD COLUMN renewal_course_id BIGINT REFERENCES courses (id);

-- A renewal seat offered is held for the learner until the offer is answered or lapses: it
-- counts against the capacity (the seat guard takes a seat while booked_count + held_count <
-- capacity), and accepting turns the hold into the booking in one transaction.
ALTER TABLE sessions ADD COLUMN held_count BIGINT NOT NULL DEFAULT 0;
-- Whether the offer holds a seat (0 or 1), and when it lapses unanswered: 7 days after it was
-- made or when its session starts, whichever is first (NULL for offers made before: at the
-- start).
ALTER TABLE renewal_offers ADD COLUMN held BIGINT NOT NULL DEFAULT 0;
ALTER TABLE renewal_offers ADD COLUMN expires_at BIGINT;
