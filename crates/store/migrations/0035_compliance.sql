-- Compliance checklists (issue 16 §4) and the substitution protocol (§5).
--
-- A requirement applies to every session of one client or of one course. Its items (one per
-- session and requirement) are materialised: written for a session when its checklist is first
-- needed (the session's page, the dashboard, a new requirement), with the due instant computed
-- in the session's time zone. So the dashboard reads one indexed table rather than re-deriving
-- checklists of 100,000 sessions: "overdue" is `met_at IS NULL AND due_at < now` on
-- session_compliance_items_open.
CREATE TABLE compliance_requirements (
    id {{ID}},
    client_id BIGINT REFERENCES clients (id),
    course_id BIGINT REFERENCES courses (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    deadline_hours BIGINT NOT NULL,
    -- What document (kind document), which qualification (instructor_qualification).
    parameter TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK ((client_id IS NULL) <> (course_id IS NULL))
);
CREATE INDEX compliance_requirements_client ON compliance_requirements (client_id) WHERE archived_at IS NULL;
CREATE INDEX compliance_requirements_course ON compliance_requirements (course_id) WHERE archived_at IS NULL;

-- Uploaded documents: the bytes live in the database so that any `serve` process serves any
-- file, with their SHA-256; the name is sanitised before it gets here.
CREATE TABLE documents (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
--@sqlite
    content BLOB NOT NULL,
--@end
--@postgres
    content BYTEA NOT NULL,
--@end
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_by_name TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX documents_session ON documents (session_id, id);

CREATE TABLE session_compliance_items (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    requirement_id BIGINT NOT NULL REFERENCES compliance_requirements (id),
    due_at BIGINT NOT NULL,
    met_at BIGINT,
    -- 1 when met after due_at (so "met late" counts off an index too).
    met_late BIGINT NOT NULL DEFAULT 0,
    -- upload, system or tick.
    met_by TEXT,
    met_by_user BIGINT REFERENCES users (id),
    met_by_name TEXT,
    note TEXT,
    document_id BIGINT REFERENCES documents (id),
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX session_compliance_items_pair ON session_compliance_items (session_id, requirement_id);
CREATE INDEX session_compliance_items_requirement ON session_compliance_items (requirement_id);
-- The dashboard: open items by due instant (overdue first), and late ones.
CREATE INDEX session_compliance_items_open ON session_compliance_items (due_at, id) WHERE met_at IS NULL;
CREATE INDEX session_compliance_items_late ON session_compliance_items (met_at, id) WHERE met_late = 1;

-- A confirmed instructor dropped out: the record and its steps, open until every step is done.
CREATE TABLE substitutions (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    assignment_id BIGINT REFERENCES assignments (id),
    instructor_id BIGINT REFERENCES instructors (id),
    reason TEXT NOT NULL,
    replacement_instructor_id BIGINT REFERENCES instructors (id),
    status TEXT NOT NULL DEFAULT 'open',
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX substitutions_session ON substitutions (session_id, id);
CREATE INDEX substitutions_open ON substitutions (opened_at, id) WHERE status = 'open';
-- One open substitution per assignment that dropped out.
CREATE UNIQUE INDEX substitutions_assignment_open ON substitutions (assignment_id) WHERE status = 'open';

CREATE TABLE substitution_steps (
    substitution_id BIGINT NOT NULL REFERENCES substitutions (id),
    step TEXT NOT NULL,
    done_at BIGINT,
    done_by BIGINT REFERENCES users (id),
    done_by_name TEXT,
    note TEXT,
    PRIMARY KEY (substitution_id, step)
);
