-- Costs per session (issue 15 §4). Derived cost lines (instructor fees, resource hire, materials)
-- are computed when read (trainyard_core::costs); this table holds what finance writes: manual
-- lines, and the actual amount of any line. derived_key names the derived line an actual belongs
-- to ('assignment-12', 'resource-5', 'materials'); NULL for a manual line.
CREATE TABLE session_cost_lines (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    derived_key TEXT,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    currency TEXT NOT NULL,
    planned_minor BIGINT NOT NULL,
    stage TEXT NOT NULL DEFAULT 'planned',
    actual_minor BIGINT,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX session_cost_lines_session ON session_cost_lines (session_id, id);
-- One actual per derived line (manual lines have NULL keys, which never collide).
CREATE UNIQUE INDEX session_cost_lines_derived ON session_cost_lines (session_id, derived_key);

-- A resource's hire per day (rooms, platforms, equipment): venue hire and platform licence lines.
ALTER TABLE resources ADD COLUMN day_rate_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE resources ADD COLUMN rate_currency TEXT NOT NULL DEFAULT 'EUR';

-- The profitability report reads sessions by their end.
CREATE INDEX sessions_ends ON sessions (ends_at) WHERE archived_at IS NULL;
