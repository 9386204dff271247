-- Issue 16 leftovers: complaints are resolved with a note (who and when), and a course may name
-- the course that renews its certificate.

-- The resolution of a complaint: `resolved_at` (0044) with what was done and who did it.
ALTER TABLE complaints ADD COLUMN resolution TEXT;
ALTER TABLE complaints ADD COLUMN resolved_by BIGINT REFERENCES users (id);

-- The course whose session renews this course's certificate (a shorter refresher, say);
-- NULL: the same course again.
ALTER TABLE courses ADD COLUMN renewal_course_id BIGINT REFERENCES courses (id);
