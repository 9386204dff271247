//! The ITC2007 track 3 rules, written from the competition's definitions and independent of the
//! planning engine's own cost bookkeeping (it only reads the instance and a list of lectures), so
//! it checks the engine rather than repeating it.

use super::parser::{Instance, Lecture};

/// Hard violations (a solution is feasible when all are zero) and soft penalties (weighted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// Lectures missing or in excess, and lectures of one course sharing a period.
    pub lectures: u64,
    /// Lectures beyond the first in one room and period.
    pub room_occupancy: u64,
    /// Pairs of lectures in one period whose courses share a curriculum or a teacher.
    pub conflicts: u64,
    /// Lectures in a period unavailable for their course.
    pub availability: u64,
    /// 1 per student above the room's capacity, per lecture.
    pub room_capacity: u64,
    /// 5 per day a course falls short of its minimum working days.
    pub min_working_days: u64,
    /// 2 per curriculum lecture with no lecture of the curriculum adjacent on its day.
    pub curriculum_compactness: u64,
    /// 1 per room a course uses beyond its first.
    pub room_stability: u64,
}

impl Evaluation {
    pub fn hard(&self) -> u64 {
        self.lectures + self.room_occupancy + self.conflicts + self.availability
    }

    pub fn soft(&self) -> u64 {
        self.room_capacity
            + self.min_working_days
            + self.curriculum_compactness
            + self.room_stability
    }
}

/// Evaluates `lectures` (as read from a solution) against the instance.
pub fn evaluate(inst: &Instance, lectures: &[Lecture]) -> Evaluation {
    let nc = inst.courses.len();
    let days = inst.days as usize;
    let ppd = inst.periods_per_day as usize;
    let np = days * ppd;
    let period = |l: &Lecture| l.day as usize * ppd + l.period as usize;
    let mut e = Evaluation::default();

    // Lectures: count per course, and per course and period.
    let mut per_course = vec![0u64; nc];
    let mut course_period = vec![0u64; nc * np];
    for l in lectures {
        per_course[l.course] += 1;
        course_period[l.course * np + period(l)] += 1;
    }
    for (c, course) in inst.courses.iter().enumerate() {
        e.lectures += per_course[c].abs_diff(course.lectures as u64);
        for p in 0..np {
            e.lectures += course_period[c * np + p].saturating_sub(1);
        }
    }

    // RoomOccupancy.
    let mut room_period = vec![0u64; inst.rooms.len() * np];
    for l in lectures {
        room_period[l.room * np + period(l)] += 1;
    }
    e.room_occupancy = room_period.iter().map(|n| n.saturating_sub(1)).sum();

    // Conflicts: pairs of lectures of distinct courses in one period with a teacher or a
    // curriculum in common.
    let mut shares = vec![false; nc * nc];
    for a in 0..nc {
        for b in 0..nc {
            shares[a * nc + b] = inst.courses[a].teacher == inst.courses[b].teacher;
        }
    }
    for q in &inst.curricula {
        for &a in &q.courses {
            for &b in &q.courses {
                shares[a * nc + b] = true;
            }
        }
    }
    let mut by_period: Vec<Vec<usize>> = vec![Vec::new(); np];
    for l in lectures {
        by_period[period(l)].push(l.course);
    }
    for cs in &by_period {
        for i in 0..cs.len() {
            for j in i + 1..cs.len() {
                if cs[i] != cs[j] && shares[cs[i] * nc + cs[j]] {
                    e.conflicts += 1;
                }
            }
        }
    }

    // Availabilities.
    let mut unavailable = vec![false; nc * np];
    for u in &inst.unavailability {
        unavailable[u.course * np + u.day as usize * ppd + u.period as usize] = true;
    }
    e.availability = lectures
        .iter()
        .filter(|l| unavailable[l.course * np + period(l)])
        .count() as u64;

    // RoomCapacity.
    for l in lectures {
        let students = inst.courses[l.course].students as u64;
        let cap = inst.rooms[l.room].capacity as u64;
        e.room_capacity += students.saturating_sub(cap);
    }

    // MinimumWorkingDays and RoomStability.
    for (c, course) in inst.courses.iter().enumerate() {
        let mut on_day = vec![false; days];
        let mut rooms: Vec<usize> = Vec::new();
        for l in lectures.iter().filter(|l| l.course == c) {
            on_day[l.day as usize] = true;
            if !rooms.contains(&l.room) {
                rooms.push(l.room);
            }
        }
        let distinct = on_day.iter().filter(|d| **d).count() as u64;
        e.min_working_days += 5 * (course.min_days as u64).saturating_sub(distinct);
        e.room_stability += (rooms.len() as u64).saturating_sub(1);
    }

    // CurriculumCompactness: a lecture of a curriculum with no lecture of the same curriculum
    // in the period before or after on the same day.
    for q in &inst.curricula {
        let mut busy = vec![false; np];
        let member = |c: usize| q.courses.contains(&c);
        for l in lectures.iter().filter(|l| member(l.course)) {
            busy[period(l)] = true;
        }
        for l in lectures.iter().filter(|l| member(l.course)) {
            let p = period(l);
            let before = l.period > 0 && busy[p - 1];
            let after = (l.period as usize) + 1 < ppd && busy[p + 1];
            if !before && !after {
                e.curriculum_compactness += 2;
            }
        }
    }
    e
}
