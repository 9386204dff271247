//! Programs: three clients' contracted series, holding their sessions.

use super::{Seed, bad};
use crate::AppError;
use chrono::Duration;
use serde_json::json;
use trainyard_core::records::ProgramFields;
use trainyard_store::{Conn, planning, programs, sessions};

pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    client_ids: &[(i64, &'static str)],
) -> Result<(), AppError> {
    for (k, (client_id, _)) in client_ids.iter().enumerate().skip(1).take(3) {
        let name = [
            "Sales academy 2027",
            "Agile transformation",
            "Compliance year",
        ][k - 1];
        let input = ProgramFields {
            client_id: client_id.to_string(),
            name: name.into(),
            budget: ["45000", "80000", "25000"][k - 1].into(),
            currency: "EUR".into(),
            starts_on: (s.today - Duration::days(200))
                .format("%Y-%m-%d")
                .to_string(),
            ends_on: (s.today + Duration::days(150))
                .format("%Y-%m-%d")
                .to_string(),
        }
        .validate()
        .map_err(bad)?;
        let program = programs::insert(c, &input, s.now).await?;
        s.created(c, "program", program, json!({ "name": name }))
            .await?;
        let mut f = sessions::SessionFilter {
            client_id: Some(*client_id),
            ..Default::default()
        };
        f.list.export = true;
        for x in sessions::list(c, &f).await?.items {
            planning::set_session_program(c, x.id, Some(program)).await?;
        }
    }
    Ok(())
}
