-- What else the planner must respect for a draft session, set with its planning window:
--   weekdays            the days of the week it may run on (ISO numbers "1,2,3"; empty: Monday–Friday)
--   preferred_weekdays  days of the week it should run on if it can (soft)
--   cohort              a label: sessions sharing one are taken by the same group and never overlap
--   pool_resource_id    a pooled resource (platform licences, equipment kits) each part needs one unit of
ALTER TABLE planning_windows ADD COLUMN weekdays TEXT NOT NULL DEFAULT '';
ALTER TABLE planning_windows ADD COLUMN preferred_weekdays TEXT NOT NULL DEFAULT '';
ALTER TABLE planning_windows ADD COLUMN cohort TEXT NOT NULL DEFAULT '';
ALTER TABLE planning_windows ADD COLUMN pool_resource_id BIGINT REFERENCES resources (id);
