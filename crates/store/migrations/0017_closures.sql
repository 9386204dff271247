-- Days nobody teaches: public holidays company-wide (venue_id NULL) or one venue's closure.
-- `day` is a local calendar date (YYYY-MM-DD), read in each session's own time zone.
CREATE TABLE closures (
    id {{ID}},
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    venue_id BIGINT REFERENCES venues (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX closures_day ON closures (day, venue_id);

-- 1 when the row was copied from the reverse direction (the symmetric default), so an explicit
-- entry for this direction later replaces it, while a copy never overwrites an explicit entry.
ALTER TABLE travel_times ADD COLUMN mirrored BIGINT NOT NULL DEFAULT 0;
