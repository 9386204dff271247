//! Saved report views: the manager's shared morning lists and quarter KPIs, the finance lead's
//! profitability by client, and one weekly schedule e-mailing the morning lists on Mondays.

use super::{LOGINS, Seed, bad};
use crate::AppError;
use trainyard_core::report_view::{ReportKind, ScheduleFields};
use trainyard_store::Conn;
use trainyard_store::report_views::{self as repo, ScheduleInput, ViewInput};

async fn user_id(c: &mut Conn, role: &str) -> Result<(i64, String), AppError> {
    let email = LOGINS
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, e)| *e)
        .ok_or_else(|| bad(format!("no {role} login")))?;
    let u = trainyard_store::users::find_by_email(c, email)
        .await?
        .ok_or_else(|| bad(format!("no user {email}")))?;
    Ok((u.id, u.email))
}

pub(super) async fn seed(c: &mut Conn, s: &mut Seed) -> Result<(), AppError> {
    let (manager, manager_email) = user_id(c, "manager").await?;
    let (finance, _) = user_id(c, "finance").await?;
    let views = [
        (
            manager,
            "Monday morning check",
            ReportKind::Morning,
            "",
            true,
        ),
        (
            manager,
            "This quarter vs last year",
            ReportKind::Kpis,
            "period=quarter&compare=last_year",
            true,
        ),
        (
            finance,
            "Profitability by client",
            ReportKind::Profitability,
            "period=quarter&by=client",
            false,
        ),
    ];
    let mut morning = 0;
    for (owner, name, report, query, shared) in views {
        let id = repo::insert(
            c,
            owner,
            &ViewInput {
                name,
                report,
                query,
                shared,
            },
            s.now,
        )
        .await?;
        s.created(
            c,
            "report_view",
            id,
            serde_json::json!({ "name": name, "report": report, "query": query, "shared": shared }),
        )
        .await?;
        if report == ReportKind::Morning {
            morning = id;
        }
    }
    let schedule = ScheduleFields {
        cadence: "weekly".into(),
        day: "1".into(),
        time_of_day: "07:30".into(),
        time_zone: "Europe/Berlin".into(),
        recipients: manager_email.clone(),
    }
    .parse()
    .map_err(bad)?;
    let recipients = vec![manager_email];
    let id = repo::insert_schedule(
        c,
        morning,
        manager,
        &ScheduleInput {
            cadence: schedule.cadence,
            day: 1,
            time_of_day: "07:30",
            time_zone: "Europe/Berlin",
            recipients: &recipients,
            next_run_at: schedule.next_run_after(s.now),
        },
        s.now,
    )
    .await?;
    s.created(
        c,
        "report_schedule",
        id,
        serde_json::json!({ "view_id": morning, "cadence": "weekly", "day": 1, "recipients": recipients }),
    )
    .await
}
