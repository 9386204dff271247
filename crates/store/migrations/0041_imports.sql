-- Spreadsheet onboarding (issue 18 §2). The column mapping last used for each kind of sheet, so the
-- next upload of the same layout needs no mapping step: `mapping` is a JSON object from the field
-- (course, start, …) to the sheet's header as written.
CREATE TABLE import_mappings (
    kind TEXT NOT NULL PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);

-- An import run in the background (the UI's upload): the file itself, so that any `serve`
-- process can pick the job up (a lease, taken by a guarded UPDATE and renewed while it runs; a
-- job whose process died is taken over when its lease runs out), and its progress and report.
CREATE TABLE import_jobs (
    id {{ID}},
    created_by BIGINT REFERENCES users (id),
    -- '' when the file's sheets are named after their kinds.
    kind TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
--@sqlite
    content BLOB NOT NULL,
--@end
--@postgres
    content BYTEA NOT NULL,
--@end
    -- JSON: kind → {field → header}; kinds not named use the remembered mapping or the guess.
    mappings TEXT NOT NULL DEFAULT '{}',
    dry_run BIGINT NOT NULL,
    -- queued, running, done, failed
    status TEXT NOT NULL DEFAULT 'queued',
    phase TEXT NOT NULL DEFAULT '',
    done_rows BIGINT NOT NULL DEFAULT 0,
    total_rows BIGINT NOT NULL DEFAULT 0,
    -- JSON report once done; the error's words once failed.
    report TEXT,
    error TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX import_jobs_due ON import_jobs (status, lease_until);

-- The key a sheet gave each session it imported (an export writes references, S-00012; a fresh
-- instance numbers its sessions anew), so that a later sheet of assignments or enrollments
-- naming that key finds the session. Looked up before references.
CREATE TABLE import_session_keys (
    key TEXT NOT NULL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    created_at BIGINT NOT NULL
);
