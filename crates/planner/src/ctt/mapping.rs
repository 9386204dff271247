//! ITC2007 track 3 as a Trainyard planning problem — a mapping, not a second solver: courses are
//! sessions with `lectures` one-period parts and their teacher as the one candidate instructor;
//! curricula are cohorts; unavailability constraints are forbidden periods; every room is a
//! candidate; capacity is soft. The weights are the competition's (1/5/2/1); cost, travel and the
//! rest are off.

use super::parser::{Instance, Lecture};
use crate::plan::{
    Candidate, CapacityRule, Grid, Instructor, Mode, Named, Plan, Problem, Room, Session, Weights,
};

pub fn to_problem(inst: &Instance) -> Problem {
    let ppd = inst.periods_per_day;
    let mut cohorts_of: Vec<Vec<usize>> = vec![Vec::new(); inst.courses.len()];
    for (q, cur) in inst.curricula.iter().enumerate() {
        for &c in &cur.courses {
            cohorts_of[c].push(q);
        }
    }
    let mut forbidden: Vec<Vec<u32>> = vec![Vec::new(); inst.courses.len()];
    for u in &inst.unavailability {
        forbidden[u.course].push(u.day * ppd + u.period);
    }
    let all_rooms: Vec<usize> = (0..inst.rooms.len()).collect();
    let sessions = inst
        .courses
        .iter()
        .enumerate()
        .map(|(c, course)| Session {
            id: course.id.clone(),
            parts: course.lectures,
            part_len: 1,
            window: None,
            allowed_days: Vec::new(),
            allowed_starts: Vec::new(),
            forbidden_periods: std::mem::take(&mut forbidden[c]),
            learners: course.students,
            mode: Mode::InPerson,
            instructors: vec![Candidate {
                instructor: course.teacher,
                cost_per_part: 0,
            }],
            rooms: all_rooms.clone(),
            resources: Vec::new(),
            cohorts: std::mem::take(&mut cohorts_of[c]),
            program: None,
            preferred_days: Vec::new(),
            preferred_rooms: Vec::new(),
            min_days: course.min_days,
            consecutive_days: false,
            published: None,
            pinned: false,
            told: 0,
            keep_times: false,
        })
        .collect();
    let weights = Weights {
        capacity: 1,
        min_days: 5,
        compactness: 2,
        room_stability: 1,
        ..Weights::zero()
    };
    Problem {
        name: inst.name.clone(),
        grid: Grid {
            days: inst.days,
            periods_per_day: ppd,
            week_of_day: Vec::new(),
            month_of_day: Vec::new(),
        },
        sessions,
        instructors: inst
            .teachers
            .iter()
            .map(|t| Instructor {
                id: t.clone(),
                unavailable: Vec::new(),
                home: None,
                max_parts_per_week: None,
                max_parts_per_month: None,
                busy: Vec::new(),
            })
            .collect(),
        rooms: inst
            .rooms
            .iter()
            .map(|r| Room {
                id: r.id.clone(),
                capacity: r.capacity,
                location: None,
                unavailable: Vec::new(),
            })
            .collect(),
        pools: Vec::new(),
        cohorts: inst
            .curricula
            .iter()
            .map(|q| Named { id: q.id.clone() })
            .collect(),
        programs: Vec::new(),
        locations: Vec::new(),
        travel: Vec::new(),
        weights,
        capacity: CapacityRule::Soft,
    }
}

/// The plan's placed parts as competition lectures (sessions are courses, in order).
pub fn lectures(plan: &Plan) -> Vec<Lecture> {
    let mut out = Vec::new();
    for sp in &plan.sessions {
        for slot in sp.parts.iter().flatten() {
            out.push(Lecture {
                course: sp.session,
                room: slot.room.unwrap_or(0),
                day: slot.day,
                period: slot.start,
            });
        }
    }
    out
}
