//! "Find an instructor" and "find a room": every candidate checked against the rules, the eligible
//! ones ranked, the others listed with the reasons that exclude them. Deterministic: integer
//! scores, ties broken by name.

use trainyard_core::conflicts::Problem;

#[derive(Debug, Clone)]
pub struct InstructorCandidate {
    pub id: i64,
    pub name: String,
    pub problems: Vec<Problem>,
    /// What the session would cost with this instructor, in the currency of their rates.
    pub cost: trainyard_core::Money,
    /// Teaching days already confirmed in the weeks around the session (fairness of load).
    pub load_days: i64,
    /// Minutes from the instructor's home venue to the session's venue.
    pub travel_minutes: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RankedInstructor {
    pub id: i64,
    pub name: String,
    /// 1 for the best choice; `None` when excluded.
    pub rank: Option<usize>,
    /// Lower is better (0–10000): cost 50 %, current load 30 %, travel 20 %, each relative to the field.
    pub score: Option<i64>,
    /// What the session would cost with this instructor, in the currency of their rates.
    /// Finance data: left out for readers who may not see it (the score still weighs it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<trainyard_core::Money>,
    pub load_days: i64,
    pub travel_minutes: i64,
    /// Why the instructor cannot take the session (empty for eligible ones).
    pub excluded_because: Vec<String>,
}

fn scaled(v: i64, max: i64, weight: i64) -> i64 {
    if max <= 0 { 0 } else { v * weight / max }
}

pub fn rank_instructors(candidates: Vec<InstructorCandidate>) -> Vec<RankedInstructor> {
    let eligible: Vec<&InstructorCandidate> = candidates
        .iter()
        .filter(|c| c.problems.is_empty())
        .collect();
    let max_cost = eligible.iter().map(|c| c.cost.minor).max().unwrap_or(0);
    let max_load = eligible.iter().map(|c| c.load_days).max().unwrap_or(0);
    let max_travel = eligible.iter().map(|c| c.travel_minutes).max().unwrap_or(0);
    let mut ranked: Vec<RankedInstructor> = candidates
        .iter()
        .map(|c| {
            let ok = c.problems.is_empty();
            RankedInstructor {
                id: c.id,
                name: c.name.clone(),
                rank: None,
                score: ok.then(|| {
                    scaled(c.cost.minor, max_cost, 5000)
                        + scaled(c.load_days, max_load, 3000)
                        + scaled(c.travel_minutes, max_travel, 2000)
                }),
                cost: Some(c.cost),
                load_days: c.load_days,
                travel_minutes: c.travel_minutes,
                excluded_because: c.problems.iter().map(|p| p.message.clone()).collect(),
            }
        })
        .collect();
    ranked.sort_by(|a, b| match (a.score, b.score) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a
            .excluded_because
            .len()
            .cmp(&b.excluded_because.len())
            .then_with(|| a.name.cmp(&b.name)),
    });
    for (i, r) in ranked.iter_mut().filter(|r| r.score.is_some()).enumerate() {
        r.rank = Some(i + 1);
    }
    ranked
}

#[derive(Debug, Clone)]
pub struct RoomCandidate {
    pub id: i64,
    pub name: String,
    pub seats: i64,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RankedRoom {
    pub id: i64,
    pub name: String,
    pub rank: Option<usize>,
    pub seats: i64,
    pub excluded_because: Vec<String>,
}

/// Eligible rooms first, the snuggest fit first (fewest empty seats), so big rooms stay free.
pub fn rank_rooms(candidates: Vec<RoomCandidate>, capacity: i64) -> Vec<RankedRoom> {
    let mut ranked: Vec<RankedRoom> = candidates
        .into_iter()
        .map(|c| RankedRoom {
            id: c.id,
            name: c.name,
            rank: None,
            seats: c.seats,
            excluded_because: c.problems.into_iter().map(|p| p.message).collect(),
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.excluded_because
            .is_empty()
            .cmp(&b.excluded_because.is_empty())
            .reverse()
            .then_with(|| (a.seats - capacity).abs().cmp(&(b.seats - capacity).abs()))
            .then_with(|| a.name.cmp(&b.name))
    });
    for (i, r) in ranked
        .iter_mut()
        .filter(|r| r.excluded_because.is_empty())
        .enumerate()
    {
        r.rank = Some(i + 1);
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use trainyard_core::conflicts::Severity;

    fn cand(
        id: i64,
        name: &str,
        cost: i64,
        load: i64,
        travel: i64,
        blocked: bool,
    ) -> InstructorCandidate {
        InstructorCandidate {
            id,
            name: name.into(),
            problems: if blocked {
                vec![Problem {
                    rule: "time_off",
                    severity: Severity::Overridable,
                    message: format!("{name} is on holiday."),
                    key: "",
                    args: Vec::new(),
                }]
            } else {
                vec![]
            },
            cost: trainyard_core::Money::new(cost, trainyard_core::money::Currency::EUR),
            load_days: load,
            travel_minutes: travel,
        }
    }

    #[test]
    fn cheaper_less_loaded_nearer_first_and_excluded_last_with_reasons() {
        let r = rank_instructors(vec![
            cand(1, "Expensive", 100_000, 2, 0, false),
            cand(2, "Busy", 60_000, 10, 0, false),
            cand(3, "Holiday", 10_000, 0, 0, true),
            cand(4, "Balanced", 60_000, 2, 30, false),
        ]);
        let names: Vec<&str> = r.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, vec!["Balanced", "Expensive", "Busy", "Holiday"]);
        assert_eq!(r[0].rank, Some(1));
        assert_eq!(r[3].rank, None);
        assert_eq!(
            r[3].excluded_because,
            vec!["Holiday is on holiday.".to_owned()]
        );
    }

    #[test]
    fn rooms_snuggest_fit_first() {
        let r = rank_rooms(
            vec![
                RoomCandidate {
                    id: 1,
                    name: "Big".into(),
                    seats: 24,
                    problems: vec![],
                },
                RoomCandidate {
                    id: 2,
                    name: "Snug".into(),
                    seats: 12,
                    problems: vec![],
                },
                RoomCandidate {
                    id: 3,
                    name: "Busy".into(),
                    seats: 12,
                    problems: vec![Problem {
                        rule: "room_double_booked",
                        severity: Severity::Hard,
                        message: "booked".into(),
                        key: "",
                        args: Vec::new(),
                    }],
                },
            ],
            10,
        );
        assert_eq!(r.iter().map(|x| x.id).collect::<Vec<_>>(), vec![2, 1, 3]);
    }
}
