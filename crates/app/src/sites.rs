//! Venues and the resources in them: rooms, pooled equipment, virtual-platform licences, materials.

pub mod venues {
    use crate::error::About;
    use crate::{App, AppError, Caller};
    use trainyard_core::records::VenueFields;
    use trainyard_store::Page;
    use trainyard_store::venues::{self as repo, VenueFilter};

    pub type Record = repo::Venue;

    crate::records::record_writes!(trainyard_store::venues, VenueFields, "venue", "venues");

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
        caller.require_staff("see venues")?;
        let mut conn = app.store.read().await?;
        repo::get(&mut conn, id).await.about("venue")
    }

    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &VenueFilter,
    ) -> Result<Page<Record>, AppError> {
        caller.require_staff("see venues")?;
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, filter).await?)
    }

    pub async fn options(app: &App, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
        caller.require_staff("see venues")?;
        let mut conn = app.store.read().await?;
        Ok(repo::options(&mut conn).await?)
    }
}

pub mod resources {
    use crate::error::About;
    use crate::{App, AppError, Caller};
    use trainyard_core::records::ResourceFields;
    use trainyard_store::Page;
    use trainyard_store::resources::{self as repo, ResourceFilter};

    pub type Record = repo::Resource;

    crate::records::record_writes!(
        trainyard_store::resources,
        ResourceFields,
        "resource",
        "resources"
    );

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
        caller.require_staff("see resources")?;
        let mut conn = app.store.read().await?;
        repo::get(&mut conn, id).await.about("resource")
    }

    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &ResourceFilter,
    ) -> Result<Page<Record>, AppError> {
        caller.require_staff("see resources")?;
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, filter).await?)
    }
}

/// Minutes an instructor needs between venues: every instructor check reads them.
pub mod travel {
    use crate::error::About;
    use crate::{App, AppError, Caller, now_ms};
    use trainyard_core::Invalid;
    use trainyard_store::venues::{self as repo, TravelTime};

    /// Travel from the venue to every other active venue, both ways.
    pub async fn of_venue(
        app: &App,
        caller: &Caller,
        venue_id: i64,
    ) -> Result<Vec<TravelTime>, AppError> {
        caller.require_staff("see venues")?;
        let mut conn = app.store.read().await?;
        repo::get(&mut conn, venue_id).await.about("venue")?;
        Ok(repo::travel_from(&mut conn, venue_id).await?)
    }

    /// Sets the minutes from the venue to each listed venue (`None` removes the entry). The way
    /// back takes the same minutes unless it was entered for itself.
    pub async fn set(
        app: &App,
        caller: &Caller,
        venue_id: i64,
        entries: &[(i64, Option<i64>)],
    ) -> Result<Vec<TravelTime>, AppError> {
        caller.require_operations("change travel times")?;
        let now = now_ms();
        let mut tx = app.store.write().await?;
        repo::get(&mut tx, venue_id).await.about("venue")?;
        let before = repo::travel_from(&mut tx, venue_id).await?;
        let mut inv = Invalid::new();
        for (i, (to, minutes)) in entries.iter().enumerate() {
            if !before.iter().any(|t| t.venue_id == *to) {
                inv.add(
                    &format!("[{i}].venue_id"),
                    format!("venue {to} is not another active venue"),
                );
            }
            if minutes.is_some_and(|m| !(0..=1440).contains(&m)) {
                inv.add(
                    &format!("[{i}].minutes"),
                    "must be between 0 and 1440 minutes",
                );
            }
        }
        if !inv.is_empty() {
            return Err(inv.into());
        }
        for (to, minutes) in entries {
            match minutes {
                Some(m) => repo::set_travel_time_both_ways(&mut tx, venue_id, *to, *m).await?,
                None => repo::remove_travel_time(&mut tx, venue_id, *to).await?,
            }
        }
        let after = repo::travel_from(&mut tx, venue_id).await?;
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "venue.travel_times_changed",
            ("venue", venue_id),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Closure days: public holidays and days a venue is shut. Scheduling, confirmation and the
/// planner keep sessions off them.
pub mod closures {
    use crate::error::About;
    use crate::{App, AppError, Caller, now_ms};
    use chrono::NaiveDate;
    use trainyard_core::Invalid;
    use trainyard_core::conflicts::ClosureDay;
    use trainyard_store::closures::{self as repo, Closure};
    use trainyard_store::{Conn, venues};

    #[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
    pub struct ClosureFields {
        /// The day, YYYY-MM-DD, read in each session's own time zone.
        #[schema(format = Date)]
        pub day: String,
        /// What the day is, e.g. "Christmas Day" or "Renovation".
        pub name: String,
        /// The closed venue; absent or `null` for a company-wide closure.
        #[serde(default)]
        pub venue_id: Option<i64>,
    }

    fn day(raw: &str) -> Result<NaiveDate, Invalid> {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
            Invalid::field(
                "day",
                format!(
                    "'{}' is not a date (expected YYYY-MM-DD)",
                    raw.trim().chars().take(20).collect::<String>()
                ),
            )
        })
    }

    /// Closures from `from` to `until` (YYYY-MM-DD, both optional), by day.
    pub async fn list(
        app: &App,
        caller: &Caller,
        from: Option<&str>,
        until: Option<&str>,
        venue_id: Option<i64>,
    ) -> Result<Vec<Closure>, AppError> {
        caller.require_staff("see closures")?;
        let from = from.filter(|s| !s.trim().is_empty()).map(day).transpose()?;
        let until = until
            .filter(|s| !s.trim().is_empty())
            .map(day)
            .transpose()?;
        let mut conn = app.store.read().await?;
        Ok(repo::between(
            &mut conn,
            &from.map_or_else(|| "0000-01-01".into(), |d| d.to_string()),
            &until.map_or_else(|| "9999-12-31".into(), |d| d.to_string()),
            venue_id,
        )
        .await?)
    }

    /// Records a closure day (company-wide, or for one venue).
    pub async fn add(app: &App, caller: &Caller, f: &ClosureFields) -> Result<Closure, AppError> {
        caller.require_operations("record closures")?;
        let mut inv = Invalid::new();
        let d = inv.check("day", day(&f.day).map_err(|e| e.to_string()));
        let name = inv.check(
            "name",
            trainyard_core::invalid::text::required(&f.name, 200),
        );
        let (Some(d), Some(name)) = (d, name) else {
            return Err(inv.into());
        };
        let now = now_ms();
        let mut tx = app.store.write().await?;
        if let Some(v) = f.venue_id {
            venues::get(&mut tx, v).await.about("venue")?;
        }
        let id = repo::insert(&mut tx, &d.to_string(), &name, f.venue_id, now).await?;
        let after = repo::get(&mut tx, id).await?;
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "closure.created",
            ("closure", id),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a closure day.
    pub async fn remove(app: &App, caller: &Caller, id: i64) -> Result<(), AppError> {
        caller.require_operations("remove closures")?;
        let now = now_ms();
        let mut tx = app.store.write().await?;
        let before = repo::get(&mut tx, id).await.about("closure")?;
        repo::delete(&mut tx, id).await?;
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "closure.removed",
            ("closure", id),
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The closure days between two local dates that bind a session at `venue_id`, for the
    /// conflict rules.
    pub(crate) async fn days_for(
        conn: &mut Conn,
        from: NaiveDate,
        until: NaiveDate,
        venue_id: Option<i64>,
    ) -> Result<Vec<ClosureDay>, AppError> {
        Ok(
            repo::between(conn, &from.to_string(), &until.to_string(), venue_id)
                .await?
                .into_iter()
                .filter(|c| venue_id.is_some() || c.venue_id.is_none())
                .filter_map(|c| {
                    Some(ClosureDay {
                        day: NaiveDate::parse_from_str(&c.day, "%Y-%m-%d").ok()?,
                        name: c.name,
                        venue_id: c.venue_id,
                        venue_name: c.venue_name,
                    })
                })
                .collect(),
        )
    }
}
