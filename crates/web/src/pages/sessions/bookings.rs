//! A session's rooms, equipment and platforms: the panel on its page and booking, confirming and
//! releasing them.

use super::panels::{InlineForm, Panel, PanelRow};
use crate::AppState;
use crate::pages::{Submit, VersionForm, saved};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use trainyard_app::Caller;
use trainyard_app::schedule::roster;
use trainyard_app::sites::resources;
use trainyard_app::store::sessions::Session;

/// Booking, confirming and releasing resources.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/bookings", post(book))
        .route(
            "/sessions/{id}/bookings/{resource_id}/confirm",
            post(confirm_booking),
        )
        .route(
            "/sessions/{id}/bookings/{resource_id}/release",
            post(release),
        )
}

/// What the session has booked, one row per resource, and the form to book more.
pub(super) async fn bookings_panel(
    s: &AppState,
    c: &Caller,
    x: &Session,
    r: &roster::Roster,
    edit: bool,
) -> Panel {
    let mut all_res = trainyard_app::store::resources::ResourceFilter::default();
    all_res.list.export = true;
    let resource_choices: Vec<(String, String)> = resources::list(&s.app, c, &all_res)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|res| {
                    x.venue_id.is_none() || res.venue_id.is_none() || res.venue_id == x.venue_id
                })
                .map(|res| {
                    (
                        res.id.to_string(),
                        format!("{} ({})", res.name, res.kind.label()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // One row per booked resource: its parts share status and quantity.
    let mut booked: Vec<(i64, &trainyard_app::store::bookings::Booking, usize, bool)> = Vec::new();
    for b in &r.bookings {
        match booked.iter_mut().find(|(id, ..)| *id == b.resource_id) {
            Some(entry) => {
                entry.2 += 1;
                entry.3 &= b.status == trainyard_core::status::BookingStatus::Confirmed;
            }
            None => booked.push((
                b.resource_id,
                b,
                1,
                b.status == trainyard_core::status::BookingStatus::Confirmed,
            )),
        }
    }
    let booking_rows = booked
        .iter()
        .map(|(rid, b, n, confirmed)| {
            let mut actions = Vec::new();
            if edit {
                if !confirmed {
                    let mut a = Action::post(
                        "Confirm",
                        format!("/sessions/{}/bookings/{rid}/confirm", x.id),
                        None,
                    );
                    a.primary = true;
                    actions.push(a);
                }
                actions.push(Action::post(
                    "Release",
                    format!("/sessions/{}/bookings/{rid}/release", x.id),
                    Some("Release this booking?"),
                ));
            }
            PanelRow {
                href: format!("/resources/{rid}"),
                cells: vec![
                    Cell::text(&b.resource_name),
                    Cell::text(
                        trainyard_core::status::ResourceKind::parse(&b.resource_kind)
                            .map(|k| k.label())
                            .unwrap_or("Resource"),
                    ),
                    Cell::num(b.quantity),
                    Cell::num(format!("{n} part(s)")),
                    if *confirmed {
                        Cell::badge("Confirmed", "confirmed")
                    } else {
                        Cell::badge("Tentative", "tentative")
                    },
                ],
                version: 0,
                actions,
                substitute: None,
            }
        })
        .collect();
    Panel {
        id: "bookings",
        title: format!(
            "{} ({})",
            crate::i18n::Tr::for_request().t("import-kind-rooms"),
            booked.len()
        ),
        columns: vec!["Resource", "Kind", "Quantity", "Covers", "Status"],
        rows: booking_rows,
        empty: {
            let tr = crate::i18n::Tr::for_request();
            if x.status == trainyard_core::status::SessionStatus::Cancelled {
                tr.t("bookings-released").into()
            } else {
                tr.t("bookings-none").into()
            }
        },
        form: edit.then(|| InlineForm {
            action: format!("/sessions/{}/bookings", x.id),
            fields: vec![
                Field::new("resource_id", "Resource", "select", "").choices(resource_choices, None),
                Field::new("quantity", "Quantity", "text", "1"),
                Field::new("confirm", "Confirm now", "checkbox", "true"),
            ],
            submit: "Book",
            link: Some((
                "Find a room →".into(),
                format!("/sessions/{}/candidates#rooms", x.id),
            )),
        }),
        override_allowed: false,
        refusal: None,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct BookForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    resource_id: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    quantity: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::flag")]
    confirm: bool,
}

async fn book(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<BookForm>,
) -> Response {
    match trainyard_app::staffing::book(&s.app, &c, id, f.resource_id, f.quantity.max(1), f.confirm)
        .await
    {
        Ok(_) => saved(
            &format!("/sessions/{id}#bookings"),
            if f.confirm {
                "Booked and confirmed."
            } else {
                "Booked tentatively."
            },
        ),
        Err(e) => {
            let typed = [
                ("resource_id", f.resource_id.to_string()),
                ("quantity", f.quantity.max(1).to_string()),
                ("confirm", if f.confirm { "true" } else { "" }.to_owned()),
            ];
            super::refused::refused(&s, &c, id, "bookings", &typed, e).await
        }
    }
}

async fn confirm_booking(
    State(s): State<AppState>,
    Path((id, resource_id)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<VersionForm>,
) -> Response {
    match trainyard_app::staffing::confirm_booking(&s.app, &c, id, resource_id).await {
        Ok(_) => saved(&format!("/sessions/{id}#bookings"), "Booking confirmed."),
        Err(e) => super::refused::refused(&s, &c, id, "bookings", &[], e).await,
    }
}

async fn release(
    State(s): State<AppState>,
    Path((id, resource_id)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<VersionForm>,
) -> Response {
    match trainyard_app::staffing::release(&s.app, &c, id, resource_id).await {
        Ok(()) => saved(&format!("/sessions/{id}#bookings"), "Booking released."),
        Err(e) => super::refused::refused(&s, &c, id, "bookings", &[], e).await,
    }
}
