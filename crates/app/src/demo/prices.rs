//! Prices and agreements for the demo company: tax rates for Germany, the UK and Switzerland (the
//! company in DE), a year of monthly GBP, CHF and USD rates, CHF and GBP prices for a few courses,
//! and three agreements: prepaid seats (some already drawn by enrollments), monthly consolidated
//! billing with a discount, and negotiated rates.

use super::{Seed, bad};
use crate::AppError;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::json;
use trainyard_core::money::{Currency, Money};
use trainyard_core::pricing::{AgreementFields, ExchangeRate, PriceInput};
use trainyard_store::prices::{self as repo, FinanceSettings};
use trainyard_store::{Conn, agreements, sessions};

fn cur(code: &str) -> Result<Currency, AppError> {
    Currency::parse(code).map_err(bad)
}

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, AppError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| bad("no such day"))
}

pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    course_ids: &[i64],
    client_ids: &[(i64, &'static str)],
    learners: &[(i64, Option<usize>)],
) -> Result<usize, AppError> {
    // Tax rates by region; the company is in Germany.
    for (region, name, bp, from) in [
        ("DE", "Germany VAT", 1900, day(2007, 1, 1)?),
        ("GB", "United Kingdom VAT", 2000, day(2011, 1, 4)?),
        ("CH", "Switzerland VAT", 770, day(2018, 1, 1)?),
        ("CH", "Switzerland VAT", 810, day(2024, 1, 1)?),
    ] {
        repo::set_tax_rate(c, region, name, bp, from, s.now).await?;
    }
    repo::set_settings(
        c,
        &FinanceSettings {
            base_currency: Currency::EUR,
            tax_region: Some("DE".into()),
        },
        s.now,
    )
    .await?;
    s.created(
        c,
        "finance_settings",
        1,
        json!({ "base_currency": "EUR", "tax_region": "DE", "tax_rates": ["DE 19", "GB 20", "CH 7.7 (2018)", "CH 8.1 (2024)"] }),
    )
    .await?;
    // Hooli is billed from London; the third client from Zurich.
    if let Some((hooli, _)) = client_ids.get(1) {
        repo::set_client_tax_region(c, *hooli, Some("GB"), s.now).await?;
    }
    if let Some((swiss, _)) = client_ids.get(2) {
        repo::set_client_tax_region(c, *swiss, Some("CH"), s.now).await?;
    }

    // A year of monthly exchange rates to EUR, moving a little.
    let first = s.today.with_day(1).unwrap_or(s.today);
    let mut n_rates = 0;
    for back in 0..12 {
        let on = (first - Duration::days(30 * back))
            .with_day(1)
            .unwrap_or(first);
        let wiggle = (back * 37 % 11) - 5;
        for (code, base) in [("GBP", 1_170_000), ("CHF", 1_060_000), ("USD", 920_000)] {
            repo::set_exchange_rate(
                c,
                &ExchangeRate {
                    currency: cur(code)?,
                    on,
                    rate_micro: base + wiggle * 2_500,
                },
                s.now,
            )
            .await?;
            n_rates += 1;
        }
    }

    // CHF and GBP seat prices for the first courses.
    for (i, course) in course_ids.iter().take(6).enumerate() {
        let eur = trainyard_store::courses::get(c, *course).await?.list_price;
        for (code, per_mille) in [("CHF", 960), ("GBP", 860)] {
            let minor = (eur.minor * per_mille / 1000) / 1000 * 1000;
            let currency = cur(code)?;
            let input = PriceInput {
                currency,
                seat: Some(Money::new(minor, currency)),
                day: (i % 2 == 0).then(|| Money::new(150_000 * per_mille / 1000, currency)),
                flat: None,
            };
            repo::set_course_price(c, *course, &input, s.now).await?;
        }
    }

    // Three agreements.
    let start = (s.today - Duration::days(200)).to_string();
    let end = (s.today + Duration::days(365)).to_string();
    let mut made = Vec::new();
    for (k, reference, discount, mode, notes) in [
        (
            0usize,
            "ACME-PREPAID",
            "",
            "per_enrollment",
            "30 prepaid seats bought up front for the onboarding programme.",
        ),
        (
            1,
            "HOOLI-FRAMEWORK",
            "5",
            "monthly",
            "Framework agreement: one consolidated invoice a month, 5 % off list prices.",
        ),
        (
            2,
            "INITECH-2027",
            "10",
            "per_enrollment",
            "10 % off list prices; negotiated seat rates for two courses.",
        ),
    ] {
        let Some((client, _)) = client_ids.get(k) else {
            continue;
        };
        let input = AgreementFields {
            client_id: client.to_string(),
            reference: reference.into(),
            valid_from: start.clone(),
            valid_to: end.clone(),
            discount: discount.into(),
            billing_mode: mode.into(),
            notes: notes.into(),
        }
        .validate()
        .map_err(bad)?;
        let id = agreements::insert(c, &input, s.now).await?;
        let after = agreements::get(c, id).await?;
        s.created(
            c,
            "agreement",
            id,
            serde_json::to_value(&after).map_err(bad)?,
        )
        .await?;
        made.push((k, id));
    }
    for (k, id) in &made {
        match k {
            0 => {
                crate::agreements::top_up_in(c, &s.system, *id, 25, None, "PO 2026-118", s.now)
                    .await?;
                if let Some(course) = course_ids.first() {
                    crate::agreements::top_up_in(
                        c,
                        &s.system,
                        *id,
                        5,
                        Some(*course),
                        "PO 2026-131",
                        s.now,
                    )
                    .await?;
                }
            }
            2 => {
                for course in course_ids.iter().take(2) {
                    let eur = trainyard_store::courses::get(c, *course).await?.list_price;
                    let input = PriceInput {
                        currency: Currency::EUR,
                        seat: Some(Money::new(eur.minor * 80 / 100 / 100 * 100, Currency::EUR)),
                        day: None,
                        flat: None,
                    };
                    agreements::set_rate(c, *id, *course, &input, s.now).await?;
                }
            }
            _ => {}
        }
    }

    // The prepaid client's people enroll in upcoming public sessions through the enrollment use
    // case: each enrollment draws a seat, so the ledger has something to explain.
    let Some((acme, _)) = client_ids.first() else {
        return Ok(n_rates);
    };
    let mut filter = sessions::SessionFilter {
        from: (s.today + Duration::days(7)).to_string(),
        visibility: "public".into(),
        status: "scheduled".into(),
        ..Default::default()
    };
    filter.list.per_page = 12;
    let upcoming = sessions::list(c, &filter).await?;
    let people: Vec<i64> = learners
        .iter()
        .filter(|(_, client)| *client == Some(0))
        .map(|(id, _)| *id)
        .skip(40)
        .take(8)
        .collect();
    let _ = acme;
    for (i, learner) in people.iter().enumerate() {
        let Some(session) = upcoming.items.get(i % upcoming.items.len().max(1)) else {
            break;
        };
        if session.booked_count >= session.capacity {
            continue;
        }
        match crate::enrollment::enroll_in(&s.app, c, &s.system, session.id, *learner, 0, s.now)
            .await
        {
            Ok(_) | Err(AppError::Refused(_)) => {}
            Err(e) => return Err(e),
        }
    }

    // The cancellation policy: the company's default, and Hooli's framework agreement with a
    // longer free period. One of Hooli's people cancels ten days ahead: half the seat price is
    // the fee the next monthly run bills.
    let standard = trainyard_core::cancellation::Policy::parse("14:0, 7:50, 0:100").map_err(bad)?;
    crate::cancellation::set_policy_in(c, &s.system, None, Some(&standard), s.now).await?;
    let hooli_agreement = made.iter().find(|(k, _)| *k == 1).map(|(_, id)| *id);
    if let Some(id) = hooli_agreement {
        let framework =
            trainyard_core::cancellation::Policy::parse("21:0, 10:50, 0:100").map_err(bad)?;
        crate::cancellation::set_policy_in(c, &s.system, Some(id), Some(&framework), s.now).await?;
    }
    let window = (s.now + 9 * 86_400_000, s.now + 12 * 86_400_000);
    let soon = upcoming
        .items
        .iter()
        .find(|x| x.starts_at >= window.0 && x.starts_at < window.1 && x.booked_count < x.capacity);
    let hooli_person = learners
        .iter()
        .filter(|(_, client)| *client == Some(1))
        .map(|(id, _)| *id)
        .nth(30);
    if let (Some(session), Some(learner)) = (soon, hooli_person)
        && let Ok(e) =
            crate::enrollment::enroll_in(&s.app, c, &s.system, session.id, learner, 0, s.now).await
    {
        crate::enrollment::cancel_in(&s.app, c, &s.system, e.id, e.version, s.now).await?;
    }
    Ok(n_rates)
}
