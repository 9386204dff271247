-- `updated_since` on every record list: records changed at or after a moment, archived ones
-- included, in `updated_at, id` order, so that a sync client pages through changes without gaps.
-- One index per record table serves the range and the order (proved by
-- crates/store/tests/query_plans.rs on both databases).
CREATE INDEX courses_updated ON courses (updated_at, id);
CREATE INDEX venues_updated ON venues (updated_at, id);
CREATE INDEX resources_updated ON resources (updated_at, id);
CREATE INDEX instructors_updated ON instructors (updated_at, id);
CREATE INDEX clients_updated ON clients (updated_at, id);
CREATE INDEX programs_updated ON programs (updated_at, id);
CREATE INDEX learners_updated ON learners (updated_at, id);
CREATE INDEX sessions_updated ON sessions (updated_at, id);
