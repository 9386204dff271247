-- Issue 13 §1, people and accounts.
--
-- Why an instructor declined a request: asked for when they decline, shown to coordinators.
-- (Users need no new column: deactivation is `archived_at`, invitations are account tokens with
-- purpose 'invite' whose payload names the record the new account will be linked to.)
ALTER TABLE assignments ADD COLUMN decline_reason TEXT;
