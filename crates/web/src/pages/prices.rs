//! Finance pages for prices: a course's prices in other currencies, the tax rates by region and
//! the exchange rates (with the company's base currency and tax region), and a client's pricing
//! (tax region, agreements, prepaid seats). Finance, managers and admins only.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::prices::{
    self as uc, ClientTax, ExchangeRateFields, ExchangeRates, SettingsFields, TaxRateFields,
    TaxRates,
};
use trainyard_app::store::agreements::Agreement;
use trainyard_app::store::courses::Course;
use trainyard_app::store::prices::CoursePrice;
use trainyard_app::{AppError, Caller};
use trainyard_core::pricing::PriceFields;

pub fn course_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/courses/{id}/prices",
            get(course_prices_page).post(set_course_price),
        )
        .route(
            "/courses/{id}/prices/{currency}/remove",
            post(remove_course_price),
        )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/finance/rates", get(rates_page))
        .route("/finance/tax-rates", post(add_tax_rate))
        .route("/finance/exchange-rates", post(add_exchange_rate))
        .route("/finance/settings", post(save_settings))
        .route("/clients/{id}/pricing", get(client_pricing_page))
        .route("/clients/{id}/tax-region", post(set_tax_region))
}

fn shown(m: Option<trainyard_core::Money>) -> String {
    m.map(|m| m.to_string()).unwrap_or_else(|| "—".into())
}

/// The course page's "Prices" section: the base prices, then one row per other currency.
pub(crate) fn course_prices_section(co: &Course, prices: &[CoursePrice]) -> Section {
    let mut rows = vec![Row {
        href: String::new(),
        cells: vec![
            Cell::text(format!("{} (base)", co.list_price.currency)),
            Cell::num(co.list_price.to_string()),
            Cell::num(shown(co.day_rate)),
            Cell::num("—"),
        ],
    }];
    rows.extend(prices.iter().map(|p| Row {
        href: String::new(),
        cells: vec![
            Cell::text(p.currency.to_string()),
            Cell::num(shown(p.seat_price)),
            Cell::num(shown(p.day_price)),
            Cell::num(shown(p.flat_price)),
        ],
    }));
    Section {
        title: "Prices".into(),
        columns: vec![
            "Currency",
            "Seat (public)",
            "Private, per day",
            "Private, flat",
        ],
        rows,
        empty: String::new(),
    }
}

// ---------------------------------------------------------------- course prices

#[derive(Template, WebTemplate)]
#[template(path = "course_prices.html")]
struct CoursePricesPage {
    chrome: Chrome,
    course: Course,
    prices: Vec<CoursePrice>,
    form: PriceFields,
    problems: Vec<(String, String)>,
}

impl CoursePricesPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn problems(e: &AppError) -> Vec<(String, String)> {
    match e {
        AppError::Invalid(inv) => inv
            .errors
            .iter()
            .map(|f| (f.field.clone(), in_words(&f.field, &f.message)))
            .collect(),
        other => vec![(String::new(), other.to_string())],
    }
}

async fn course_prices_view(
    s: &AppState,
    c: &Caller,
    id: i64,
    flash: Option<String>,
    form: PriceFields,
    refused: Option<AppError>,
) -> Response {
    let course = match trainyard_app::catalog::courses::get(&s.app, c, id).await {
        Ok(co) => co,
        Err(e) => return error_page(e, Some(c)),
    };
    let prices = match uc::course_prices(&s.app, c, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(c)),
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        CoursePricesPage {
            chrome: Chrome::new(c, "courses", flash),
            course,
            prices,
            form,
            problems: refused.as_ref().map(problems).unwrap_or_default(),
        },
    )
        .into_response()
}

async fn course_prices_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    course_prices_view(&s, &c, id, flash, PriceFields::default(), None).await
}

async fn set_course_price(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<PriceFields>,
) -> Response {
    match uc::set_course_price(&s.app, &c, id, &form).await {
        Ok(_) => saved(
            &format!("/courses/{id}/prices"),
            &format!("Prices in {} saved.", form.currency.trim().to_uppercase()),
        ),
        Err(e @ AppError::Invalid(_)) => course_prices_view(&s, &c, id, None, form, Some(e)).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn remove_course_price(
    State(s): State<AppState>,
    Path((id, currency)): Path<(i64, String)>,
    Submit { caller: c, .. }: Submit<crate::pages::VersionForm>,
) -> Response {
    match uc::remove_course_price(&s.app, &c, id, &currency).await {
        Ok(_) => saved(
            &format!("/courses/{id}/prices"),
            &format!("Prices in {} removed.", currency.to_uppercase()),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ---------------------------------------------------------------- tax and exchange rates

#[derive(Template, WebTemplate)]
#[template(path = "finance_rates.html")]
struct RatesPage {
    chrome: Chrome,
    taxes: TaxRates,
    exchange: ExchangeRates,
    tax_form: TaxRateFields,
    rate_form: ExchangeRateFields,
    settings_form: SettingsFields,
    /// (which form, field, message)
    problems: Vec<(&'static str, String, String)>,
}

impl RatesPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn regions(&self) -> Vec<String> {
        let mut r: Vec<String> = self.taxes.rates.iter().map(|r| r.region.clone()).collect();
        r.dedup();
        r
    }
    fn is_company_region(&self, region: &str) -> bool {
        self.settings_form.tax_region == region
    }
}

#[derive(Default)]
struct RatesForms {
    tax: TaxRateFields,
    rate: ExchangeRateFields,
    settings: Option<SettingsFields>,
    problems: Vec<(&'static str, String, String)>,
}

async fn rates_view(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    forms: RatesForms,
) -> Response {
    let taxes = match uc::tax_rates(&s.app, c).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(c)),
    };
    let exchange = match uc::exchange_rates(&s.app, c, None).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(c)),
    };
    let settings_form = forms.settings.unwrap_or_else(|| SettingsFields {
        base_currency: taxes.settings.base_currency.to_string(),
        tax_region: taxes.settings.tax_region.clone().unwrap_or_default(),
    });
    let status = if forms.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        RatesPage {
            chrome: Chrome::new(c, "rates", flash),
            taxes,
            exchange,
            tax_form: forms.tax,
            rate_form: forms.rate,
            settings_form,
            problems: forms.problems,
        },
    )
        .into_response()
}

async fn rates_page(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    rates_view(&s, &c, flash, RatesForms::default()).await
}

fn tagged(which: &'static str, e: &AppError) -> Vec<(&'static str, String, String)> {
    problems(e)
        .into_iter()
        .map(|(f, m)| (which, f, m))
        .collect()
}

async fn add_tax_rate(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<TaxRateFields>,
) -> Response {
    match uc::set_tax_rate(&s.app, &c, &form).await {
        Ok(_) => saved("/finance/rates#tax", "Tax rate saved."),
        Err(e @ AppError::Invalid(_)) => {
            let problems = tagged("tax", &e);
            rates_view(
                &s,
                &c,
                None,
                RatesForms {
                    tax: form,
                    problems,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn add_exchange_rate(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<ExchangeRateFields>,
) -> Response {
    match uc::set_exchange_rate(&s.app, &c, &form).await {
        Ok(_) => saved("/finance/rates#exchange", "Exchange rate saved."),
        Err(e @ AppError::Invalid(_)) => {
            let problems = tagged("rate", &e);
            rates_view(
                &s,
                &c,
                None,
                RatesForms {
                    rate: form,
                    problems,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn save_settings(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<SettingsFields>,
) -> Response {
    match uc::set_settings(&s.app, &c, &form).await {
        Ok(_) => saved("/finance/rates", "Finance settings saved."),
        Err(e @ AppError::Invalid(_)) => {
            let problems = tagged("settings", &e);
            rates_view(
                &s,
                &c,
                None,
                RatesForms {
                    settings: Some(form),
                    problems,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

// ---------------------------------------------------------------- a client's pricing

#[derive(Template, WebTemplate)]
#[template(path = "client_pricing.html")]
struct ClientPricingPage {
    chrome: Chrome,
    client_id: i64,
    client_name: String,
    tax: ClientTax,
    regions: Vec<String>,
    agreements: Vec<Agreement>,
    error: Option<String>,
}

impl ClientPricingPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn is_region(&self, r: &str) -> bool {
        self.tax.tax_region.as_deref() == Some(r)
    }
}

async fn client_pricing_view(
    s: &AppState,
    c: &Caller,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
) -> Response {
    let client = match trainyard_app::people::clients::get(&s.app, c, id).await {
        Ok(cl) => cl,
        Err(e) => return error_page(e, Some(c)),
    };
    let loaded = async {
        let tax = uc::client_tax(&s.app, c, id).await?;
        let mut regions: Vec<String> = uc::tax_rates(&s.app, c)
            .await?
            .rates
            .into_iter()
            .map(|r| r.region)
            .collect();
        regions.dedup();
        let agreements = trainyard_app::agreements::of_client(&s.app, c, id).await?;
        Ok::<_, AppError>((tax, regions, agreements))
    }
    .await;
    let (tax, regions, agreements) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(c)),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        ClientPricingPage {
            chrome: Chrome::new(c, "clients", flash),
            client_id: id,
            client_name: client.name,
            tax,
            regions,
            agreements,
            error,
        },
    )
        .into_response()
}

async fn client_pricing_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    client_pricing_view(&s, &c, id, flash, None).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RegionForm {
    tax_region: String,
}

async fn set_tax_region(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<RegionForm>,
) -> Response {
    match uc::set_client_tax_region(&s.app, &c, id, &form.tax_region).await {
        Ok(_) => saved(&format!("/clients/{id}/pricing"), "Tax region saved."),
        Err(e @ AppError::Invalid(_)) => {
            client_pricing_view(&s, &c, id, None, Some(crate::error_page::said(&e))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
