-- Budgets (issue 15 §5): per program, per client and per internal cost centre, per period of
-- months, budget vs committed vs actual with a variance alert threshold per budget.

-- An internal cost centre that sessions and programs are tagged with (a session's own tag wins
-- over its program's).
CREATE TABLE cost_centres (
    id {{ID}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX cost_centres_code ON cost_centres (code);

ALTER TABLE sessions ADD COLUMN cost_centre_id BIGINT REFERENCES cost_centres (id);
ALTER TABLE programs ADD COLUMN cost_centre_id BIGINT REFERENCES cost_centres (id);
CREATE INDEX sessions_cost_centre ON sessions (cost_centre_id) WHERE cost_centre_id IS NOT NULL;

-- scope: 'program' (program_id), 'client' (client_id) or 'cost_centre' (cost_centre_id). The
-- period is whole months, from_month to to_month (YYYY-MM, inclusive); starts_at and ends_at
-- are its bounds in UTC epoch milliseconds (ends_at excluded): a session counts for the budget
-- when it starts inside them. alerting is 1 while committed + actual is over the threshold;
-- crossings counts how often it went over (the alert e-mail's key, so one e-mail per crossing).
CREATE TABLE budgets (
    id {{ID}},
    scope TEXT NOT NULL,
    program_id BIGINT REFERENCES programs (id),
    client_id BIGINT REFERENCES clients (id),
    cost_centre_id BIGINT REFERENCES cost_centres (id),
    name TEXT NOT NULL,
    from_month TEXT NOT NULL,
    to_month TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    threshold_percent BIGINT NOT NULL,
    alerting BIGINT NOT NULL DEFAULT 0,
    alerted_at BIGINT,
    crossings BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (scope IN ('program', 'client', 'cost_centre')),
    CHECK (amount_minor >= 0 AND threshold_percent > 0)
);
CREATE INDEX budgets_scope ON budgets (scope, id);
CREATE INDEX budgets_program ON budgets (program_id) WHERE program_id IS NOT NULL;
CREATE INDEX budgets_client ON budgets (client_id) WHERE client_id IS NOT NULL;

-- One budget notion: every program's budget becomes a program budget over the program's months
-- (its agreed dates, else the program's creation month to the end of 2099).
--@sqlite
INSERT INTO budgets (scope, program_id, name, from_month, to_month, starts_at, ends_at, amount_minor, currency, threshold_percent, created_at, updated_at)
SELECT 'program', p.id, p.name,
       COALESCE(substr(p.starts_on, 1, 7), strftime('%Y-%m', p.created_at / 1000, 'unixepoch')),
       COALESCE(substr(p.ends_on, 1, 7), '2099-12'),
       CAST(strftime('%s', COALESCE(substr(p.starts_on, 1, 7), strftime('%Y-%m', p.created_at / 1000, 'unixepoch')) || '-01') AS BIGINT) * 1000,
       CAST(strftime('%s', COALESCE(substr(p.ends_on, 1, 7), '2099-12') || '-01', '+1 month') AS BIGINT) * 1000,
       p.budget_minor, p.currency, 90, p.created_at, p.created_at
FROM programs p WHERE p.budget_minor > 0 AND p.archived_at IS NULL;
--@postgres
INSERT INTO budgets (scope, program_id, name, from_month, to_month, starts_at, ends_at, amount_minor, currency, threshold_percent, created_at, updated_at)
SELECT 'program', p.id, p.name,
       COALESCE(substr(p.starts_on, 1, 7), to_char(to_timestamp(p.created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')),
       COALESCE(substr(p.ends_on, 1, 7), '2099-12'),
       CAST(EXTRACT(EPOCH FROM CAST(COALESCE(substr(p.starts_on, 1, 7), to_char(to_timestamp(p.created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')) || '-01' AS DATE)) AS BIGINT) * 1000,
       CAST(EXTRACT(EPOCH FROM CAST(COALESCE(substr(p.ends_on, 1, 7), '2099-12') || '-01' AS DATE) + INTERVAL '1 month') AS BIGINT) * 1000,
       p.budget_minor, p.currency, 90, p.created_at, p.created_at
FROM programs p WHERE p.budget_minor > 0 AND p.archived_at IS NULL;
--@end
