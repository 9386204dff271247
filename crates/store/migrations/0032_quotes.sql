-- Quotes (issue 15 §2): a client is offered courses × sessions × price; the contact accepts or
-- declines a sent quote in their portal, and an accepted quote becomes a program with its draft
-- sessions. Money is integer minor units in the quote's currency; the totals are stored with the
-- quote (computed by `trainyard_core::quote`) so a sent quote reads back exactly as it was sent.
-- `status` is stored as draft, sent, accepted, declined or expired; a sent quote whose
-- `valid_until` (a date, inclusive) has passed reads as expired until the sweep records it.
CREATE TABLE quotes (
    id {{ID}},
    number TEXT NOT NULL,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    currency TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    -- The Monday of the week the client would like to start (the draft sessions' first week).
    start_week TEXT,
    notes TEXT NOT NULL DEFAULT '',
    net_minor BIGINT NOT NULL DEFAULT 0,
    tax_minor BIGINT NOT NULL DEFAULT 0,
    gross_minor BIGINT NOT NULL DEFAULT 0,
    sent_on TEXT,
    answered_at BIGINT,
    decline_reason TEXT NOT NULL DEFAULT '',
    -- The program an accepted quote created.
    program_id BIGINT REFERENCES programs (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX quotes_number ON quotes (number);
CREATE INDEX quotes_client ON quotes (client_id, status);
CREATE INDEX quotes_status_valid ON quotes (status, valid_until);
CREATE INDEX quotes_created ON quotes (created_at, id);

CREATE TABLE quote_lines (
    id {{ID}},
    quote_id BIGINT NOT NULL REFERENCES quotes (id),
    position BIGINT NOT NULL,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    description TEXT NOT NULL,
    sessions BIGINT NOT NULL,
    pricing TEXT NOT NULL,
    unit_minor BIGINT NOT NULL,
    seats BIGINT NOT NULL,
    discount_bp BIGINT NOT NULL,
    tax_rate_bp BIGINT NOT NULL,
    net_minor BIGINT NOT NULL
);
CREATE INDEX quote_lines_quote ON quote_lines (quote_id, position);

-- The last quote number taken per year: the creating transaction's first write increments it,
-- so concurrent drafts queue on this row and a rolled-back one gives its number back.
CREATE TABLE quote_series (
    year BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

-- A quote's status history: each step, who took it and the words beside it (a decline's reason).
CREATE TABLE quote_events (
    id {{ID}},
    quote_id BIGINT NOT NULL REFERENCES quotes (id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX quote_events_quote ON quote_events (quote_id, at);
