-- A month's invoicing run: every client with delivered, not yet invoiced enrollments in the month
-- gets one consolidated invoice, issued at once. Each client is its own transaction, so a run that
-- stops midway (a killed process) leaves whole invoices behind and a rerun picks up the rest.
CREATE TABLE invoice_runs (
    id {{ID}},
    month TEXT NOT NULL,
    status TEXT NOT NULL,
    clients_total BIGINT NOT NULL DEFAULT 0,
    clients_done BIGINT NOT NULL DEFAULT 0,
    issued BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    message TEXT,
    started_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX invoice_runs_created ON invoice_runs (created_at);
-- One running run per month, whichever process starts it.
CREATE UNIQUE INDEX invoice_runs_one_running ON invoice_runs (month) WHERE status = 'running';
-- A month's run looks for sessions that ended in the month through sessions_ends (0027).
-- Whether an enrollment is already on an invoice.
CREATE INDEX invoice_lines_enrollment ON invoice_lines (enrollment_id);
-- The accounting export reads a period's issued documents.
CREATE INDEX invoices_issued ON invoices (issued_on, number);
