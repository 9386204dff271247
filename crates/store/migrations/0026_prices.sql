-- Prices and agreements (issue 15 §1): course prices in other currencies, client agreements with
-- negotiated rates and prepaid seat credits (with their ledger), tax rates by region and dated
-- exchange rates to the base currency. Money is integer minor units beside its currency.

-- A course's prices in a currency other than (or beside) its base one; NULL: no such price.
CREATE TABLE course_prices (
    id {{ID}},
    course_id BIGINT NOT NULL REFERENCES courses (id),
    currency TEXT NOT NULL,
    seat_minor BIGINT CHECK (seat_minor >= 0),
    day_minor BIGINT CHECK (day_minor >= 0),
    flat_minor BIGINT CHECK (flat_minor >= 0),
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX course_prices_course ON course_prices (course_id, currency);

-- A client's agreement: a discount on list prices (basis points), negotiated rates per course and
-- prepaid seat credits, valid from a day to a day (inclusive; open-ended when valid_to is NULL).
CREATE TABLE agreements (
    id {{ID}},
    client_id BIGINT NOT NULL REFERENCES clients (id),
    reference TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    discount_bp BIGINT NOT NULL DEFAULT 0 CHECK (discount_bp >= 0 AND discount_bp <= 10000),
    billing_mode TEXT NOT NULL DEFAULT 'per_enrollment',
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX agreements_reference ON agreements (reference);
CREATE INDEX agreements_client ON agreements (client_id, valid_from);
CREATE INDEX agreements_valid_from ON agreements (valid_from, id);
CREATE INDEX agreements_updated ON agreements (updated_at, id);

-- Negotiated rates of an agreement for one course, in the client's currency.
CREATE TABLE agreement_rates (
    id {{ID}},
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    currency TEXT NOT NULL,
    seat_minor BIGINT CHECK (seat_minor >= 0),
    day_minor BIGINT CHECK (day_minor >= 0),
    flat_minor BIGINT CHECK (flat_minor >= 0),
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX agreement_rates_course ON agreement_rates (agreement_id, course_id);

-- Prepaid seats of an agreement, for one course or (course_id NULL) any course. The balance is
-- guarded by its own UPDATE … WHERE balance > 0 and can never go below zero; the ledger explains it.
CREATE TABLE credit_pools (
    id {{ID}},
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    course_id BIGINT REFERENCES courses (id),
    balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_pools_agreement ON credit_pools (agreement_id, course_id);

CREATE TABLE credit_ledger (
    id {{ID}},
    pool_id BIGINT NOT NULL REFERENCES credit_pools (id),
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    movement TEXT NOT NULL,
    seats BIGINT NOT NULL,
    enrollment_id BIGINT REFERENCES enrollments (id),
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_ledger_agreement ON credit_ledger (agreement_id, id);
CREATE INDEX credit_ledger_enrollment ON credit_ledger (enrollment_id);

-- Which agreement priced an enrollment and which pool paid for it by a prepaid credit.
ALTER TABLE enrollments ADD COLUMN agreement_id BIGINT REFERENCES agreements (id);
ALTER TABLE enrollments ADD COLUMN credit_pool_id BIGINT REFERENCES credit_pools (id);

-- Tax rates by region, dated: the rate of a day is the one with the latest valid_from on or
-- before it.
CREATE TABLE tax_rates (
    id {{ID}},
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    rate_bp BIGINT NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    valid_from TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tax_rates_region ON tax_rates (region, valid_from);

ALTER TABLE clients ADD COLUMN tax_region TEXT;

-- The company's base currency (reports convert to it) and its own tax region (clients without
-- one are taxed at its rate). One row.
CREATE TABLE finance_settings (
    id BIGINT PRIMARY KEY,
    base_currency TEXT NOT NULL DEFAULT 'EUR',
    tax_region TEXT,
    updated_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO finance_settings (id, base_currency, updated_at) VALUES (1, 'EUR', 0);

-- Dated exchange rates: one unit of currency = rate_micro / 1,000,000 units of the base currency.
CREATE TABLE exchange_rates (
    id {{ID}},
    currency TEXT NOT NULL,
    on_date TEXT NOT NULL,
    rate_micro BIGINT NOT NULL CHECK (rate_micro > 0),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX exchange_rates_day ON exchange_rates (currency, on_date);
