//! Renewal offers (issue 16 §3): where a client wants it ("offer renewals" on the client), a
//! learner whose certificate expires within [`DEFAULT_DAYS`] is offered a seat in the next
//! renewal session: a scheduled or confirmed session of the course's renewal course (the same
//! course when it names none), open to the learner, starting after now and before the expiry.
//!
//! * **Offered.** While the session has a free seat, the seat is held for the learner (the
//!   session's `held_count`, which the seat guard counts against the capacity) and they get an
//!   e-mail with a personal link (`/renewal/{offer}/{secret}`, no login; only the secret's hash
//!   is kept), or answer on their portal. Accepting turns the hold into the booking in one
//!   transaction; declining, or the offer lapsing unanswered (7 days after it was made or when
//!   the session starts, whichever is first; [`run_due`] expires it), gives the seat to the
//!   waitlist. The link works once, and only for its own offer.
//! * **Waitlisted.** A full session: the learner is put on its waitlist at once.
//! * **Once.** At most one open offer (offered, waitlisted, accepted) per certificate: a unique
//!   index, so the daily job ([`run_due`], with the expiry reminders) can run twice and in several
//!   processes at once. Once an offer is declined or expired, the next run may offer the next
//!   session, never one offered for that certificate before; so may a coordinator by hand
//!   ([`offer`]).
//! * **Read.** Staff see any client's list; a client contact only their own client's.

use crate::error::About as _;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use serde_json::json;
use trainyard_core::Role;
use trainyard_core::status::EnrollmentStatus;
use trainyard_store::outbox::{self, NewMessage};
use trainyard_store::renewals::{
    self as repo, ExpiringCertificate, LearnerOffer, NewOffer, RenewalOffer,
};
use trainyard_store::{Conn, certificates, clients, learners, sessions};

/// Certificates expiring within this many days are offered a renewal seat, and listed.
pub const DEFAULT_DAYS: i64 = 90;
/// Offers made per run at most.
const PER_RUN: i64 = 200;
/// An unanswered offer lapses this long after it was made (or when its session starts, if
/// sooner), giving back the seat it holds.
const ANSWER_WITHIN_MS: i64 = 7 * 86_400_000;

/// The personal link of an offer.
pub fn offer_url(app: &App, offer_id: i64, secret: &str) -> String {
    app.link(&format!("/renewal/{offer_id}/{secret}"))
}

fn link_hash(secret: &str) -> Option<String> {
    let s = secret.trim();
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| crate::accounts::secret_hash(&s.to_ascii_lowercase()))
}

/// A client's certificates expiring soon, with their offers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpiringList {
    pub client_id: i64,
    pub client_name: String,
    /// Whether the client wants its learners offered renewal seats.
    pub offer_renewals: bool,
    /// The list covers certificates expiring from today to today + `days`.
    pub days: i64,
    pub items: Vec<ExpiringCertificate>,
}

/// Who may see `client_id`'s list: staff, and that client's contacts.
fn may_see(caller: &Caller, client_id: i64) -> Result<(), AppError> {
    match caller.role {
        r if r.is_staff() => Ok(()),
        Role::ClientContact if caller.client_id == Some(client_id) => Ok(()),
        Role::ClientContact => Err(AppError::NotFound("client")),
        _ => Err(AppError::Forbidden("see expiring certificates".into())),
    }
}

/// The certificates of the client's learners expiring in the next `days` (default 90).
pub async fn expiring(
    app: &App,
    caller: &Caller,
    client_id: i64,
    days: Option<i64>,
) -> Result<ExpiringList, AppError> {
    may_see(caller, client_id)?;
    let days = days.unwrap_or(DEFAULT_DAYS);
    let until = crate::certificates::expiring_within(days)?;
    let today = trainyard_core::time::utc(now_ms()).date_naive().to_string();
    let mut conn = app.store.read().await?;
    let client = clients::get(&mut conn, client_id).await.about("client")?;
    let offer_renewals = repo::offers_renewals(&mut conn, client_id)
        .await?
        .unwrap_or(false);
    let items = repo::expiring_for_client(&mut conn, client_id, &today, &until).await?;
    Ok(ExpiringList {
        client_id,
        client_name: client.name,
        offer_renewals,
        days,
        items,
    })
}

/// Turns a client's renewal offers on or off. Coordinators, managers and admins; audited.
pub async fn set_offer_renewals(
    app: &App,
    caller: &Caller,
    client_id: i64,
    on: bool,
) -> Result<bool, AppError> {
    caller.require_operations("change a client's renewal offers")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::offers_renewals(&mut tx, client_id)
        .await?
        .ok_or(AppError::NotFound("client"))?;
    repo::set_offers_renewals(&mut tx, client_id, on, now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "client.renewal_offers",
        ("client", client_id),
        Some(&json!({ "offer_renewals": before })),
        Some(&json!({ "offer_renewals": on })),
    )
    .await?;
    tx.commit().await?;
    Ok(on)
}

/// The first instant after the last valid day `expires_on` (UTC).
fn end_of(expires_on: &str) -> Result<i64, AppError> {
    let d = chrono::NaiveDate::parse_from_str(expires_on, "%Y-%m-%d")
        .map_err(|_| AppError::refused(format!("'{expires_on}' is not a date")))?;
    Ok(trainyard_core::TimeZoneName::utc().start_of_day_ms(d + chrono::Duration::days(1)))
}

/// Makes the offer of a certificate's renewal in `session_id`, in the caller's transaction:
/// `None` when the certificate already has an open offer. A full session waitlists the learner
/// at once; otherwise the learner gets the personal link by e-mail. Audited.
#[allow(clippy::too_many_arguments)]
async fn offer_in(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    certificate_id: i64,
    learner_id: i64,
    client_id: Option<i64>,
    session_id: i64,
    now: i64,
) -> Result<Option<RenewalOffer>, AppError> {
    let secret = crate::accounts::new_secret()?;
    let hash = crate::accounts::secret_hash(&secret);
    // The claim is the first write: the unique index decides which run offers.
    let Some(id) = repo::claim(
        tx,
        &NewOffer {
            certificate_id,
            learner_id,
            client_id,
            session_id,
            secret_hash: &hash,
            offered_by: (caller.user_id != 0).then_some(caller.user_id),
        },
        now,
    )
    .await?
    else {
        return Ok(None);
    };
    let s = sessions::get(tx, session_id).await.about("session")?;
    let cert = certificates::get(tx, certificate_id)
        .await
        .about("certificate")?;
    let learner = learners::get(tx, learner_id).await.about("learner")?;
    // A free seat is held for the learner until they answer or the offer lapses; without one
    // they go on the waitlist at once.
    let full = !trainyard_store::enrollments::hold_seat(tx, session_id).await?;
    if !full {
        repo::set_hold(tx, id, (now + ANSWER_WITHIN_MS).min(s.starts_at)).await?;
    }
    if full {
        let e =
            crate::enrollment::enroll_in(app, tx, caller, session_id, learner_id, 0, now).await?;
        let to = if e.status == EnrollmentStatus::Booked {
            repo::ACCEPTED
        } else {
            repo::WAITLISTED
        };
        repo::settle(tx, id, repo::OFFERED, to, Some(e.id), now).await?;
    }
    let zone = trainyard_core::TimeZoneName::parse_or_utc(&learner.time_zone);
    let ctx = json!({
        "recipient_name": cert.learner_name,
        "learner_name": cert.learner_name,
        "certificate_name": cert.certificate_name,
        "course_title": s.title.as_deref().unwrap_or(&s.course_title),
        "reference": s.reference,
        "starts": zone.display(s.starts_at),
        "expires": cert.expires_on,
        "waitlisted": full,
        "accept_url": offer_url(app, id, &secret),
    });
    let (subject, body) = crate::messages::compose(tx, "renewal_offered", &ctx).await?;
    outbox::enqueue(
        tx,
        &NewMessage {
            kind: "renewal_offered",
            recipient: &learner.email,
            subject: &subject,
            body: &body,
            entity_type: "renewal_offer",
            entity_id: id,
            idempotency_key: &format!("renewal-offer-{id}"),
        },
        now,
    )
    .await?;
    let after = repo::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "renewal.offered",
        ("renewal_offer", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(Some(after))
}

/// Offers a renewal seat by hand for a certificate of one of the client's learners expiring
/// soon: in the next renewal session before its expiry. Coordinators, managers and admins.
pub async fn offer(
    app: &App,
    caller: &Caller,
    client_id: i64,
    certificate_id: i64,
) -> Result<RenewalOffer, AppError> {
    caller.require_operations("offer renewal seats")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let cert = certificates::get(&mut tx, certificate_id)
        .await
        .about("certificate")?;
    let learner = learners::get(&mut tx, cert.learner_id)
        .await
        .about("learner")?;
    if learner.client_id != Some(client_id) {
        return Err(AppError::NotFound("certificate"));
    }
    let Some(expires_on) = cert.expires_on.clone() else {
        return Err(AppError::refused(
            "This certificate does not expire: there is nothing to renew.".into(),
        ));
    };
    if cert.status != trainyard_core::certificate::Standing::Valid {
        return Err(AppError::refused(format!(
            "This certificate is {}: a renewal seat is offered for a valid one.",
            cert.status.label().to_lowercase()
        )));
    }
    let renew_with = repo::renewal_course(&mut tx, cert.course_id).await?;
    let Some(session_id) = repo::next_session(
        &mut tx,
        renew_with,
        learner.client_id,
        now,
        end_of(&expires_on)?,
        certificate_id,
    )
    .await?
    else {
        return Err(AppError::refused(format!(
            "No session of {} starts before the certificate expires on {expires_on}: schedule one first.",
            cert.course_title
        )));
    };
    let Some(o) = offer_in(
        app,
        &mut tx,
        caller,
        certificate_id,
        cert.learner_id,
        learner.client_id,
        session_id,
        now,
    )
    .await?
    else {
        return Err(AppError::refused(format!(
            "{} already has an open renewal offer for this certificate.",
            cert.learner_name
        )));
    };
    tx.commit().await?;
    Ok(o)
}

/// What a run of the daily job did.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunReport {
    pub offered: usize,
    pub expired: u64,
    /// The query hit its bound: run again soon.
    pub more: bool,
}

/// The daily job: offers a renewal seat for every certificate due (see the module
/// documentation), once; unanswered offers whose session started expire. Safe to run from any
/// number of processes at once.
pub async fn run_due(app: &App, now: i64) -> Result<RunReport, AppError> {
    let system = Caller::system();
    let mut report = RunReport::default();
    // Lapsed offers expire, each giving its held seat back to the waitlist.
    let lapsed = {
        let mut conn = app.store.read().await?;
        repo::lapsed(&mut conn, now, 1000).await?
    };
    for (id, session_id, held) in lapsed {
        let mut tx = app.store.write().await?;
        if repo::settle(&mut tx, id, repo::OFFERED, repo::EXPIRED, None, now).await? {
            if held {
                trainyard_store::enrollments::release_hold(&mut tx, session_id).await?;
                crate::enrollment::promote_freed(app, &mut tx, &system, session_id, now).await?;
            }
            report.expired += 1;
        }
        tx.commit().await?;
    }
    let today = trainyard_core::time::utc(now).date_naive();
    let until = (today + chrono::Duration::days(DEFAULT_DAYS)).to_string();
    let due = {
        let mut conn = app.store.read().await?;
        repo::due(&mut conn, &today.to_string(), &until, PER_RUN, now).await?
    };
    report.more = due.len() as i64 >= PER_RUN;
    for d in due {
        let mut tx = app.store.write().await?;
        let Some(session_id) = repo::next_session(
            &mut tx,
            d.course_id,
            Some(d.client_id),
            now,
            end_of(&d.expires_on)?,
            d.certificate_id,
        )
        .await?
        else {
            tx.rollback().await?;
            continue;
        };
        match offer_in(
            app,
            &mut tx,
            &system,
            d.certificate_id,
            d.learner_id,
            Some(d.client_id),
            session_id,
            now,
        )
        .await
        {
            Ok(Some(_)) => {
                tx.commit().await?;
                report.offered += 1;
            }
            Ok(None) => tx.rollback().await?,
            // The learner cannot be enrolled there (already enrolled, say): try again next run.
            Err(e @ (AppError::Refused(_) | AppError::NotFound(_))) => {
                tx.rollback().await?;
                tracing::info!(certificate = d.certificate_id, error = %e, "renewal seat not offered");
            }
            Err(e) => return Err(e),
        }
    }
    if report.offered > 0 {
        tracing::info!(offered = report.offered, "renewal seats offered");
    }
    Ok(report)
}

/// The offer behind a personal link: "not found" for an unknown link or another offer's.
pub async fn open_link(app: &App, id: i64, secret: &str) -> Result<RenewalOffer, AppError> {
    let hash = link_hash(secret).ok_or(AppError::NotFound("renewal offer"))?;
    let mut conn = app.store.read().await?;
    repo::by_link(&mut conn, id, &hash)
        .await?
        .ok_or(AppError::NotFound("renewal offer"))
}

fn answered(o: &RenewalOffer) -> AppError {
    AppError::refused(match o.status.as_str() {
        repo::ACCEPTED => "This renewal seat was already accepted with this link.".into(),
        repo::WAITLISTED => "You are already on the waitlist of this session.".into(),
        repo::DECLINED => "This renewal offer was declined.".into(),
        _ => "This renewal offer has expired: the session has started.".into(),
    })
}

/// Accepts the offer behind a personal link: the learner is enrolled (booked, or waitlisted
/// when the seat went meanwhile). Works once; audited.
pub async fn accept(app: &App, id: i64, secret: &str) -> Result<RenewalOffer, AppError> {
    answer(app, id, secret, true).await
}

/// Declines the offer behind a personal link. Audited.
pub async fn decline(app: &App, id: i64, secret: &str) -> Result<RenewalOffer, AppError> {
    answer(app, id, secret, false).await
}

async fn answer(app: &App, id: i64, secret: &str, yes: bool) -> Result<RenewalOffer, AppError> {
    let o = open_link(app, id, secret).await?;
    let mut learner = Caller::system();
    learner.name = format!("{} (renewal link)", o.learner_name);
    learner.role = Role::Learner;
    learner.learner_id = Some(o.learner_id);
    answer_offer(app, o, yes, &learner).await
}

/// Answers offer `o` (read before) as `actor`: the guarded move out of "offered", then the
/// enrollment when accepted, audited.
async fn answer_offer(
    app: &App,
    o: RenewalOffer,
    yes: bool,
    actor: &Caller,
) -> Result<RenewalOffer, AppError> {
    let id = o.id;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let to = if yes { repo::ACCEPTED } else { repo::DECLINED };
    // The guarded update is the first write: a second use (also a concurrent one) is refused.
    if o.starts_at <= now {
        return Err(answered(&RenewalOffer {
            status: repo::EXPIRED.into(),
            ..o
        }));
    }
    if o.status == repo::OFFERED && o.expires_at.is_some_and(|e| e <= now) {
        return Err(AppError::Refused(
            "This renewal offer has lapsed: it was not answered within 7 days.".into(),
        ));
    }
    if !repo::settle(&mut tx, id, repo::OFFERED, to, None, now).await? {
        let current = repo::get(&mut tx, id).await?;
        return Err(answered(&current));
    }
    if o.held {
        // The held seat is given back in this transaction, which keeps the session row locked:
        // accepting takes it at once; declining gives it to the waitlist.
        trainyard_store::enrollments::release_hold(&mut tx, o.session_id).await?;
        if !yes {
            crate::enrollment::promote_freed(app, &mut tx, &Caller::system(), o.session_id, now)
                .await?;
        }
    }
    if yes {
        // Enrolled as the system would: the offer stands for the coordinator's invitation.
        let e = crate::enrollment::enroll_in(
            app,
            &mut tx,
            &Caller::system(),
            o.session_id,
            o.learner_id,
            0,
            now,
        )
        .await?;
        let status = if e.status == EnrollmentStatus::Booked {
            repo::ACCEPTED
        } else {
            repo::WAITLISTED
        };
        repo::settle(&mut tx, id, repo::ACCEPTED, status, Some(e.id), now).await?;
    }
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        actor,
        now,
        if yes {
            "renewal.accepted"
        } else {
            "renewal.declined"
        },
        ("renewal_offer", id),
        Some(&o),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The learner's own offers still to answer, for their portal: soonest session first. A learner
/// account without a learner profile has none; other callers are refused.
pub async fn my_offers(app: &App, caller: &Caller) -> Result<Vec<LearnerOffer>, AppError> {
    let learner_id = match (caller.role, caller.learner_id) {
        (Role::Learner, Some(id)) => id,
        (Role::Learner, None) => return Ok(Vec::new()),
        _ => return Err(AppError::Forbidden("see a learner's renewal offers".into())),
    };
    let mut conn = app.store.read().await?;
    Ok(repo::open_of_learner(&mut conn, learner_id, now_ms()).await?)
}

/// Accepts (`yes`) or declines one of the caller's own offers from their portal: the same as
/// the e-mail link. Another learner's offer, or anyone else's call, is "not found".
pub async fn answer_as_learner(
    app: &App,
    caller: &Caller,
    id: i64,
    yes: bool,
) -> Result<RenewalOffer, AppError> {
    let o = {
        let mut conn = app.store.read().await?;
        repo::get(&mut conn, id).await.about("renewal offer")?
    };
    match (caller.role, caller.learner_id) {
        (Role::Learner, Some(l)) if l == o.learner_id => answer_offer(app, o, yes, caller).await,
        _ => Err(AppError::NotFound("renewal offer")),
    }
}

/// Days the list may cover.
pub fn days_of(raw: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|d| (0..=3650).contains(d))
        .map(Some)
        .ok_or(AppError::BadParameter {
            name: "days",
            message: format!(
                "'{}' is not a number of days between 0 and 3650",
                raw.chars().take(20).collect::<String>()
            ),
        })
}

/// The demo: the first client with a learner whose certificate expires within 90 days offers
/// renewals, and its due certificates are offered a seat now; the demo learner (who signs in,
/// `demo_learner`) is offered one for each of theirs, as a coordinator would by hand, so their
/// portal shows it (in the seeding transaction). Returns how many offers it made.
pub(crate) async fn seed_demo(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    now: i64,
    demo_learner: Option<i64>,
) -> Result<usize, AppError> {
    let mut n = seed_client_offers(app, tx, caller, now).await?;
    let Some(me) = demo_learner else {
        return Ok(n);
    };
    let today = trainyard_core::time::utc(now).date_naive();
    let until = (today + chrono::Duration::days(DEFAULT_DAYS)).to_string();
    let learner = learners::get(tx, me).await?;
    let f = certificates::CertificateFilter {
        expiring_before: until,
        learner_id: Some(me),
        ..Default::default()
    };
    for cert in certificates::list(tx, &f, &today.to_string()).await?.items {
        let Some(expires_on) = cert.expires_on.as_deref() else {
            continue;
        };
        if cert.status != trainyard_core::certificate::Standing::Valid {
            continue;
        }
        let renew_with = repo::renewal_course(tx, cert.course_id).await?;
        let Some(session_id) = repo::next_session(
            tx,
            renew_with,
            learner.client_id,
            now,
            end_of(expires_on)?,
            cert.id,
        )
        .await?
        else {
            continue;
        };
        if trainyard_store::enrollments::find(tx, session_id, me)
            .await?
            .is_some()
        {
            continue;
        }
        if offer_in(
            app,
            tx,
            caller,
            cert.id,
            me,
            learner.client_id,
            session_id,
            now,
        )
        .await?
        .is_some()
        {
            return Ok(n + 1);
        }
    }
    // None of theirs can be renewed in time: a certificate recorded from before Trainyard that
    // expires ten days after an upcoming public session, offered in that session.
    let Some((session_id, course_id, starts_at)) =
        repo::demo_renewable_session(tx, me, now + 2 * 86_400_000, now + 60 * 86_400_000).await?
    else {
        return Ok(n);
    };
    let course = trainyard_store::courses::get(tx, course_id).await?;
    let expires = trainyard_core::time::utc(starts_at + 10 * 86_400_000).date_naive();
    let issued = expires
        .checked_sub_months(chrono::Months::new(24))
        .unwrap_or(today);
    let mut bytes = [0u8; trainyard_core::certificate::CODE_LEN];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = ((now >> (i % 8 * 5)) as u8) ^ (i as u8).wrapping_mul(37) ^ (me as u8);
    }
    let code = trainyard_core::certificate::code_from_bytes(&bytes);
    let name = format!("{} {}", learner.first_name, learner.last_name);
    let cert_name = course
        .certificate_name
        .clone()
        .unwrap_or_else(|| format!("{} certificate", course.title));
    let Some(cert) = certificates::insert(
        tx,
        &certificates::NewCertificate {
            code: &code,
            enrollment_id: None,
            learner_id: me,
            course_id,
            session_id: None,
            client_id: learner.client_id,
            learner_name: &name,
            course_title: &course.title,
            certificate_name: &cert_name,
            instructor_name: "",
            issued_on: &issued.to_string(),
            expires_on: Some(&expires.to_string()),
            issued_by: None,
        },
        now,
    )
    .await?
    else {
        return Ok(n);
    };
    if offer_in(
        app,
        tx,
        caller,
        cert,
        me,
        learner.client_id,
        session_id,
        now,
    )
    .await?
    .is_some()
    {
        n += 1;
    }
    Ok(n)
}

async fn seed_client_offers(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    now: i64,
) -> Result<usize, AppError> {
    let today = trainyard_core::time::utc(now).date_naive();
    let until = (today + chrono::Duration::days(DEFAULT_DAYS)).to_string();
    let expiring: Vec<(i64, i64)> = {
        let f = certificates::CertificateFilter {
            expiring_before: until.clone(),
            ..Default::default()
        };
        let mut out = Vec::new();
        for c in certificates::list(tx, &f, &today.to_string()).await?.items {
            let l = learners::get(tx, c.learner_id).await?;
            if let Some(client) = l.client_id {
                out.push((client, c.id));
            }
        }
        out
    };
    let Some(&(client, _)) = expiring.first() else {
        return Ok(0);
    };
    repo::set_offers_renewals(tx, client, true, now).await?;
    let mut n = 0;
    for d in repo::due(tx, &today.to_string(), &until, PER_RUN, now).await? {
        if d.client_id != client {
            continue;
        }
        let Some(session_id) = repo::next_session(
            tx,
            d.course_id,
            Some(client),
            now,
            end_of(&d.expires_on)?,
            d.certificate_id,
        )
        .await?
        else {
            continue;
        };
        if trainyard_store::enrollments::find(tx, session_id, d.learner_id)
            .await?
            .is_some()
        {
            continue;
        }
        if offer_in(
            app,
            tx,
            caller,
            d.certificate_id,
            d.learner_id,
            Some(client),
            session_id,
            now,
        )
        .await?
        .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}
