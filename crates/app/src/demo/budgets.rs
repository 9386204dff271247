//! Budgets: the three programs' budgets, a client's budget for the year, two cost centres tagged
//! on programs, and one small cost-centre budget that is over its alert threshold (so the
//! dashboard and the budgets page have an alert to show). Through the budget use cases.

use super::Seed;
use crate::AppError;
use crate::budgets::{CostCentreFields, create_budget_in, create_cost_centre_in};
use crate::costs::{LineFields, add_line_in};
use trainyard_core::budget::BudgetFields;
use trainyard_store::Conn;
use trainyard_store::budgets as repo;

pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    client_ids: &[(i64, &'static str)],
) -> Result<(), AppError> {
    let who = s.system.clone();
    let mut ccs = Vec::new();
    for (code, name) in [
        ("CC-ACADEMY", "Corporate academy"),
        ("CC-SALES", "Sales enablement"),
    ] {
        let cc = create_cost_centre_in(
            c,
            &who,
            &CostCentreFields {
                code: code.into(),
                name: name.into(),
            },
            s.now,
        )
        .await?;
        ccs.push(cc.id);
    }
    let mut f = trainyard_store::programs::ProgramFilter::default();
    f.list.export = true;
    let programs = trainyard_store::programs::list(c, &f).await?.items;
    let month = |d: &Option<String>, or: &str| {
        d.as_deref()
            .and_then(|d| d.get(..7))
            .unwrap_or(or)
            .to_owned()
    };
    let this_year = s.today.format("%Y").to_string();
    for (k, p) in programs.iter().enumerate() {
        if let Some(cc) = ccs.get(k) {
            repo::tag(c, Some(*cc), &[p.id], &[], s.now).await?;
        }
        let Some(budget) = p.budget.filter(|b| b.minor > 0) else {
            continue;
        };
        create_budget_in(
            c,
            &who,
            &BudgetFields {
                scope: "program".into(),
                target_id: Some(p.id),
                name: p.name.clone(),
                from_month: month(&p.starts_on, &format!("{this_year}-01")),
                to_month: month(&p.ends_on, &format!("{this_year}-12")),
                amount: budget.amount_string(),
                currency: budget.currency.to_string(),
                threshold_percent: 90,
            },
            s.now,
        )
        .await?;
    }
    if let Some((client, name)) = client_ids.first() {
        create_budget_in(
            c,
            &who,
            &BudgetFields {
                scope: "client".into(),
                target_id: Some(*client),
                name: format!("{name} training {this_year}"),
                from_month: format!("{this_year}-01"),
                to_month: format!("{this_year}-12"),
                amount: "60000".into(),
                currency: "EUR".into(),
                threshold_percent: 85,
            },
            s.now,
        )
        .await?;
    }
    // The academy's extras over the academy program's months: small, and over its threshold.
    if let (Some(cc), Some(p)) = (ccs.first(), programs.first()) {
        let d = create_budget_in(
            c,
            &who,
            &BudgetFields {
                scope: "cost_centre".into(),
                target_id: Some(*cc),
                name: "Academy extras".into(),
                from_month: month(&p.starts_on, &format!("{this_year}-01")),
                to_month: month(&p.ends_on, &format!("{this_year}-12")),
                amount: "1500".into(),
                currency: "EUR".into(),
                threshold_percent: 80,
            },
            s.now,
        )
        .await?;
        if !d.view.figures.over_threshold
            && let Some(first) = d.session_rows.first()
        {
            add_line_in(
                c,
                &who,
                first.session_id,
                &LineFields {
                    kind: "catering".into(),
                    description: "Academy launch event catering".into(),
                    amount: "1450".into(),
                    currency: "EUR".into(),
                    stage: "committed".into(),
                },
                s.now,
            )
            .await?;
        }
    }
    Ok(())
}
