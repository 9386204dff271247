use super::*;
use crate::plan::{SolveOptions, solve};

const TINY: &str = "Name: Tiny
Courses: 3
Rooms: 2
Days: 2
Periods_per_day: 2
Curricula: 1
Constraints: 1

COURSES:
c1 t1 2 2 30
c2 t2 1 1 10
c3 t1 1 1 5

ROOMS:
rA 20
rB 40

CURRICULA:
q1 2 c1 c2

UNAVAILABILITY_CONSTRAINTS:
c2 0 0

END.
";

fn error_line(text: &str) -> (usize, String) {
    let e = parse(text).expect_err("must not parse");
    (e.line, e.message)
}

#[test]
fn parses_a_tiny_instance() {
    let i = parse(TINY).expect("parses");
    assert_eq!(i.name, "Tiny");
    assert_eq!(i.courses.len(), 3);
    assert_eq!(i.teachers, vec!["t1".to_owned(), "t2".to_owned()]);
    assert_eq!(i.courses[2].teacher, 0);
    assert_eq!(i.rooms[1].capacity, 40);
    assert_eq!(i.curricula[0].courses, vec![0, 1]);
    assert_eq!(
        i.unavailability,
        vec![parser::Unavailability {
            course: 1,
            day: 0,
            period: 0
        }]
    );
}

#[test]
fn a_bad_header_names_its_line() {
    let (line, msg) = error_line(&TINY.replace("Rooms: 2", "Room: 2"));
    assert_eq!(line, 3);
    assert!(msg.contains("Rooms"), "{msg}");
    let (line, _) = error_line(&TINY.replace("Name: Tiny", "Tiny"));
    assert_eq!(line, 1);
}

#[test]
fn a_count_that_does_not_match_names_its_line() {
    // One course announced too many: the ROOMS: keyword arrives early (line 14).
    let (line, msg) = error_line(&TINY.replace("Courses: 3", "Courses: 4"));
    assert_eq!(line, 14);
    assert!(msg.contains("announces 4"), "{msg}");
    // One course too few: line 12 is where ROOMS: was expected.
    let (line, _) = error_line(&TINY.replace("Courses: 3", "Courses: 2"));
    assert_eq!(line, 12);
    // A curriculum that lists fewer courses than it says.
    let (line, msg) = error_line(&TINY.replace("q1 2 c1 c2", "q1 3 c1 c2"));
    assert_eq!(line, 19);
    assert!(msg.contains("announces 3"), "{msg}");
    // Constraints: 2 but one given.
    let (line, _) = error_line(&TINY.replace("Constraints: 1", "Constraints: 2"));
    assert_eq!(line, 24);
}

#[test]
fn an_unknown_course_names_its_line() {
    let (line, msg) = error_line(&TINY.replace("q1 2 c1 c2", "q1 2 c1 c9"));
    assert_eq!(line, 19);
    assert!(msg.contains("unknown course c9"), "{msg}");
    let (line, msg) = error_line(&TINY.replace("c2 0 0", "c9 0 0"));
    assert_eq!(line, 22);
    assert!(msg.contains("unknown course c9"), "{msg}");
}

#[test]
fn a_malformed_number_names_its_line() {
    let (line, msg) = error_line(&TINY.replace("c2 t2 1 1 10", "c2 t2 one 1 10"));
    assert_eq!(line, 11);
    assert!(msg.contains("lectures"), "{msg}");
    let (line, _) = error_line(&TINY.replace("rB 40", "rB -4"));
    assert_eq!(line, 16);
    let (line, _) = error_line(&TINY.replace("Days: 2", "Days: two"));
    assert_eq!(line, 4);
    let (line, _) = error_line(&TINY.replace("c2 0 0", "c2 5 0"));
    assert_eq!(line, 22);
    let (line, _) = error_line(&TINY.replace("END.", ""));
    assert_eq!(line, 25);
}

#[test]
fn the_evaluator_scores_a_hand_made_solution() {
    let i = parse(TINY).expect("parses");
    let sol = parse_solution(&i, "c1 rA 0 0\nc1 rA 0 1\nc2 rB 1 0\nc3 rB 1 1\n").expect("solution");
    let e = evaluate(&i, &sol);
    assert_eq!(e.hard(), 0);
    assert_eq!(e.room_capacity, 20); // c1 has 30 students in a room of 20, twice
    assert_eq!(e.min_working_days, 5); // c1 on one day, needs two
    assert_eq!(e.curriculum_compactness, 2); // c2 alone on day 1; c1's two lectures adjacent
    assert_eq!(e.room_stability, 0);
    assert_eq!(e.soft(), 27);
    let moved =
        parse_solution(&i, "c1 rA 0 0\nc1 rB 1 0\nc2 rB 0 1\nc3 rB 1 1\n").expect("solution");
    let e = evaluate(&i, &moved);
    assert_eq!(e.hard(), 0);
    assert_eq!(e.room_capacity, 10);
    assert_eq!(e.min_working_days, 0);
    assert_eq!(e.curriculum_compactness, 2); // c1 on day 1 alone; c1/c2 adjacent on day 0
    assert_eq!(e.room_stability, 1);
}

#[test]
fn the_evaluator_counts_hard_violations() {
    let i = parse(TINY).expect("parses");
    let sol = parse_solution(&i, "c1 rA 0 0\nc1 rA 0 0\nc2 rB 0 0\n").expect("solution");
    let e = evaluate(&i, &sol);
    assert_eq!(e.lectures, 2); // c1 twice in one period, c3 missing
    assert_eq!(e.room_occupancy, 1);
    assert_eq!(e.conflicts, 2); // c2 against each c1 lecture (curriculum q1)
    assert_eq!(e.availability, 1); // c2 at day 0 period 0
    assert_eq!(e.hard(), 6);
}

/// A random instance in the .ctt format (so the parser reads what it is given, too).
fn random_instance(seed: u64) -> String {
    let mut x = seed;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    let (courses, rooms, days, ppd, curricula) = (24, 5, 5, 4, 8);
    let mut out = format!(
        "Name: R{seed}\nCourses: {courses}\nRooms: {rooms}\nDays: {days}\nPeriods_per_day: {ppd}\nCurricula: {curricula}\nConstraints: 10\n\nCOURSES:\n"
    );
    for c in 0..courses {
        let lectures = 1 + next(4);
        out += &format!(
            "c{c} t{} {lectures} {} {}\n",
            next(12),
            1 + next(lectures),
            5 + next(60)
        );
    }
    out += "\nROOMS:\n";
    for r in 0..rooms {
        out += &format!("r{r} {}\n", 10 + next(50));
    }
    out += "\nCURRICULA:\n";
    for q in 0..curricula {
        let members: Vec<String> = (0..3).map(|_| format!("c{}", next(courses))).collect();
        out += &format!("q{q} 3 {}\n", members.join(" "));
    }
    out += "\nUNAVAILABILITY_CONSTRAINTS:\n";
    for _ in 0..10 {
        out += &format!("c{} {} {}\n", next(courses), next(days), next(ppd));
    }
    out + "\nEND.\n"
}

#[test]
fn the_engine_and_the_evaluator_agree() {
    for seed in 1..6 {
        let inst = parse(&random_instance(seed)).expect("parses");
        let problem = to_problem(&inst);
        let opts = SolveOptions {
            seed,
            max_iterations: Some(200_000),
            ..SolveOptions::default()
        };
        let out = solve(&problem, &opts, &|_| {}).expect("valid");
        assert!(out.is_feasible(), "seed {seed}: {:?}", out.unplaced());
        let lectures = lectures(out.plan());
        assert_eq!(lectures.len() as u32, inst.lectures());
        let e = evaluate(&inst, &lectures);
        assert_eq!(e.hard(), 0, "seed {seed}");
        let soft = out.plan().cost.soft;
        assert_eq!(e.soft() as i64, soft.total(), "seed {seed}");
        assert_eq!(e.room_capacity as i64, soft.capacity.penalty);
        assert_eq!(e.min_working_days as i64, soft.min_days.penalty);
        assert_eq!(e.curriculum_compactness as i64, soft.compactness.penalty);
        assert_eq!(e.room_stability as i64, soft.room_stability.penalty);
        // The written solution reads back to the same lectures.
        let text = write(&inst, &lectures);
        assert_eq!(parse_solution(&inst, &text).expect("reads back"), lectures);
    }
}
