-- 1. Skills have one spelling. Courses, instructors and qualifications were saved as typed in
-- some places and lower-cased in others, so a course requiring "LEAD" never matched an instructor
-- qualified "lead". From now on every skill passes through `trainyard_core::Skill` (trimmed,
-- lower-cased); this brings the rows saved before it into the same form.
UPDATE courses SET required_skill = lower(trim(required_skill)) WHERE required_skill IS NOT NULL;
UPDATE courses SET required_skill = NULL WHERE required_skill = '';
UPDATE instructor_qualifications SET skill = lower(trim(skill)) WHERE skill IS NOT NULL;
UPDATE instructor_qualifications SET skill = NULL WHERE skill = '';
UPDATE instructors SET skills = lower(skills);

-- 2. No busy assignment or confirmed room booking without its slots. The no-overlap rule lives on
-- the slot tables (0002); an accepted or confirmed assignment, or a confirmed room booking, that
-- skipped its slots would be invisible to it. `assignments::set_status` and `bookings::confirm`
-- write the slots before the status; these guards refuse any writer that does not. They check the
-- moment a row becomes busy (insert, or a change of status); `trainyard doctor` finds rows that
-- were already inconsistent before this migration.
--@sqlite
CREATE TRIGGER assignments_busy_needs_slots_insert AFTER INSERT ON assignments
WHEN NEW.status IN ('accepted', 'confirmed') AND EXISTS (
    SELECT 1 FROM session_parts p JOIN sessions s ON s.id = p.session_id
    WHERE p.session_id = NEW.session_id AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed')
      AND NOT EXISTS (SELECT 1 FROM instructor_slots sl WHERE sl.assignment_id = NEW.id AND sl.session_part_id = p.id))
BEGIN
    SELECT RAISE(ABORT, 'assignment_slots_missing');
END;
CREATE TRIGGER assignments_busy_needs_slots_update AFTER UPDATE OF status ON assignments
WHEN NEW.status IN ('accepted', 'confirmed') AND EXISTS (
    SELECT 1 FROM session_parts p JOIN sessions s ON s.id = p.session_id
    WHERE p.session_id = NEW.session_id AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed')
      AND NOT EXISTS (SELECT 1 FROM instructor_slots sl WHERE sl.assignment_id = NEW.id AND sl.session_part_id = p.id))
BEGIN
    SELECT RAISE(ABORT, 'assignment_slots_missing');
END;
CREATE TRIGGER bookings_confirmed_needs_slot_insert AFTER INSERT ON bookings
WHEN NEW.status = 'confirmed' AND EXISTS (
    SELECT 1 FROM resources r, session_parts p JOIN sessions s ON s.id = p.session_id
    WHERE r.id = NEW.resource_id AND r.kind = 'room' AND p.id = NEW.session_part_id AND p.status = 'scheduled'
      AND s.status NOT IN ('cancelled', 'postponed'))
  AND NOT EXISTS (SELECT 1 FROM unit_slots u WHERE u.booking_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'booking_slots_missing');
END;
CREATE TRIGGER bookings_confirmed_needs_slot_update AFTER UPDATE OF status ON bookings
WHEN NEW.status = 'confirmed' AND EXISTS (
    SELECT 1 FROM resources r, session_parts p JOIN sessions s ON s.id = p.session_id
    WHERE r.id = NEW.resource_id AND r.kind = 'room' AND p.id = NEW.session_part_id AND p.status = 'scheduled'
      AND s.status NOT IN ('cancelled', 'postponed'))
  AND NOT EXISTS (SELECT 1 FROM unit_slots u WHERE u.booking_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'booking_slots_missing');
END;
--@end
--@postgres
CREATE FUNCTION assignment_slots_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('accepted', 'confirmed') AND EXISTS (
        SELECT 1 FROM session_parts p JOIN sessions s ON s.id = p.session_id
        WHERE p.session_id = NEW.session_id AND p.status = 'scheduled' AND s.status NOT IN ('cancelled', 'postponed')
          AND NOT EXISTS (SELECT 1 FROM instructor_slots sl WHERE sl.assignment_id = NEW.id AND sl.session_part_id = p.id))
    THEN
        RAISE EXCEPTION 'assignment_slots_missing' USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER assignments_busy_needs_slots AFTER INSERT OR UPDATE OF status ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignment_slots_guard();
CREATE FUNCTION booking_slots_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'confirmed' AND EXISTS (
        SELECT 1 FROM resources r, session_parts p JOIN sessions s ON s.id = p.session_id
        WHERE r.id = NEW.resource_id AND r.kind = 'room' AND p.id = NEW.session_part_id AND p.status = 'scheduled'
          AND s.status NOT IN ('cancelled', 'postponed'))
      AND NOT EXISTS (SELECT 1 FROM unit_slots u WHERE u.booking_id = NEW.id)
    THEN
        RAISE EXCEPTION 'booking_slots_missing' USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_confirmed_needs_slot AFTER INSERT OR UPDATE OF status ON bookings
    FOR EACH ROW EXECUTE FUNCTION booking_slots_guard();
--@end
