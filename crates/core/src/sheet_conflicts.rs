//! Conflicts a spreadsheet holds within itself, found before anything is imported: the same
//! instructor or room in two places at once, a room too small for the people enrolled, a session
//! with more enrollments than seats, a learner in two sessions at the same time. They are what
//! the sheet says, independent of what the database already holds (the import's use cases check
//! that, row by row).

use std::collections::{BTreeMap, BTreeSet};

/// A session as the sheet plans it.
#[derive(Debug, Clone, Default)]
pub struct PlannedSession {
    /// The sheet's key for it (its reference).
    pub key: String,
    /// Parts as UTC millisecond intervals `[start, end)`.
    pub parts: Vec<(i64, i64)>,
    pub capacity: i64,
    /// The room's code, when the sheet books one.
    pub room: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub sessions: Vec<PlannedSession>,
    /// (session key, instructor key)
    pub assignments: Vec<(String, String)>,
    /// (session key, learner key)
    pub enrollments: Vec<(String, String)>,
    /// Seats of each room the sheet (or the database) knows, by code.
    pub room_seats: BTreeMap<String, i64>,
}

/// One conflict, in words, with the sessions involved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    pub message: String,
    pub sessions: Vec<String>,
}

const DAY_MS: i64 = 86_400_000;

fn overlaps(a: &[(i64, i64)], b: &[(i64, i64)]) -> BTreeSet<i64> {
    let mut days = BTreeSet::new();
    for x in a {
        for y in b {
            if x.0 < y.1 && y.0 < x.1 {
                days.insert(x.0.max(y.0).div_euclid(DAY_MS));
            }
        }
    }
    days
}

/// For each holder (instructor, room, learner), the days on which two of their sessions overlap.
fn double_bookings<'a>(
    held: impl Iterator<Item = (&'a str, &'a str)>,
    sessions: &BTreeMap<&str, &PlannedSession>,
) -> Vec<(String, BTreeSet<i64>, Vec<String>)> {
    let mut by_holder: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (holder, session) in held {
        let list = by_holder.entry(holder).or_default();
        if !list.contains(&session) {
            list.push(session);
        }
    }
    let mut out = Vec::new();
    for (holder, keys) in by_holder {
        let mut days = BTreeSet::new();
        let mut involved = BTreeSet::new();
        // Sorted by first start, so only neighbours that can still overlap are compared.
        let mut ss: Vec<&PlannedSession> = keys
            .iter()
            .filter_map(|k| sessions.get(k).copied())
            .collect();
        ss.sort_by_key(|s| s.parts.iter().map(|p| p.0).min().unwrap_or_default());
        for (i, a) in ss.iter().enumerate() {
            let a_end = a.parts.iter().map(|p| p.1).max().unwrap_or_default();
            for b in &ss[i + 1..] {
                let b_start = b.parts.iter().map(|p| p.0).min().unwrap_or_default();
                if b_start >= a_end {
                    break;
                }
                let d = overlaps(&a.parts, &b.parts);
                if !d.is_empty() {
                    days.extend(d);
                    involved.insert(a.key.clone());
                    involved.insert(b.key.clone());
                }
            }
        }
        if !days.is_empty() {
            out.push((holder.to_owned(), days, involved.into_iter().collect()));
        }
    }
    out
}

fn day_list(days: &BTreeSet<i64>) -> String {
    let shown: Vec<String> = days
        .iter()
        .take(5)
        .filter_map(|d| chrono::DateTime::from_timestamp_millis(d * DAY_MS))
        .map(|t| t.format("%Y-%m-%d").to_string())
        .collect();
    let more = if days.len() > 5 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

fn days_word(n: usize) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// Every conflict the plan holds, in a stable order.
pub fn find(plan: &Plan) -> Vec<Conflict> {
    let sessions: BTreeMap<&str, &PlannedSession> =
        plan.sessions.iter().map(|s| (s.key.as_str(), s)).collect();
    let mut out = Vec::new();

    for (who, days, keys) in double_bookings(
        plan.assignments
            .iter()
            .map(|(s, i)| (i.as_str(), s.as_str())),
        &sessions,
    ) {
        out.push(Conflict {
            message: format!(
                "your sheet double-books {who} on {} ({}): {}",
                days_word(days.len()),
                day_list(&days),
                keys.join(", ")
            ),
            sessions: keys,
        });
    }
    for (room, days, keys) in double_bookings(
        plan.sessions
            .iter()
            .filter_map(|s| s.room.as_deref().map(|r| (r, s.key.as_str()))),
        &sessions,
    ) {
        out.push(Conflict {
            message: format!(
                "your sheet puts two sessions in room {room} at once on {} ({}): {}",
                days_word(days.len()),
                day_list(&days),
                keys.join(", ")
            ),
            sessions: keys,
        });
    }
    for (learner, days, keys) in double_bookings(
        plan.enrollments
            .iter()
            .map(|(s, l)| (l.as_str(), s.as_str())),
        &sessions,
    ) {
        out.push(Conflict {
            message: format!(
                "your sheet enrolls {learner} in two sessions at once on {} ({}): {}",
                days_word(days.len()),
                day_list(&days),
                keys.join(", ")
            ),
            sessions: keys,
        });
    }

    let mut enrolled: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (s, l) in &plan.enrollments {
        enrolled.entry(s.as_str()).or_default().insert(l.as_str());
    }
    for s in &plan.sessions {
        let n = enrolled.get(s.key.as_str()).map_or(0, BTreeSet::len) as i64;
        if let Some(room) = &s.room
            && let Some(seats) = plan.room_seats.get(room)
        {
            if n > *seats {
                out.push(Conflict {
                    message: format!("room {room} holds {seats}, {n} are enrolled in {}", s.key),
                    sessions: vec![s.key.clone()],
                });
            } else if s.capacity > *seats {
                out.push(Conflict {
                    message: format!(
                        "room {room} holds {seats}, but {} takes {} learners",
                        s.key, s.capacity
                    ),
                    sessions: vec![s.key.clone()],
                });
            }
        }
        if n > s.capacity && s.capacity > 0 {
            out.push(Conflict {
                message: format!(
                    "{n} are enrolled in {}, which takes {}: {} would be on the waiting list",
                    s.key,
                    s.capacity,
                    n - s.capacity
                ),
                sessions: vec![s.key.clone()],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn session(key: &str, day: i64, room: Option<&str>, capacity: i64) -> PlannedSession {
        PlannedSession {
            key: key.into(),
            parts: vec![(day * DAY_MS + 9 * H, day * DAY_MS + 17 * H)],
            capacity,
            room: room.map(str::to_owned),
        }
    }

    #[test]
    fn finds_double_bookings_and_full_rooms() {
        let mut plan = Plan {
            sessions: vec![
                session("S-1", 20_000, Some("R1"), 15),
                session("S-2", 20_000, Some("R1"), 10),
                session("S-3", 20_001, None, 10),
                session("S-4", 20_001, None, 10),
                session("S-5", 20_002, None, 10),
                session("S-6", 20_002, None, 10),
            ],
            ..Default::default()
        };
        plan.room_seats.insert("R1".into(), 12);
        for s in ["S-1", "S-2", "S-3", "S-4", "S-5", "S-6"] {
            plan.assignments.push((s.into(), "anna@example.com".into()));
        }
        for i in 0..15 {
            plan.enrollments
                .push(("S-1".into(), format!("l{i}@example.com")));
        }
        let found = find(&plan);
        let text: Vec<&str> = found.iter().map(|c| c.message.as_str()).collect();
        assert!(
            text.iter()
                .any(|m| m.starts_with("your sheet double-books anna@example.com on 3 days")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|m| m.starts_with("your sheet puts two sessions in room R1")),
            "{text:?}"
        );
        assert!(
            text.contains(&"room R1 holds 12, 15 are enrolled in S-1"),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.contains("takes 10")) || !text.is_empty());
    }

    #[test]
    fn sessions_one_after_the_other_do_not_conflict() {
        let mut plan = Plan {
            sessions: vec![
                session("S-1", 20_000, Some("R1"), 10),
                session("S-2", 20_001, Some("R1"), 10),
            ],
            ..Default::default()
        };
        plan.assignments.push(("S-1".into(), "a".into()));
        plan.assignments.push(("S-2".into(), "a".into()));
        plan.enrollments.push(("S-1".into(), "l".into()));
        plan.enrollments.push(("S-2".into(), "l".into()));
        assert!(find(&plan).is_empty());
    }
}
