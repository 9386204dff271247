//! The morning lists ops teams watch (issue 17 §4), as pure rules over plain rows: which problems
//! an upcoming session has, whether an instructor's utilization is outside the target band, and
//! whether a client's admin effort is out of proportion to their revenue.

use crate::kpi::Ratio;
use crate::status::DeliveryMode;

/// Something an upcoming session still needs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SessionProblem {
    /// No confirmed instructor (none assigned, or only proposed, requested or accepted).
    UnconfirmedInstructor,
    /// A classroom or blended session without a confirmed room booking.
    NoRoom,
    /// Fewer learners booked than the course's minimum.
    BelowMinimum,
    /// The joining instructions are due and have not gone to everyone booked.
    JoiningNotSent,
    /// An assigned instructor has time off overlapping the session.
    InstructorOnTimeOff,
    /// An item of its compliance checklist is past its deadline and not met (a requirement due
    /// before the session ends, e.g. the instructor's qualification two days before).
    OverdueCompliance,
}

impl SessionProblem {
    pub const ALL: [SessionProblem; 6] = [
        SessionProblem::UnconfirmedInstructor,
        SessionProblem::NoRoom,
        SessionProblem::BelowMinimum,
        SessionProblem::JoiningNotSent,
        SessionProblem::InstructorOnTimeOff,
        SessionProblem::OverdueCompliance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionProblem::UnconfirmedInstructor => "unconfirmed_instructor",
            SessionProblem::NoRoom => "no_room",
            SessionProblem::BelowMinimum => "below_minimum",
            SessionProblem::JoiningNotSent => "joining_not_sent",
            SessionProblem::InstructorOnTimeOff => "instructor_on_time_off",
            SessionProblem::OverdueCompliance => "overdue_compliance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SessionProblem::UnconfirmedInstructor => "Instructor not confirmed",
            SessionProblem::NoRoom => "No room",
            SessionProblem::BelowMinimum => "Below minimum",
            SessionProblem::JoiningNotSent => "Joining instructions not sent",
            SessionProblem::InstructorOnTimeOff => "Instructor on time off",
            SessionProblem::OverdueCompliance => "Compliance items overdue",
        }
    }

    pub fn parse(raw: &str) -> Result<SessionProblem, String> {
        let raw = raw.trim();
        SessionProblem::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| {
                format!(
                    "'{}' is not a problem (one of: {})",
                    raw.chars().take(40).collect::<String>(),
                    SessionProblem::ALL.map(|p| p.as_str()).join(", ")
                )
            })
    }
}

/// One upcoming session as the checks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCheck {
    pub starts_at: i64,
    pub mode: DeliveryMode,
    pub min_learners: i64,
    pub booked: i64,
    /// Assignments confirmed.
    pub confirmed_instructors: i64,
    /// Confirmed room bookings on its scheduled parts.
    pub rooms: i64,
    /// Booked learners and confirmed instructors who have not had the joining instructions for
    /// its current start.
    pub joining_missing: i64,
    /// Live assignments (not declined or cancelled) whose instructor has time off overlapping it.
    pub instructors_on_time_off: i64,
    /// Items of its compliance checklist not met and past their deadline.
    pub overdue_compliance: i64,
}

/// The problems of `s` at `now`, in [`SessionProblem::ALL`] order. Joining instructions count as due
/// `joining_hours` before the start (never when 0).
pub fn problems(s: &SessionCheck, now: i64, joining_hours: i64) -> Vec<SessionProblem> {
    let joining_due = joining_hours > 0 && now >= s.starts_at - joining_hours * 3_600_000;
    let mut out = Vec::new();
    if s.confirmed_instructors == 0 {
        out.push(SessionProblem::UnconfirmedInstructor);
    }
    if s.mode != DeliveryMode::Vilt && s.rooms == 0 {
        out.push(SessionProblem::NoRoom);
    }
    if s.booked < s.min_learners {
        out.push(SessionProblem::BelowMinimum);
    }
    if joining_due && s.joining_missing > 0 {
        out.push(SessionProblem::JoiningNotSent);
    }
    if s.instructors_on_time_off > 0 {
        out.push(SessionProblem::InstructorOnTimeOff);
    }
    if s.overdue_compliance > 0 {
        out.push(SessionProblem::OverdueCompliance);
    }
    out
}

/// The target utilization band, in percent: below `low` is under target, above `high` over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UtilizationBand {
    pub low: i64,
    pub high: i64,
}

impl Default for UtilizationBand {
    fn default() -> Self {
        UtilizationBand { low: 50, high: 90 }
    }
}

/// Where a utilization lies against the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadStanding {
    Under,
    Over,
}

impl LoadStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            LoadStanding::Under => "under",
            LoadStanding::Over => "over",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LoadStanding::Under => "Under target",
            LoadStanding::Over => "Over target",
        }
    }
}

/// Under or over the band, or `None` inside it. Teaching without any available hours is over;
/// no hours and no teaching says nothing.
pub fn utilization_standing(u: Ratio, band: UtilizationBand) -> Option<LoadStanding> {
    if u.denominator == 0 {
        return (u.numerator > 0).then_some(LoadStanding::Over);
    }
    // Compare in integers: numerator * 100 against the percent bounds times the denominator.
    let scaled = u.numerator * 100;
    if scaled < band.low * u.denominator {
        Some(LoadStanding::Under)
    } else if scaled > band.high * u.denominator {
        Some(LoadStanding::Over)
    } else {
        None
    }
}

/// Minutes of effort one audited staff action stands for, beside the minutes people log.
pub const ACTION_MINUTES: i64 = 3;
/// Below this much effort a client is never flagged: too little to be a pattern.
pub const MIN_EFFORT_MINUTES: i64 = 60;
/// A client is flagged when their minutes per unit of revenue are more than this many times the
/// whole operation's.
pub const OUT_OF_PROPORTION: i64 = 2;

/// A client's admin effort and revenue over the same sessions, in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Effort {
    pub staff_actions: i64,
    pub logged_minutes: i64,
    /// Minor units.
    pub revenue_minor: i64,
}

impl Effort {
    /// Logged minutes plus [`ACTION_MINUTES`] per staff action.
    pub fn minutes(&self) -> i64 {
        self.logged_minutes + self.staff_actions * ACTION_MINUTES
    }

    pub fn add(&mut self, other: Effort) {
        self.staff_actions += other.staff_actions;
        self.logged_minutes += other.logged_minutes;
        self.revenue_minor += other.revenue_minor;
    }
}

/// Whether `client`'s effort is out of proportion to its revenue, against `all` (every client in
/// the same currency): at least [`MIN_EFFORT_MINUTES`], and either no revenue or more than
/// [`OUT_OF_PROPORTION`] times the overall minutes per unit of revenue. Integer arithmetic only.
pub fn out_of_proportion(client: Effort, all: Effort) -> bool {
    let minutes = client.minutes();
    if minutes < MIN_EFFORT_MINUTES {
        return false;
    }
    if client.revenue_minor <= 0 {
        return true;
    }
    if all.revenue_minor <= 0 {
        return false;
    }
    // minutes / revenue > K * all_minutes / all_revenue, cross-multiplied in 128 bits.
    i128::from(minutes) * i128::from(all.revenue_minor)
        > i128::from(OUT_OF_PROPORTION)
            * i128::from(all.minutes())
            * i128::from(client.revenue_minor)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn fine() -> SessionCheck {
        SessionCheck {
            starts_at: 100 * H,
            mode: DeliveryMode::Ilt,
            min_learners: 4,
            booked: 6,
            confirmed_instructors: 1,
            rooms: 1,
            joining_missing: 0,
            instructors_on_time_off: 0,
            overdue_compliance: 0,
        }
    }

    #[test]
    fn a_session_with_everything_in_place_has_no_problem() {
        assert!(problems(&fine(), 0, 72).is_empty());
    }

    #[test]
    fn each_problem_on_its_own() {
        let s = SessionCheck {
            confirmed_instructors: 0,
            ..fine()
        };
        assert_eq!(
            problems(&s, 0, 72),
            vec![SessionProblem::UnconfirmedInstructor]
        );
        let s = SessionCheck { rooms: 0, ..fine() };
        assert_eq!(problems(&s, 0, 72), vec![SessionProblem::NoRoom]);
        let virtual_class = SessionCheck {
            rooms: 0,
            mode: DeliveryMode::Vilt,
            ..fine()
        };
        assert!(problems(&virtual_class, 0, 72).is_empty());
        let s = SessionCheck {
            booked: 3,
            ..fine()
        };
        assert_eq!(problems(&s, 0, 72), vec![SessionProblem::BelowMinimum]);
        let s = SessionCheck {
            instructors_on_time_off: 1,
            ..fine()
        };
        assert_eq!(
            problems(&s, 0, 72),
            vec![SessionProblem::InstructorOnTimeOff]
        );
        let s = SessionCheck {
            overdue_compliance: 2,
            ..fine()
        };
        assert_eq!(problems(&s, 0, 72), vec![SessionProblem::OverdueCompliance]);
    }

    #[test]
    fn joining_instructions_count_only_once_due() {
        let s = SessionCheck {
            joining_missing: 2,
            ..fine()
        };
        // Due 72 hours before the start at hour 100: from hour 28.
        assert!(problems(&s, 27 * H, 72).is_empty());
        assert_eq!(
            problems(&s, 28 * H, 72),
            vec![SessionProblem::JoiningNotSent]
        );
        assert!(problems(&s, 99 * H, 0).is_empty());
    }

    #[test]
    fn problems_parse_from_their_keys() {
        for p in SessionProblem::ALL {
            assert_eq!(SessionProblem::parse(p.as_str()).unwrap(), p);
        }
        assert!(
            SessionProblem::parse("compliance")
                .unwrap_err()
                .contains("no_room")
        );
    }

    #[test]
    fn utilization_band() {
        let band = UtilizationBand::default();
        assert_eq!(
            utilization_standing(Ratio::new(49, 100), band),
            Some(LoadStanding::Under)
        );
        assert_eq!(utilization_standing(Ratio::new(50, 100), band), None);
        assert_eq!(utilization_standing(Ratio::new(90, 100), band), None);
        assert_eq!(
            utilization_standing(Ratio::new(91, 100), band),
            Some(LoadStanding::Over)
        );
        assert_eq!(
            utilization_standing(Ratio::new(60, 0), band),
            Some(LoadStanding::Over)
        );
        assert_eq!(utilization_standing(Ratio::new(0, 0), band), None);
    }

    #[test]
    fn effort_out_of_proportion() {
        let all = Effort {
            staff_actions: 100,
            logged_minutes: 300,
            revenue_minor: 1_000_000,
        };
        // 600 minutes per 1,000,000 overall; this client 120 minutes per 100,000: twice as much.
        let twice = Effort {
            staff_actions: 0,
            logged_minutes: 120,
            revenue_minor: 100_000,
        };
        assert!(!out_of_proportion(twice, all));
        let more = Effort {
            logged_minutes: 121,
            ..twice
        };
        assert!(out_of_proportion(more, all));
        let no_revenue = Effort {
            staff_actions: 20,
            logged_minutes: 0,
            revenue_minor: 0,
        };
        assert_eq!(no_revenue.minutes(), 60);
        assert!(out_of_proportion(no_revenue, all));
        let little = Effort {
            staff_actions: 19,
            ..no_revenue
        };
        assert!(!out_of_proportion(little, all));
    }
}
