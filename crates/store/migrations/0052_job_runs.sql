-- Background jobs that every `serve` process runs on a timer but only one should run at a time
-- (the e-learning readiness job asks the LRS about every upcoming session's learners): each has a
-- row with when it is next due, and a process runs the job only if its conditional update of that
-- row wins (`store::job_runs::claim`).
CREATE TABLE job_runs (
    job TEXT PRIMARY KEY,
    next_run_at BIGINT NOT NULL
);
INSERT INTO job_runs (job, next_run_at) VALUES ('readiness', 0);
