//! An import's enrollments, many at a time (issue 18: 100,000 rows). Every row gets exactly the
//! answer [`crate::enrollment::enroll_untold`] would give it, in the sheet's order; what differs
//! is how the database is asked:
//!
//! - the sessions, learners and existing enrollments the sheet names are read once, a few
//!   hundred per statement, after the seat guard's lock is taken on every named session
//!   ([`repo::lock_seats`]), so seats counted in memory stay true until they are written;
//! - the refusals are [`crate::enrollment::may_take`], the same function the use case runs;
//! - a row the simple case covers (no earlier enrollment of the pair, a staff caller, a price
//!   without a client agreement) is decided in memory — booked while seats are left, then
//!   waitlisted in order — and written with up to [`BATCH`] others: one multi-row INSERT, one
//!   UPDATE of the sessions' counters, one multi-row INSERT of their audit events (one event per
//!   enrollment, as the use case writes it) under one savepoint;
//! - any other row (a re-enrollment after a cancellation, a client agreement's price, a client
//!   contact's approval) goes through the use case itself under its own savepoint, after the rows
//!   before it are written; a batch the database refuses is undone and its rows go the same way.

use super::{Ctx, Fail, Mapped, fail, refusal};
use crate::agreements::Priced;
use crate::{AppError, Caller};
use std::collections::HashMap;
use trainyard_core::Role;
use trainyard_core::status::EnrollmentStatus;
use trainyard_store::Conn;
use trainyard_store::audit::{self, Change};
use trainyard_store::enrollments::{self as repo, EnrollmentRecord, NewEnrollment};
use trainyard_store::import::{self as keys, Keyed};
use trainyard_store::learners::{self, Learner};
use trainyard_store::sessions::{self, Session};

/// Rows written per batch (each statement stays far below the databases' bind limits).
const BATCH: usize = 500;

/// A session as the import counts its seats (its row locked for the import's transaction).
struct Seats {
    session: Session,
    cutoff_hours: i64,
    /// The highest waitlist position given so far (0: none).
    last_position: i64,
}

/// A row decided in memory, waiting for its batch.
struct Pending {
    row: usize,
    new: NewEnrollment,
}

/// What a row needs.
enum Decision {
    Refused(Fail),
    Batched(Pending),
    /// Through the use case itself.
    UseCase,
}

struct State<'a> {
    caller: &'a Caller,
    now: i64,
    endpoints: bool,
    seats: HashMap<i64, Seats>,
    learners: HashMap<i64, Learner>,
    existing: HashMap<(i64, i64), EnrollmentRecord>,
    prices: HashMap<(i64, Option<i64>), Option<Priced>>,
    pending: Vec<Pending>,
}

/// A row's session and learner ids, or its problem: references and repeats within the sheet,
/// as the row-by-row import reports them.
fn resolve(
    ctx: &Ctx<'_>,
    row: &Mapped,
    seen: &mut HashMap<String, usize>,
) -> Result<(i64, i64), Fail> {
    let session = ctx
        .reference(Keyed::Sessions, "session", row.get("session"), "session")?
        .parse::<i64>()
        .unwrap_or_default();
    let learner = ctx
        .reference(Keyed::Learners, "learner", row.get("learner"), "learner")?
        .parse::<i64>()
        .unwrap_or_default();
    let pair = format!("{session}/{learner}");
    if let Some(first) = seen.get(&pair) {
        return Err(fail(
            Some("learner"),
            format!(
                "{} is already enrolled in {} by row {first}",
                row.get("learner"),
                row.get("session")
            ),
            "duplicate",
        ));
    }
    seen.insert(pair, row.line);
    Ok((session, learner))
}

/// Every row of an enrollments sheet; returns each row's outcome, in the sheet's order.
pub(super) async fn import(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    rows: &[Mapped],
    mut tick: impl FnMut(usize),
) -> Result<Vec<Result<(), Fail>>, AppError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let resolved: Vec<Result<(i64, i64), Fail>> =
        rows.iter().map(|r| resolve(ctx, r, &mut seen)).collect();
    let mut session_ids: Vec<i64> = resolved.iter().flatten().map(|(s, _)| *s).collect();
    session_ids.sort_unstable();
    session_ids.dedup();
    let mut learner_ids: Vec<i64> = resolved.iter().flatten().map(|(_, l)| *l).collect();
    learner_ids.sort_unstable();
    learner_ids.dedup();

    let mut st = State {
        caller: ctx.caller,
        now: ctx.now,
        endpoints: audit::endpoints_enabled(tx).await?,
        seats: HashMap::new(),
        learners: learners::get_many(tx, &learner_ids)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect(),
        existing: HashMap::new(),
        prices: HashMap::new(),
        pending: Vec::new(),
    };
    st.reload(tx, &session_ids).await?;

    let mut out: Vec<Option<Result<(), Fail>>> = Vec::with_capacity(rows.len());
    for (i, r) in resolved.into_iter().enumerate() {
        tick(1);
        let (session, learner) = match r {
            Ok(pair) => pair,
            Err(f) => {
                out.push(Some(Err(f)));
                continue;
            }
        };
        match st.decide(tx, i, session, learner).await? {
            Decision::Refused(f) => out.push(Some(Err(f))),
            Decision::Batched(p) => {
                out.push(None);
                st.pending.push(p);
                if st.pending.len() >= BATCH {
                    st.flush(tx, ctx, &mut out).await?;
                }
            }
            Decision::UseCase => {
                st.flush(tx, ctx, &mut out).await?;
                out.push(Some(one(tx, ctx, session, learner).await?));
                st.reload(tx, &[session]).await?;
            }
        }
    }
    st.flush(tx, ctx, &mut out).await?;
    Ok(out
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(fail(None, "not imported", "rule"))))
        .collect())
}

/// One enrollment through the use case, under its own savepoint.
async fn one(
    tx: &mut Conn,
    ctx: &Ctx<'_>,
    session: i64,
    learner: i64,
) -> Result<Result<(), Fail>, AppError> {
    keys::row_begin(tx).await?;
    let r = crate::enrollment::enroll_untold(ctx.app, tx, ctx.caller, (session, learner), ctx.now)
        .await;
    let r = match r {
        Ok(_) => Ok(()),
        Err(e) => Err(refusal(e)?),
    };
    keys::row_end(tx, r.is_ok()).await?;
    Ok(r)
}

impl State<'_> {
    /// (Re)reads the seats and enrollments of these sessions, taking their locks.
    async fn reload(&mut self, tx: &mut Conn, ids: &[i64]) -> Result<(), AppError> {
        if ids.is_empty() {
            return Ok(());
        }
        let rules: HashMap<i64, (i64, i64)> = repo::lock_seats(tx, ids)
            .await?
            .into_iter()
            .map(|(id, cutoff, last)| (id, (cutoff, last)))
            .collect();
        for s in sessions::get_many(tx, ids).await? {
            let (cutoff_hours, last_position) = rules.get(&s.id).copied().unwrap_or_default();
            self.seats.insert(
                s.id,
                Seats {
                    session: s,
                    cutoff_hours,
                    last_position,
                },
            );
        }
        for e in repo::records_of_sessions(tx, ids).await? {
            self.existing.insert((e.session_id, e.learner_id), e);
        }
        Ok(())
    }

    /// What `enroll_untold` would do with the row, decided in memory when the simple case
    /// covers it.
    async fn decide(
        &mut self,
        tx: &mut Conn,
        row: usize,
        session_id: i64,
        learner_id: i64,
    ) -> Result<Decision, AppError> {
        let (Some(seats), Some(learner)) = (
            self.seats.get_mut(&session_id),
            self.learners.get(&learner_id),
        ) else {
            // Gone since the keys were read: the use case says so.
            return Ok(Decision::UseCase);
        };
        let existing = self.existing.get(&(session_id, learner_id));
        if let Err(e) = crate::enrollment::may_take(
            self.caller,
            &seats.session,
            learner,
            seats.cutoff_hours,
            existing,
            self.now,
        ) {
            return Ok(Decision::Refused(refusal(e)?));
        }
        if existing.is_some() || self.caller.role == Role::ClientContact {
            return Ok(Decision::UseCase);
        }
        let key = (session_id, learner.client_id);
        let priced = match self.prices.get(&key) {
            Some(p) => p.clone(),
            None => {
                let Ok(p) = crate::agreements::price_without_agreement(
                    tx,
                    &seats.session,
                    learner.client_id,
                )
                .await
                else {
                    // Whatever went wrong, the use case tells the row (or ends the import).
                    return Ok(Decision::UseCase);
                };
                self.prices.insert(key, p.clone());
                p
            }
        };
        let Some(priced) = priced else {
            return Ok(Decision::UseCase);
        };
        let s = &mut seats.session;
        let (status, position) = if s.booked_count + s.held_count < s.capacity {
            s.booked_count += 1;
            (EnrollmentStatus::Booked, None)
        } else {
            s.waitlist_count += 1;
            seats.last_position += 1;
            (EnrollmentStatus::Waitlisted, Some(seats.last_position))
        };
        Ok(Decision::Batched(Pending {
            row,
            new: NewEnrollment {
                session_id,
                learner_id,
                status,
                waitlist_position: position,
                price: priced.price,
                enrolled_by: (self.caller.user_id != 0).then_some(self.caller.user_id),
            },
        }))
    }

    /// Writes the rows decided so far; a batch the database refuses is undone and its rows go
    /// through the use case one by one.
    async fn flush(
        &mut self,
        tx: &mut Conn,
        ctx: &Ctx<'_>,
        out: &mut [Option<Result<(), Fail>>],
    ) -> Result<(), AppError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        keys::row_begin(tx).await?;
        match self.write(tx, &pending).await {
            Ok(records) => {
                keys::row_end(tx, true).await?;
                for p in &pending {
                    out[p.row] = Some(Ok(()));
                }
                for e in records {
                    self.existing.insert((e.session_id, e.learner_id), e);
                }
            }
            Err(e) => {
                keys::row_end(tx, false).await?;
                tracing::debug!(error = %e, rows = pending.len(), "a batch of enrollments was refused; row by row");
                let mut ids: Vec<i64> = pending.iter().map(|p| p.new.session_id).collect();
                ids.sort_unstable();
                ids.dedup();
                self.reload(tx, &ids).await?;
                for p in &pending {
                    let (s, l) = (p.new.session_id, p.new.learner_id);
                    out[p.row] = Some(one(tx, ctx, s, l).await?);
                    self.reload(tx, &[s]).await?;
                }
            }
        }
        Ok(())
    }

    /// The batch's enrollments, the sessions' counters and one audit event per enrollment.
    async fn write(
        &self,
        tx: &mut Conn,
        pending: &[Pending],
    ) -> Result<Vec<EnrollmentRecord>, AppError> {
        let news: Vec<&NewEnrollment> = pending.iter().map(|p| &p.new).collect();
        let records = repo::insert_many(tx, &news, self.now).await?;
        let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
        for n in &news {
            let c = counts.entry(n.session_id).or_default();
            match n.status {
                EnrollmentStatus::Booked => c.0 += 1,
                _ => c.1 += 1,
            }
        }
        let mut counts: Vec<(i64, i64, i64)> =
            counts.into_iter().map(|(id, (b, w))| (id, b, w)).collect();
        counts.sort_unstable();
        repo::add_counts(tx, &counts).await?;
        // The events in the sheet's order, each with the record as the use case reads it back.
        let by_pair: HashMap<(i64, i64), &EnrollmentRecord> = records
            .iter()
            .map(|e| ((e.session_id, e.learner_id), e))
            .collect();
        let mut events: Vec<(String, i64, Option<serde_json::Value>)> =
            Vec::with_capacity(pending.len());
        for n in &news {
            let Some(e) = by_pair.get(&(n.session_id, n.learner_id)) else {
                // Not written as asked: undone, and the rows go one by one.
                return Err(AppError::NotFound("an enrollment just written"));
            };
            events.push((
                format!("enrollment.{}", e.status.as_str()),
                e.id,
                serde_json::to_value(e).ok(),
            ));
        }
        let changes: Vec<Change<'_>> = events
            .iter()
            .map(|(action, id, after)| Change {
                action,
                entity_type: "enrollment",
                entity_id: *id,
                before: None,
                after: after.as_ref(),
            })
            .collect();
        let actor = self.caller.actor();
        audit::record_many(tx, &actor, self.now, &changes).await?;
        if self.endpoints {
            for (action, id, after) in &events {
                crate::webhooks::emit(
                    tx,
                    self.now,
                    action,
                    ("enrollment", *id),
                    &actor.label,
                    None,
                    after.as_ref(),
                )
                .await?;
                crate::xapi::emit(tx, self.now, action, ("enrollment", *id), after.as_ref())
                    .await?;
            }
        }
        Ok(records)
    }
}
