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
