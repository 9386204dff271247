//! Operations quality signals (issue 16 §6), computed from plain rows: for the delivered sessions
//! of a period, which had a late change (times, venue or instructor changed within 72 hours of the
//! start), joining instructions not sent by their deadline, an instructor no-show, or complaints.
//!
//! A signal's count is the number of delivered sessions that show it (so the drill-down list of a
//! tile has exactly as many sessions as the tile says), its events the number of occurrences, and
//! its rate the count per delivered session.

use crate::kpi::Ratio;
use std::collections::{BTreeMap, HashMap};

/// Hours before the start within which a change is late.
pub const LATE_CHANGE_HOURS: i64 = 72;

/// The four signals.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    LateChange,
    JoiningLate,
    InstructorNoShow,
    Complaint,
}

impl Signal {
    pub const ALL: [Signal; 4] = [
        Signal::LateChange,
        Signal::JoiningLate,
        Signal::InstructorNoShow,
        Signal::Complaint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::LateChange => "late_change",
            Signal::JoiningLate => "joining_late",
            Signal::InstructorNoShow => "instructor_no_show",
            Signal::Complaint => "complaint",
        }
    }

    pub fn parse(raw: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }
}

/// Whether a change made at `now` to a session starting at `starts_at` is late.
pub fn is_late_change(starts_at: i64, now: i64) -> bool {
    now < starts_at && starts_at - now <= LATE_CHANGE_HOURS * 3_600_000
}

/// One delivered session with its signal events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSignals {
    pub session_id: i64,
    pub client_id: Option<i64>,
    pub late_changes: i64,
    /// Learners whose joining instructions were late or missing.
    pub joining_late: i64,
    pub instructor_no_shows: i64,
    pub complaints: i64,
}

impl SessionSignals {
    pub fn events(&self, s: Signal) -> i64 {
        match s {
            Signal::LateChange => self.late_changes,
            Signal::JoiningLate => self.joining_late,
            Signal::InstructorNoShow => self.instructor_no_shows,
            Signal::Complaint => self.complaints,
        }
    }

    pub fn has(&self, s: Signal) -> bool {
        self.events(s) > 0
    }
}

/// The rows one query per family returns: `(session, events)` for the sessions that had any.
#[derive(Debug, Clone, Default)]
pub struct Families {
    pub late_changes: Vec<(i64, i64)>,
    pub joining_late: Vec<(i64, i64)>,
    pub instructor_no_shows: Vec<(i64, i64)>,
    pub complaints: Vec<(i64, i64)>,
}

/// The delivered sessions `(id, client)` with their events; rows of other sessions are ignored.
pub fn combine(sessions: &[(i64, Option<i64>)], f: &Families) -> Vec<SessionSignals> {
    let index = |rows: &[(i64, i64)]| rows.iter().copied().collect::<HashMap<i64, i64>>();
    let (late, joining, no_show, complaints) = (
        index(&f.late_changes),
        index(&f.joining_late),
        index(&f.instructor_no_shows),
        index(&f.complaints),
    );
    sessions
        .iter()
        .map(|&(id, client_id)| SessionSignals {
            session_id: id,
            client_id,
            late_changes: late.get(&id).copied().unwrap_or(0),
            joining_late: joining.get(&id).copied().unwrap_or(0),
            instructor_no_shows: no_show.get(&id).copied().unwrap_or(0),
            complaints: complaints.get(&id).copied().unwrap_or(0),
        })
        .collect()
}

/// A signal over a set of sessions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SignalCount {
    pub signal: Signal,
    /// Delivered sessions showing it.
    pub sessions: i64,
    /// Occurrences (late changes, learners without timely instructions, no-shows, complaints).
    pub events: i64,
    /// Sessions showing it per delivered session.
    pub rate: Ratio,
}

/// The four signals over `rows`.
pub fn tally(rows: &[SessionSignals]) -> Vec<SignalCount> {
    let delivered = rows.len() as i64;
    Signal::ALL
        .into_iter()
        .map(|signal| {
            let sessions = rows.iter().filter(|r| r.has(signal)).count() as i64;
            SignalCount {
                signal,
                sessions,
                events: rows.iter().map(|r| r.events(signal)).sum(),
                rate: Ratio::new(sessions, delivered),
            }
        })
        .collect()
}

/// The signals per client (`None`: public sessions), clients in id order, public last.
pub fn by_client(rows: &[SessionSignals]) -> Vec<(Option<i64>, i64, Vec<SignalCount>)> {
    let mut groups: BTreeMap<(bool, i64), Vec<SessionSignals>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.client_id.is_none(), r.client_id.unwrap_or(0)))
            .or_default()
            .push(r.clone());
    }
    groups
        .into_iter()
        .map(|((public, id), rs)| ((!public).then_some(id), rs.len() as i64, tally(&rs)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> Families {
        Families {
            late_changes: vec![(1, 2), (3, 1), (99, 5)],
            joining_late: vec![(2, 3)],
            instructor_no_shows: vec![(3, 1)],
            complaints: vec![(1, 1), (2, 2)],
        }
    }

    #[test]
    fn counts_sessions_events_and_rates() {
        let sessions = [(1, Some(10)), (2, Some(10)), (3, None), (4, Some(20))];
        let rows = combine(&sessions, &families());
        let t = tally(&rows);
        let get = |s: Signal| t.iter().find(|c| c.signal == s).unwrap().clone();
        // Session 99 is not delivered in the period: ignored.
        assert_eq!(get(Signal::LateChange).sessions, 2);
        assert_eq!(get(Signal::LateChange).events, 3);
        assert_eq!(get(Signal::LateChange).rate, Ratio::new(2, 4));
        assert_eq!(get(Signal::JoiningLate).sessions, 1);
        assert_eq!(get(Signal::JoiningLate).events, 3);
        assert_eq!(get(Signal::InstructorNoShow).sessions, 1);
        assert_eq!(get(Signal::Complaint).sessions, 2);
        assert_eq!(get(Signal::Complaint).events, 3);
    }

    #[test]
    fn per_client_groups_with_public_last() {
        let sessions = [(1, Some(10)), (2, Some(10)), (3, None), (4, Some(20))];
        let g = by_client(&combine(&sessions, &families()));
        let ids: Vec<Option<i64>> = g.iter().map(|x| x.0).collect();
        assert_eq!(ids, vec![Some(10), Some(20), None]);
        assert_eq!(g[0].1, 2);
        assert_eq!(g[0].2[3].sessions, 2);
        assert_eq!(g[2].2[0].sessions, 1);
    }

    #[test]
    fn no_sessions_no_rate() {
        let t = tally(&[]);
        assert!(
            t.iter()
                .all(|c| c.sessions == 0 && c.rate.value().is_none())
        );
    }

    #[test]
    fn late_means_within_72_hours_before_the_start() {
        let h = 3_600_000;
        assert!(is_late_change(100 * h, 28 * h));
        assert!(!is_late_change(100 * h, 27 * h));
        assert!(!is_late_change(100 * h, 100 * h));
        assert_eq!(Signal::parse("complaint"), Some(Signal::Complaint));
        assert_eq!(Signal::parse("x"), None);
    }
}
