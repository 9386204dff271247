//! The course catalogue.

pub mod courses {
    use crate::audience::ForReader;
    use crate::error::About;
    use crate::{App, AppError, Caller};
    use trainyard_core::records::CourseFields;
    use trainyard_store::Page;
    use trainyard_store::courses::{self as repo, CourseFilter};

    pub type Record = repo::Course;

    crate::records::record_writes!(trainyard_store::courses, CourseFields, "course", "courses");

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
        caller.require_staff("see the course catalogue")?;
        let mut conn = app.store.read().await?;
        Ok(repo::get(&mut conn, id)
            .await
            .about("course")?
            .for_reader(caller))
    }

    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &CourseFilter,
    ) -> Result<Page<Record>, AppError> {
        caller.require_staff("see the course catalogue")?;
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, filter).await?.for_reader(caller))
    }

    pub async fn options(app: &App, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
        caller.require_staff("see the course catalogue")?;
        let mut conn = app.store.read().await?;
        Ok(repo::options(&mut conn).await?)
    }
}
