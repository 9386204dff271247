//! Issuing a month's invoices in one go: every client with delivered, not yet invoiced enrollments
//! in sessions that ended in the month, or with cancellation fees not yet billed, is invoiced as
//! its agreement's billing mode says — one consolidated invoice (monthly, and clients without an
//! agreement), or one invoice per enrollment (per enrollment, the fees on one of their own) —
//! issued at once and e-mailed.
//! The run works in the background (the page shows its progress; the command line draws a bar) and
//! bills each client in its own transaction, so that a run stopped midway leaves whole invoices and
//! numbers without gaps, and a new run for the month picks up exactly the clients still unbilled.

use crate::{App, AppError, Caller, invoicing, now_ms};
use std::time::Duration;
use trainyard_core::pricing::BillingMode;
use trainyard_core::{Invalid, TimeZoneName, invoice};
use trainyard_store::StoreError;
use trainyard_store::invoice_runs as repo;

/// One client's share of a run: the sessions with their unbilled learners, the unbilled fees.
struct Work {
    client_id: i64,
    session_ids: Vec<i64>,
    fee_ids: Vec<i64>,
}

pub use trainyard_store::invoice_runs::InvoiceRun as Run;

/// A run still marked running whose process has said nothing for this long has stopped.
const SILENT_MS: i64 = 120_000;

fn require_finance(caller: &Caller, what: &str) -> Result<(), AppError> {
    caller.require(caller.sees_finance(), what)
}

/// Starts issuing `month`'s invoices (`YYYY-MM`, in the caller's time zone) and returns the run at
/// once; the invoices are issued in the background. Refused while another run of the month is
/// going, and for a month that has not begun.
pub async fn start(app: &App, caller: &Caller, month: &str) -> Result<Run, AppError> {
    let (run, work, first) = prepare(app, caller, month).await?;
    let app = app.clone();
    let caller = caller.clone();
    let id = run.id;
    tokio::spawn(async move {
        if let Err(e) = bill(&app, &caller, id, work, first).await {
            tracing::error!(run_id = id, error = %e, "invoice run failed");
            let _ = finish(&app, id, "failed", Some(&format!("The run stopped: {e}"))).await;
        }
    });
    Ok(run)
}

/// The run, as the caller may see it.
pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Run, AppError> {
    require_finance(caller, "see invoice runs")?;
    let mut conn = app.store.read().await?;
    let run = repo::get(&mut conn, id).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound("invoice run"),
        e => e.into(),
    })?;
    Ok(shown(run, now_ms()))
}

/// The latest runs, newest first.
pub async fn recent(app: &App, caller: &Caller) -> Result<Vec<Run>, AppError> {
    require_finance(caller, "see invoice runs")?;
    let mut conn = app.store.read().await?;
    let now = now_ms();
    Ok(repo::recent(&mut conn, 20)
        .await?
        .into_iter()
        .map(|r| shown(r, now))
        .collect())
}

/// Waits until the run has finished (the command line, tests), reporting each look at it.
pub async fn wait(
    app: &App,
    caller: &Caller,
    id: i64,
    mut on_progress: impl FnMut(&Run),
) -> Result<Run, AppError> {
    loop {
        let run = get(app, caller, id).await?;
        on_progress(&run);
        if run.status != "running" {
            return Ok(run);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running run whose process went silent reads as interrupted.
fn shown(mut run: Run, now: i64) -> Run {
    if run.status == "running" && now - run.updated_at > SILENT_MS {
        run.status = "interrupted".into();
    }
    run
}

/// Checks the month, closes runs of it that were interrupted, finds who is to be billed and
/// records the run.
async fn prepare(
    app: &App,
    caller: &Caller,
    month: &str,
) -> Result<(Run, Vec<Work>, chrono::NaiveDate), AppError> {
    require_finance(caller, "issue invoices")?;
    let (first, next) = invoice::parse_month(month).map_err(|e| Invalid::field("month", e))?;
    let month = first.format("%Y-%m").to_string();
    if first > invoicing::today(caller) {
        return Err(Invalid::field(
            "month",
            format!("{month} has not begun: nothing can have been delivered in it yet"),
        )
        .into());
    }
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let now = now_ms();
    // Only what has been delivered: a session later in the month is billed by a rerun once it ended.
    let (from, until) = (tz.start_of_day_ms(first), tz.start_of_day_ms(next).min(now));
    let mut tx = app.store.write().await?;
    for r in repo::running_for(&mut tx, &month).await? {
        if now - r.updated_at <= SILENT_MS {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-invoice-run-busy-count",
                "{month}'s invoices are being issued already (run #{run}, {done} of {total} clients done).",
                run = r.id,
                done = r.clients_done,
                total = r.clients_total,
                month = month
            )));
        }
        repo::finish(
            &mut tx,
            r.id,
            "interrupted",
            Some("Its process stopped; a later run billed the rest."),
            now,
        )
        .await?;
    }
    let mut work: Vec<Work> = repo::unbilled(&mut tx, from, until)
        .await?
        .into_iter()
        .map(|u| Work {
            client_id: u.client_id,
            session_ids: u.session_ids,
            fee_ids: Vec::new(),
        })
        .collect();
    // Fees of cancellations up to the month's end not billed yet (and not on the invoice the
    // enrollment was on): each client's go on their invoice of this run.
    for fee in trainyard_store::cancellation::unbilled_fees(&mut tx, until).await? {
        match work.iter_mut().find(|w| w.client_id == fee.client_id) {
            Some(w) => w.fee_ids.push(fee.id),
            None => work.push(Work {
                client_id: fee.client_id,
                session_ids: Vec::new(),
                fee_ids: vec![fee.id],
            }),
        }
    }
    let id = repo::insert(
        &mut tx,
        &month,
        work.len() as i64,
        (caller.user_id != 0).then_some(caller.user_id),
        now,
    )
    .await
    .map_err(|e| match e {
        // Another process started the month's run between our look and our insert.
        StoreError::Duplicate(_) => AppError::Refused(trainyard_core::refusal!(
            "refused-invoice-run-busy",
            "{month}'s invoices are being issued already.",
            month = month
        )),
        e => e.into(),
    })?;
    let run = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "invoice_run.started",
        ("invoice_run", id),
        None,
        Some(&run),
    )
    .await?;
    tx.commit().await?;
    Ok((run, work, first))
}

/// Bills each client in its own transaction: draft, issue and count the progress together, so the
/// progress never runs ahead of (or behind) the invoices. A client the rules refuse is counted
/// and named; the run goes on with the next.
async fn bill(
    app: &App,
    caller: &Caller,
    id: i64,
    work: Vec<Work>,
    first: chrono::NaiveDate,
) -> Result<(), AppError> {
    for u in work {
        let now = now_ms();
        let mut tx = app.store.write().await?;
        let billed = bill_client(&mut tx, caller, &u, first, now).await;
        match billed {
            Ok(()) => {
                repo::advance(&mut tx, id, true, None, now).await?;
                tx.commit().await?;
            }
            Err(e @ (AppError::Refused(_) | AppError::Invalid(_))) => {
                drop(tx);
                let mut tx = app.store.write().await?;
                let why = format!("Client #{}: {e}", u.client_id);
                repo::advance(&mut tx, id, false, Some(&why), now).await?;
                tx.commit().await?;
            }
            Err(e) => return Err(e),
        }
    }
    finish(app, id, "done", None).await
}

/// Drafts and issues one client's invoices of the run by the billing mode of the agreement in
/// force on the month's first day.
async fn bill_client(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    u: &Work,
    first: chrono::NaiveDate,
    now: i64,
) -> Result<(), AppError> {
    let mode = trainyard_store::agreements::in_force(&mut *tx, u.client_id, first)
        .await?
        .map(|a| a.billing_mode);
    // Re-read inside the transaction: a fee billed since the run looked is not billed again.
    let fees = trainyard_store::cancellation::still_unbilled(&mut *tx, &u.fee_ids).await?;
    let mut drafts = Vec::new();
    match mode {
        Some(BillingMode::PerEnrollment) => {
            for &session_id in &u.session_ids {
                for e in invoicing::unbilled_of(&mut *tx, session_id, u.client_id).await? {
                    let what = invoicing::Billing {
                        session_ids: &[session_id],
                        only_enrollments: Some(&[e.id]),
                        fees: &[],
                    };
                    drafts.push(
                        invoicing::draft_billing_in(tx, caller, &what, Some(u.client_id), "", now)
                            .await?,
                    );
                }
            }
            if !fees.is_empty() {
                let what = invoicing::Billing {
                    session_ids: &[],
                    only_enrollments: None,
                    fees: &fees,
                };
                drafts.push(
                    invoicing::draft_billing_in(tx, caller, &what, Some(u.client_id), "", now)
                        .await?,
                );
            }
        }
        Some(BillingMode::Monthly) | None => {
            let what = invoicing::Billing {
                session_ids: &u.session_ids,
                only_enrollments: None,
                fees: &fees,
            };
            drafts.push(
                invoicing::draft_billing_in(tx, caller, &what, Some(u.client_id), "", now).await?,
            );
        }
    }
    let issued_on = invoicing::today(caller);
    for draft in drafts {
        invoicing::issue_in(
            tx,
            caller,
            draft.invoice.id,
            draft.invoice.version,
            now,
            issued_on,
        )
        .await?;
    }
    Ok(())
}

async fn finish(app: &App, id: i64, status: &str, message: Option<&str>) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    repo::finish(&mut tx, id, status, message, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: &str, updated_at: i64) -> Run {
        Run {
            id: 1,
            month: "2027-01".into(),
            status: status.into(),
            clients_total: 3,
            clients_done: 1,
            issued: 1,
            refused: 0,
            message: None,
            started_by: None,
            created_at: 0,
            updated_at,
            finished_at: None,
        }
    }

    #[test]
    fn a_silent_running_run_reads_as_interrupted() {
        assert_eq!(shown(run("running", 0), SILENT_MS).status, "running");
        assert_eq!(
            shown(run("running", 0), SILENT_MS + 1).status,
            "interrupted"
        );
        assert_eq!(shown(run("done", 0), SILENT_MS * 10).status, "done");
    }
}
