-- Programs become records users edit: their lists filter by client and sort by name, and a
-- program's page lists its sessions by start.
CREATE INDEX programs_client_name ON programs (client_id, name);
CREATE INDEX programs_name ON programs (name);
CREATE INDEX sessions_program_starts ON sessions (program_id, starts_at) WHERE archived_at IS NULL;
