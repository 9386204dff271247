-- Saved report views, their e-mailed schedules, and the runs that sent them (issue 17 §5).
-- A view is a report kind (kpis, morning, profitability) with the query string of its filters and
-- period, owned by the user who saved it; a shared view is visible to everyone whose role may see
-- that report.
CREATE TABLE saved_report_views (
    id {{ID}},
    owner_user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    report TEXT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    shared BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX saved_report_views_owner ON saved_report_views (owner_user_id, name);
CREATE INDEX saved_report_views_shared ON saved_report_views (shared, name);

-- A view e-mailed on a cadence: weekly on a weekday (1 = Monday) or monthly on a day (1-28), at a
-- local time of day in a time zone, to a list of addresses (one per line). next_run_at is the claim:
-- a worker advances it with a conditional UPDATE before queueing, so one process sends each run.
CREATE TABLE report_schedules (
    id {{ID}},
    view_id BIGINT NOT NULL REFERENCES saved_report_views (id),
    cadence TEXT NOT NULL,
    day BIGINT NOT NULL,
    time_of_day TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    recipients TEXT NOT NULL,
    next_run_at BIGINT NOT NULL,
    last_run_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX report_schedules_view ON report_schedules (view_id);
CREATE INDEX report_schedules_due ON report_schedules (next_run_at);

-- One sending of a schedule: the figures as they were (the e-mail body) and the CSV the outbox
-- attaches to each recipient's message when it is sent.
CREATE TABLE report_runs (
    id {{ID}},
    schedule_id BIGINT NOT NULL REFERENCES report_schedules (id),
    due_at BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    csv TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_runs_once ON report_runs (schedule_id, due_at);
