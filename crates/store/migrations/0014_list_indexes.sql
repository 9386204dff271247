-- Lists are served by indexes whatever the table's size (proved by
-- crates/store/tests/query_plans.rs on both databases).
--
-- Counting sessions reads only an index: SQLite treats a partial index as covering only when it
-- holds every column the query names, `archived_at` included, so the partial indexes of active
-- sessions carry it (always NULL in them, so it costs nothing). Without it, a count looked up
-- every matching row: 80 ms for `status=scheduled&visibility=private` at 100,000 sessions.
DROP INDEX sessions_starts;
DROP INDEX sessions_status_starts;
DROP INDEX sessions_course_starts;
DROP INDEX sessions_client_starts;
DROP INDEX sessions_venue_starts;
DROP INDEX sessions_visibility_starts;
DROP INDEX sessions_mode_starts;
DROP INDEX sessions_program_starts;
CREATE INDEX sessions_starts ON sessions (starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_status_starts ON sessions (status, starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_course_starts ON sessions (course_id, starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_client_starts ON sessions (client_id, starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_venue_starts ON sessions (venue_id, starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_visibility_starts ON sessions (visibility, starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_mode_starts ON sessions (delivery_mode, starts_at, archived_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_program_starts ON sessions (program_id, starts_at, archived_at) WHERE archived_at IS NULL;
-- The API's common pair ("scheduled", "private") counts on one index range.
CREATE INDEX sessions_status_visibility ON sessions (status, visibility, starts_at, archived_at) WHERE archived_at IS NULL;
-- Sorting by seats booked or capacity reads a page in index order. Each index ends in `id`, the
-- tie breaker of every list order, so PostgreSQL reads pages in index order too.
CREATE INDEX sessions_booked ON sessions (booked_count, id) WHERE archived_at IS NULL;
CREATE INDEX sessions_capacity ON sessions (capacity, id) WHERE archived_at IS NULL;
-- Every other list's default order.
CREATE INDEX instructors_active_name ON instructors (name, id) WHERE archived_at IS NULL;
CREATE INDEX instructors_active_home ON instructors (home_venue_id, name, id) WHERE archived_at IS NULL;
CREATE INDEX learners_active_name ON learners (last_name, id) WHERE archived_at IS NULL;
CREATE INDEX courses_active_code ON courses (code, id) WHERE archived_at IS NULL;
CREATE INDEX clients_active_name ON clients (name, id) WHERE archived_at IS NULL;
CREATE INDEX venues_active_code ON venues (code, id) WHERE archived_at IS NULL;
CREATE INDEX resources_active_code ON resources (code, id) WHERE archived_at IS NULL;
CREATE INDEX programs_active_name ON programs (name, id) WHERE archived_at IS NULL;
