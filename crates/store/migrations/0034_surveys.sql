-- Feedback surveys (issue 16 §1).
--
-- A template holds ordered questions (kind, topic, prompt, options one per line). One default
-- template per audience (learner, client) is what invitations use; the two below are seeded
-- here. A template with invitations keeps its questions (answers point at them).
CREATE TABLE survey_templates (
    id {{ID}},
    name TEXT NOT NULL,
    audience TEXT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
-- At most one default per audience.
CREATE UNIQUE INDEX survey_templates_default ON survey_templates (audience) WHERE is_default = 1;

CREATE TABLE survey_questions (
    id {{ID}},
    template_id BIGINT NOT NULL REFERENCES survey_templates (id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    prompt TEXT NOT NULL,
    required BIGINT NOT NULL DEFAULT 1,
    options TEXT NOT NULL DEFAULT ''
);
CREATE INDEX survey_questions_template ON survey_questions (template_id, position);

-- One invitation per person per session (`person_key`: 'l' || learner id, 'u' || user id).
-- Only the SHA-256 of the personal link's secrets is stored: the first e-mail's and, once
-- reminded, the reminder's (both links work, once: `answered_at` is set by a guarded update).
CREATE TABLE survey_invitations (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    template_id BIGINT NOT NULL REFERENCES survey_templates (id),
    audience TEXT NOT NULL,
    person_key TEXT NOT NULL,
    learner_id BIGINT REFERENCES learners (id),
    user_id BIGINT REFERENCES users (id),
    -- Whose people: the learner's client, or the contact's.
    client_id BIGINT REFERENCES clients (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    reminder_token_hash TEXT,
    created_at BIGINT NOT NULL,
    reminded_at BIGINT,
    answered_at BIGINT
);
CREATE UNIQUE INDEX survey_invitations_person ON survey_invitations (session_id, person_key);
CREATE UNIQUE INDEX survey_invitations_token ON survey_invitations (token_hash);
CREATE UNIQUE INDEX survey_invitations_reminder_token ON survey_invitations (reminder_token_hash);
CREATE INDEX survey_invitations_unanswered ON survey_invitations (reminded_at, answered_at, created_at);
CREATE INDEX survey_invitations_client ON survey_invitations (client_id, session_id);

-- One row per answer; a multiple-choice answer is one row per option chosen.
CREATE TABLE survey_answers (
    id {{ID}},
    invitation_id BIGINT NOT NULL REFERENCES survey_invitations (id),
    question_id BIGINT NOT NULL REFERENCES survey_questions (id),
    value BIGINT,
    choice TEXT,
    text_value TEXT
);
CREATE INDEX survey_answers_invitation ON survey_answers (invitation_id);
CREATE INDEX survey_answers_question ON survey_answers (question_id);

INSERT INTO survey_templates (name, audience, is_default, created_at, updated_at)
VALUES ('Learner feedback', 'learner', 1, 0, 0);
INSERT INTO survey_templates (name, audience, is_default, created_at, updated_at)
VALUES ('Client operations satisfaction', 'client', 1, 0, 0);

INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 1, 'rating', 'content', 'How useful was the content of the course?', 1, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 2, 'rating', 'instructor', 'How well did the instructor teach?', 1, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 3, 'rating', 'logistics', 'How well did the room, platform and timing work?', 1, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 4, 'rating', 'communication', 'How clear was the information you received before the session?', 1, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 5, 'rating', 'materials', 'How helpful were the course materials?', 1, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 6, 'nps', 'overall', 'How likely are you to recommend this course to a colleague?', 1, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 7, 'text', 'overall', 'What should we keep or change?', 0, '' FROM survey_templates WHERE audience = 'learner' AND is_default = 1;

INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 1, 'rating', 'operations', 'How satisfied are you with how the session was organised?', 1, '' FROM survey_templates WHERE audience = 'client' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 2, 'rating', 'communication', 'How satisfied are you with our communication?', 1, '' FROM survey_templates WHERE audience = 'client' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 3, 'single_choice', 'logistics', 'Did the joining instructions arrive in time?', 1, 'Yes
No
Not sure' FROM survey_templates WHERE audience = 'client' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 4, 'nps', 'overall', 'How likely are you to recommend us to another organisation?', 1, '' FROM survey_templates WHERE audience = 'client' AND is_default = 1;
INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options)
SELECT id, 5, 'text', 'operations', 'Anything we should improve?', 0, '' FROM survey_templates WHERE audience = 'client' AND is_default = 1;
