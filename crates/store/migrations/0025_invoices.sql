-- Invoices and credit notes (kind), their lines and payments, and the gapless number series.
-- Money is integer minor units in the invoice's currency. An issued document never changes: only
-- its paid/credited sums and its status move as payments and credit notes arrive.
CREATE TABLE invoices (
    id {{ID}},
    kind TEXT NOT NULL DEFAULT 'invoice',
    client_id BIGINT NOT NULL REFERENCES clients (id),
    session_id BIGINT REFERENCES sessions (id),
    credits_invoice_id BIGINT REFERENCES invoices (id),
    status TEXT NOT NULL DEFAULT 'draft',
    currency TEXT NOT NULL,
    number TEXT UNIQUE,
    issued_on TEXT,
    due_on TEXT,
    payment_days BIGINT NOT NULL DEFAULT 30,
    notes TEXT NOT NULL DEFAULT '',
    net_minor BIGINT NOT NULL DEFAULT 0,
    tax_minor BIGINT NOT NULL DEFAULT 0,
    gross_minor BIGINT NOT NULL DEFAULT 0,
    paid_minor BIGINT NOT NULL DEFAULT 0,
    credited_minor BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX invoices_client ON invoices (client_id, status);
CREATE INDEX invoices_status ON invoices (status, id);
CREATE INDEX invoices_credits ON invoices (credits_invoice_id);

CREATE TABLE invoice_lines (
    id {{ID}},
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    position BIGINT NOT NULL,
    description TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL,
    unit_minor BIGINT NOT NULL,
    tax_rate_bp BIGINT NOT NULL,
    net_minor BIGINT NOT NULL,
    enrollment_id BIGINT REFERENCES enrollments (id)
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

-- The last number taken per series and year ("" for invoices, "CN" for credit notes). The issuing
-- transaction's first write increments it, so concurrent issues queue on this row and a
-- rolled-back issue gives its number back: no gap, no duplicate.
CREATE TABLE invoice_series (
    series TEXT NOT NULL,
    year BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE invoice_payments (
    id {{ID}},
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount_minor BIGINT NOT NULL,
    received_on TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX invoice_payments_invoice ON invoice_payments (invoice_id);

-- A client's credit: overpayments in, credit used out (signed minor units per currency).
CREATE TABLE client_credits (
    id {{ID}},
    client_id BIGINT NOT NULL REFERENCES clients (id),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    invoice_id BIGINT REFERENCES invoices (id),
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX client_credits_client ON client_credits (client_id, currency);
