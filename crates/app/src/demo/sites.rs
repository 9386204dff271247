//! Venues, travel times between them, rooms, pooled equipment and virtual-platform licences.

use super::{Seed, bad};
use crate::AppError;
use serde_json::json;
use trainyard_core::records::{ResourceFields, VenueFields};
use trainyard_store::{Conn, resources, venues};

pub(super) struct Sites {
    /// (id, IANA zone) per venue: Berlin, Munich, London.
    pub venues: Vec<(i64, &'static str)>,
    /// (id, venue index, seats) per room.
    pub rooms: Vec<(i64, usize, i64)>,
    /// Virtual-platform licence pools.
    pub platforms: Vec<i64>,
}

const VENUES: [(&str, &str, &str, &str, &str, &str); 3] = [
    (
        "BER",
        "Berlin Training Centre",
        "Friedrichstraße 120",
        "Berlin",
        "DE",
        "Europe/Berlin",
    ),
    (
        "MUC",
        "Munich Campus",
        "Leopoldstraße 45",
        "Munich",
        "DE",
        "Europe/Berlin",
    ),
    (
        "LON",
        "London Learning Hub",
        "12 Finsbury Square",
        "London",
        "GB",
        "Europe/London",
    ),
];

pub(super) async fn seed(c: &mut Conn, s: &mut Seed) -> Result<Sites, AppError> {
    let now = s.now;
    let mut venue_ids = Vec::new();
    for (code, name, address, city, country, tz) in VENUES {
        let input = VenueFields {
            code: code.into(),
            name: name.into(),
            address: address.into(),
            city: city.into(),
            country: country.into(),
            time_zone: tz.into(),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = venues::insert(c, &input, now).await?;
        s.created(c, "venue", id, json!({ "code": code, "name": name }))
            .await?;
        venue_ids.push((id, tz));
    }
    for (a, b, minutes) in [(0, 1, 330), (0, 2, 240), (1, 2, 210)] {
        for (from, to) in [(a, b), (b, a)] {
            venues::set_travel_time(c, venue_ids[from].0, venue_ids[to].0, minutes).await?;
        }
    }

    // Rooms (4 per venue).
    let mut rooms = Vec::new();
    let room_names = [
        "Spree", "Havel", "Elbe", "Rhein", "Isar", "Lech", "Inn", "Donau", "Thames", "Severn",
        "Avon", "Trent",
    ];
    for (i, name) in room_names.iter().enumerate() {
        let venue = i / 4;
        let seats = [8, 12, 16, 24][i % 4];
        let features = match i % 4 {
            0 => "projector, whiteboard",
            1 => "projector, flipchart, whiteboard",
            2 => "projector, flipchart, whiteboard, first-aid-kit",
            _ => "projector, flipchart, whiteboard, video-conference",
        };
        let input = ResourceFields {
            kind: "room".into(),
            code: format!("{}-{}", VENUES[venue].0, name.to_uppercase()),
            name: format!("{name} room"),
            venue_id: venue_ids[venue].0.to_string(),
            seats: seats.to_string(),
            quantity: String::new(),
            features: features.into(),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = resources::insert(c, &input, now).await?;
        s.created(
            c,
            "resource",
            id,
            json!({ "code": input.code, "kind": "room" }),
        )
        .await?;
        rooms.push((id, venue, seats));
    }

    // Pooled equipment, virtual-platform licences and materials.
    let mut platforms = Vec::new();
    for (kind, code, name, venue, qty) in [
        (
            "equipment",
            "LAPTOPS-BER",
            "Training laptops (Berlin)",
            Some(0),
            30,
        ),
        (
            "equipment",
            "LAPTOPS-MUC",
            "Training laptops (Munich)",
            Some(1),
            20,
        ),
        ("equipment", "PROJ-MOBILE", "Mobile projectors", None, 4),
        ("platform", "ZOOM", "Zoom licences", None, 3),
        ("platform", "TEAMS", "Teams Live licences", None, 2),
        ("material", "WORKBOOKS", "Printed workbooks", None, 500),
    ] {
        let input = ResourceFields {
            kind: kind.into(),
            code: code.into(),
            name: name.into(),
            venue_id: venue
                .map(|v: usize| venue_ids[v].0.to_string())
                .unwrap_or_default(),
            seats: String::new(),
            quantity: qty.to_string(),
            features: String::new(),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = resources::insert(c, &input, now).await?;
        s.created(c, "resource", id, json!({ "code": code, "kind": kind }))
            .await?;
        if kind == "platform" {
            platforms.push(id);
        }
    }
    Ok(Sites {
        venues: venue_ids,
        rooms,
        platforms,
    })
}
