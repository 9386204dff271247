-- Cancellation policy and fees (issue 15 §3).

-- The fee tiers of a client agreement ("14:0, 7:50, 0:100": days of notice, percent of the price
-- kept); agreement_id NULL is the company's default, used when an agreement has none. One row per
-- agreement at most (and one default), enforced by the unique index on COALESCE(agreement_id, 0).
CREATE TABLE cancellation_policies (
    id {{ID}},
    agreement_id BIGINT REFERENCES agreements (id),
    tiers TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX cancellation_policies_agreement ON cancellation_policies (COALESCE(agreement_id, 0));

-- What a cancellation cost: the price it was judged on, the notice in days (in the session's
-- time zone) and the fee kept. One row per cancelled enrollment (the unique index: a cancellation
-- charged twice is refused by the database itself). invoice_id: the invoice that bills the fee
-- (the original invoice when the enrollment had been invoiced, else the month's run's);
-- credit_note_id: the credit note that gave back the rest.
CREATE TABLE cancellation_fees (
    id {{ID}},
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    description TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_minor BIGINT NOT NULL,
    notice_days BIGINT NOT NULL,
    fee_bp BIGINT NOT NULL,
    fee_minor BIGINT NOT NULL,
    tax_rate_bp BIGINT,
    invoice_id BIGINT REFERENCES invoices (id),
    credit_note_id BIGINT REFERENCES invoices (id),
    cancelled_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cancellation_fees_enrollment ON cancellation_fees (enrollment_id);
CREATE INDEX cancellation_fees_client ON cancellation_fees (client_id, cancelled_at);
