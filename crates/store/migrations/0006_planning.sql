-- The auto-scheduler in the product: what to plan, the runs of the planner, their proposals.

-- A draft session the planner may place: between two days (inclusive, YYYY-MM-DD in the session's
-- time zone), on working days, each part a full day (09:00–17:00) or, with half_days = 1, a
-- half-day (09:00–12:30 or 13:30–17:00). One row per session; no row means "plan it by hand".
CREATE TABLE planning_windows (
    session_id BIGINT PRIMARY KEY REFERENCES sessions (id),
    earliest_day TEXT NOT NULL,
    latest_day TEXT NOT NULL,
    half_days BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id)
);

-- A room out of use (works, flooding) between two instants: the planner keeps sessions out of it,
-- and a repair run moves the sessions that were in it.
CREATE TABLE room_closures (
    id {{ID}},
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX room_closures_resource ON room_closures (resource_id, starts_at);

-- One run of the planner. Any `trainyard serve` process shows its progress from here; the process
-- that started it writes progress and, at the end, the proposal and the cost breakdown (JSON).
-- kind: plan | repair; status: queued | running | done | failed.
CREATE TABLE plan_runs (
    id {{ID}},
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    scope_json TEXT NOT NULL,
    summary TEXT NOT NULL,
    seconds BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    progress BIGINT NOT NULL DEFAULT 0,
    best_cost BIGINT,
    hard_violations BIGINT,
    cost_json TEXT,
    message TEXT,
    started_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX plan_runs_created ON plan_runs (created_at);

-- What a run proposes for each session of its problem. outcome: placed | unplaced | unchanged.
-- parts_json: [{"starts_at": ms, "ends_at": ms, "room_id": id|null}]; session_version is the
-- version the planner read, so accepting refuses a session edited since.
CREATE TABLE plan_proposals (
    run_id BIGINT NOT NULL REFERENCES plan_runs (id),
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    session_version BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    instructor_id BIGINT REFERENCES instructors (id),
    room_id BIGINT REFERENCES resources (id),
    parts_json TEXT NOT NULL,
    reasons TEXT NOT NULL,
    accepted_at BIGINT,
    accepted_by BIGINT REFERENCES users (id),
    PRIMARY KEY (run_id, session_id)
);
CREATE INDEX plan_proposals_session ON plan_proposals (session_id);
