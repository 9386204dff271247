//! Quotes: a handful for the demo company's clients, through the quote use cases: one draft, one
//! sent and waiting for Acme's answer, one accepted (with its program and draft sessions), one
//! declined with a reason, and one that expired unanswered.

use super::Seed;
use crate::quotes::{QuoteFields, accept_in, create_draft_in, decline_in, expire_due_in, send_in};
use crate::{AppError, Caller};
use chrono::{Datelike, Duration};
use trainyard_core::Role;
use trainyard_core::quote::QuoteLineFields;
use trainyard_store::Conn;

fn line(
    course: i64,
    sessions: &str,
    pricing: &str,
    price: &str,
    seats: &str,
    discount: &str,
) -> QuoteLineFields {
    QuoteLineFields {
        course_id: Some(course),
        description: String::new(),
        sessions: sessions.into(),
        pricing: pricing.into(),
        unit_price: price.into(),
        seats: seats.into(),
        discount: discount.into(),
        tax_rate: "19".into(),
    }
}

/// The client's contact, as the portal would act for them.
fn contact_of(client: i64) -> Caller {
    Caller {
        name: "Client contact".into(),
        role: Role::ClientContact,
        client_id: Some(client),
        ..Caller::system()
    }
}

/// Returns how many quotes were written.
pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    course_ids: &[i64],
    client_ids: &[(i64, &'static str)],
) -> Result<usize, AppError> {
    let (Some(&a), Some(&b)) = (course_ids.first(), course_ids.get(1)) else {
        return Ok(0);
    };
    let third = course_ids.get(2).copied().unwrap_or(a);
    let acme = client_ids[0].0;
    let other = client_ids.get(1).map_or(acme, |c| c.0);
    let today = s.today;
    let system = s.system.clone();
    let quote =
        |client: i64, title: &str, valid: i64, start: Option<i64>, lines: Vec<QuoteLineFields>| {
            QuoteFields {
                client_id: Some(client),
                title: title.into(),
                currency: String::new(),
                valid_until: Some((today + Duration::days(valid)).to_string()),
                start_week: start.map(|d| (today + Duration::days(d)).to_string()),
                notes: String::new(),
                lines,
            }
        };

    // Expired: sent six weeks ago, valid for a month, never answered.
    let then = today - Duration::days(45);
    let f = QuoteFields {
        valid_until: Some((then + Duration::days(30)).to_string()),
        ..quote(
            other,
            "Excel refresher for the finance team",
            0,
            None,
            vec![line(b, "2", "per_session", "1800", "", "")],
        )
    };
    let d = create_draft_in(c, &system, &f, s.now, then).await?;
    send_in(&s.app, c, &system, d.quote.id, d.quote.version, s.now, then).await?;
    expire_due_in(c, &system, s.now, today).await?;

    // Declined: the budget went elsewhere.
    let d = create_draft_in(
        c,
        &system,
        &quote(
            acme,
            "Presentation skills, spring cohort",
            30,
            Some(60),
            vec![line(third, "1", "per_seat", "690", "12", "5")],
        ),
        s.now,
        today,
    )
    .await?;
    let sent = send_in(
        &s.app,
        c,
        &system,
        d.quote.id,
        d.quote.version,
        s.now,
        today,
    )
    .await?;
    decline_in(
        c,
        &contact_of(acme),
        sent.quote.id,
        sent.quote.version,
        "The budget for this year went to the leadership programme.",
        s.now,
        today,
    )
    .await?;

    // Accepted: the leadership programme, now a program with its draft sessions (four weeks from
    // a start week that keeps New Year's Day out).
    let mut start = 35;
    let new_year_in_range = |start: i64| {
        let day = today + Duration::days(start);
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        (0..28).any(|k| (monday + Duration::days(k)).ordinal() == 1)
    };
    while new_year_in_range(start) {
        start += 7;
    }
    let d = create_draft_in(
        c,
        &system,
        &quote(
            acme,
            "Leadership programme 2027",
            30,
            Some(start),
            vec![
                line(a, "3", "per_session", "2400", "10", "10"),
                line(b, "1", "per_seat", "490", "10", ""),
            ],
        ),
        s.now,
        today,
    )
    .await?;
    let sent = send_in(
        &s.app,
        c,
        &system,
        d.quote.id,
        d.quote.version,
        s.now,
        today,
    )
    .await?;
    accept_in(
        c,
        &contact_of(acme),
        sent.quote.id,
        sent.quote.version,
        s.now,
        today,
    )
    .await?;

    // Sent: waiting for Acme's answer in their portal.
    let d = create_draft_in(
        c,
        &system,
        &quote(
            acme,
            "Agile coaching for two teams",
            21,
            Some(70),
            vec![line(b, "2", "per_session", "2100", "8", "")],
        ),
        s.now,
        today,
    )
    .await?;
    send_in(
        &s.app,
        c,
        &system,
        d.quote.id,
        d.quote.version,
        s.now,
        today,
    )
    .await?;

    // Draft: still being written by finance.
    create_draft_in(
        c,
        &system,
        &quote(
            other,
            "Compliance basics, all staff",
            30,
            None,
            vec![line(third, "4", "per_seat", "350", "15", "10")],
        ),
        s.now,
        today,
    )
    .await?;
    Ok(5)
}
