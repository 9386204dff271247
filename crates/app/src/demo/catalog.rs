//! The course catalogue: forty courses across eleven skills.

use super::data::COURSES;
use super::{Seed, bad};
use crate::AppError;
use serde_json::json;
use trainyard_core::records::{CourseFields, CourseInput};
use trainyard_store::{Conn, courses};

pub(super) async fn seed(c: &mut Conn, s: &mut Seed) -> Result<Vec<(i64, CourseInput)>, AppError> {
    let mut course_rows = Vec::new();
    for (i, (code, title, skill, days, features)) in COURSES.iter().enumerate() {
        let price = 390 + 250 * days + (i as i64 % 5) * 40;
        let modes = if *skill == "safety" {
            "ilt"
        } else if i % 3 == 0 {
            "ilt,vilt"
        } else if i % 5 == 0 {
            "vilt"
        } else {
            "ilt"
        };
        let input = CourseFields {
            code: (*code).into(),
            title: (*title).into(),
            description: format!("{title}: a practical {days}-day course with exercises drawn from the participants' own work."),
            duration_days: days.to_string(),
            hours_per_day: "7".into(),
            delivery_modes: modes.into(),
            min_learners: "4".into(),
            max_learners: if *days >= 3 { "12".into() } else { "16".into() },
            currency: "EUR".into(),
            list_price: format!("{price}.00"),
            day_rate: format!("{}.00", 1400 + (i as i64 % 4) * 200),
            material_cost: format!("{}.00", 25 + (i as i64 % 3) * 15),
            certificate_name: format!("{title} certificate"),
            certificate_validity_months: if *skill == "safety" { "24".into() } else { String::new() },
            required_skill: (*skill).into(),
            required_features: (*features).into(),
            renewal_course_id: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = courses::insert(c, &input, s.now).await?;
        s.created(c, "course", id, json!({ "code": code, "title": title }))
            .await?;
        course_rows.push((id, input));
    }
    Ok(course_rows)
}
