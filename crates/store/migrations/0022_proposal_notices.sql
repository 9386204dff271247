-- Who a repair proposal would tell what (booked learners, the client's contact, instructors), as
-- JSON written by the run that made the proposal: the audience is the one the proposal broke a
-- promise to, even after enrollments change.
ALTER TABLE plan_proposals ADD COLUMN notices TEXT NOT NULL DEFAULT '[]';
