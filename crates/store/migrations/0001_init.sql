-- Trainyard schema, one file for SQLite and PostgreSQL.
-- {{ID}} becomes the backend's auto-assigned 64-bit primary key. Instants are BIGINT UTC epoch
-- milliseconds; money is BIGINT minor units beside a currency code; booleans are 0/1 BIGINT.
-- Every record that users edit carries `version` for optimistic concurrency and `archived_at`
-- instead of deletion, so history stays intact.

CREATE TABLE users (
    id {{ID}},
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    client_id BIGINT,
    instructor_id BIGINT,
    learner_id BIGINT,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE api_tokens (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

-- Failed logins are counted here, not in process memory, so that several `trainyard serve`
-- processes share one throttle.
CREATE TABLE login_failures (
    id {{ID}},
    email TEXT NOT NULL,
    remote TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_remote ON login_failures (remote, at);

CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

CREATE TABLE clients (
    id {{ID}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    billing_email TEXT NOT NULL,
    billing_address TEXT NOT NULL,
    currency TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    requires_approval BIGINT NOT NULL DEFAULT 0,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX clients_code ON clients (code);

CREATE TABLE programs (
    id {{ID}},
    client_id BIGINT NOT NULL REFERENCES clients (id),
    name TEXT NOT NULL,
    budget_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE venues (
    id {{ID}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX venues_code ON venues (code);

-- Minutes an instructor needs between the end of a part at one venue and the start at another.
CREATE TABLE travel_times (
    from_venue_id BIGINT NOT NULL REFERENCES venues (id),
    to_venue_id BIGINT NOT NULL REFERENCES venues (id),
    minutes BIGINT NOT NULL,
    PRIMARY KEY (from_venue_id, to_venue_id)
);

CREATE TABLE resources (
    id {{ID}},
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    venue_id BIGINT REFERENCES venues (id),
    seats BIGINT NOT NULL DEFAULT 0,
    quantity BIGINT NOT NULL DEFAULT 1,
    features TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX resources_code ON resources (code);
CREATE INDEX resources_venue ON resources (venue_id);

CREATE TABLE courses (
    id {{ID}},
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    duration_days BIGINT NOT NULL,
    hours_per_day BIGINT NOT NULL,
    delivery_modes TEXT NOT NULL,
    min_learners BIGINT NOT NULL,
    max_learners BIGINT NOT NULL,
    currency TEXT NOT NULL,
    list_price_minor BIGINT NOT NULL,
    day_rate_minor BIGINT NOT NULL,
    material_cost_minor BIGINT NOT NULL,
    certificate_name TEXT,
    certificate_validity_months BIGINT,
    required_skill TEXT,
    required_features TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX courses_code ON courses (code);

CREATE TABLE instructors (
    id {{ID}},
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    employment_type TEXT NOT NULL,
    home_venue_id BIGINT REFERENCES venues (id),
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    day_rate_minor BIGINT NOT NULL,
    hour_rate_minor BIGINT NOT NULL,
    max_days_week BIGINT NOT NULL,
    max_days_month BIGINT NOT NULL,
    skills TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX instructors_email ON instructors (email);

-- A qualification is for a course or for a skill, valid until it expires.
CREATE TABLE instructor_qualifications (
    id {{ID}},
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    course_id BIGINT REFERENCES courses (id),
    skill TEXT,
    valid_from BIGINT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX instructor_qualifications_instructor ON instructor_qualifications (instructor_id);

-- Weekly working pattern: one row per weekday (1 = Monday) with local start/end minutes.
CREATE TABLE instructor_working_hours (
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    weekday BIGINT NOT NULL,
    start_minute BIGINT NOT NULL,
    end_minute BIGINT NOT NULL,
    PRIMARY KEY (instructor_id, weekday)
);

CREATE TABLE instructor_time_off (
    id {{ID}},
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX instructor_time_off_instructor ON instructor_time_off (instructor_id, starts_at);

CREATE TABLE instructor_contracts (
    id {{ID}},
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    day_rate_minor BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    document_name TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE learners (
    id {{ID}},
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    client_id BIGINT REFERENCES clients (id),
    phone TEXT,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX learners_email ON learners (email);
CREATE INDEX learners_client ON learners (client_id, last_name);
CREATE INDEX learners_name ON learners (last_name, first_name);

-- starts_at / ends_at summarise the parts so that lists filter and sort without a join.
CREATE TABLE sessions (
    id {{ID}},
    reference TEXT NOT NULL,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    -- The course's code, copied so that "sort by course" walks an index (kept in step by courses::update).
    course_code TEXT NOT NULL,
    program_id BIGINT REFERENCES programs (id),
    title TEXT,
    visibility TEXT NOT NULL,
    client_id BIGINT REFERENCES clients (id),
    delivery_mode TEXT NOT NULL,
    venue_id BIGINT REFERENCES venues (id),
    status TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    booked_count BIGINT NOT NULL DEFAULT 0,
    waitlist_count BIGINT NOT NULL DEFAULT 0,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    seat_price_minor BIGINT NOT NULL,
    notes TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX sessions_reference ON sessions (reference);
-- Lists show active sessions by date: partial indexes let counts run on the index alone.
CREATE INDEX sessions_starts ON sessions (starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_status_starts ON sessions (status, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_course_starts ON sessions (course_id, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_client_starts ON sessions (client_id, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_venue_starts ON sessions (venue_id, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_visibility_starts ON sessions (visibility, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_mode_starts ON sessions (delivery_mode, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_course_code ON sessions (course_code, starts_at) WHERE archived_at IS NULL;
CREATE INDEX sessions_course ON sessions (course_id);
CREATE INDEX sessions_archived ON sessions (archived_at, starts_at) WHERE archived_at IS NOT NULL;

CREATE TABLE session_parts (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    position BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    sequence BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX session_parts_session ON session_parts (session_id, position);
CREATE INDEX session_parts_starts ON session_parts (starts_at);

CREATE TABLE assignments (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    instructor_id BIGINT NOT NULL REFERENCES instructors (id),
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    replaces_assignment_id BIGINT REFERENCES assignments (id),
    override_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX assignments_session ON assignments (session_id);
CREATE INDEX assignments_instructor ON assignments (instructor_id, status);

CREATE TABLE bookings (
    id {{ID}},
    session_part_id BIGINT NOT NULL REFERENCES session_parts (id),
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    quantity BIGINT NOT NULL,
    status TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX bookings_resource ON bookings (resource_id, starts_at);
CREATE INDEX bookings_part ON bookings (session_part_id);

CREATE TABLE enrollments (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    learner_id BIGINT NOT NULL REFERENCES learners (id),
    status TEXT NOT NULL,
    waitlist_position BIGINT,
    priority BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    price_minor BIGINT NOT NULL,
    enrolled_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX enrollments_session_learner ON enrollments (session_id, learner_id);
CREATE INDEX enrollments_learner ON enrollments (learner_id);

CREATE TABLE attendance (
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    session_part_id BIGINT NOT NULL REFERENCES session_parts (id),
    present BIGINT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (enrollment_id, session_part_id)
);

-- Append-only and hash-chained: each event's hash covers its content and the previous hash.
-- audit_head is the single row every writer updates last, which serialises the chain.
CREATE TABLE audit_events (
    id BIGINT PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, id);

CREATE TABLE audit_head (
    singleton BIGINT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (singleton, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Messages written in the same transaction as the change that causes them; a worker delivers them.
CREATE TABLE outbox (
    id {{ID}},
    created_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT,
    idempotency_key TEXT NOT NULL
);
CREATE UNIQUE INDEX outbox_idempotency ON outbox (idempotency_key);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_entity ON outbox (entity_type, entity_id);

CREATE TABLE jobs (
    id {{ID}},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
