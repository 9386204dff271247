//! Who may see what (DESIGN.md invariant 6), over HTTP on both databases.
//!
//! `every_route_for_every_role` sends every API route (read from the served OpenAPI document) and
//! every page route (read from the `.route(` calls in the source) as every kind of caller, and
//! compares the outcome with one table below, so a new route without a rule fails the test with
//! the row to add. The other tests pin the two leaks of issue 10: finance fields in the API for
//! roles that may not see them, and the roster for an instructor who has not accepted.

use crate::common::routes::page_routes;
use crate::common::{Api, PASSWORD, TestApp, course_body, course_body_with_costs, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;

both_backends!(
    every_route_for_every_role,
    finance_fields_only_for_finance,
    only_finance_changes_rates,
    only_an_accepted_instructor_sees_the_roster,
);

// ------------------------------------------------------------------ the table

/// The callers, in the order of each row's outcomes. "Own" callers are tied to the records every
/// path points at (instructor I1 accepted on session S1, client C1, learner L1 enrolled in S1);
/// the "other" ones to another instructor (only *proposed* on S1), client C2 and learner L2.
const WHO: [&str; 11] = [
    "anonymous",
    "admin",
    "manager",
    "coordinator",
    "finance",
    "instructor (own)",
    "instructor (other, proposed)",
    "client contact (own)",
    "client contact (other)",
    "learner (own)",
    "learner (other)",
];

// Outcomes, one letter per caller in the order of WHO:
//   Y  served: 2xx, or a redirect that is not to the login page
//   B  let through, then refused for its content: 400, 409 or 422 (writes here carry a stale
//      version or an empty body, so nothing changes)
//   L  must sign in: 401 (API) or a redirect to /login (pages)
//   F  forbidden: 403
//   N  not found: 404 (also what a caller gets for a record whose existence is private)
//
// Paths are the routes as declared; `{id}` is the record of the path's first segment (course,
// session S1, instructor I1, …), see `World::fill`.
//
// Columns: anonymous, admin, manager, coordinator, finance, instructor I1 (accepted on S1),
// instructor I2 (only proposed), contact of C1, contact of C2, learner L1 (in S1), learner L2.
#[rustfmt::skip]
const API_RULES: &[(&str, &str)] = &[
    ("GET /assignments/needing-action",                         "L Y Y Y Y F F F F F F"),
    ("POST /assignments/{id}/actions",                          "L B B B F B F F F F F"),
    ("POST /assignments/{id}/substitute",                       "L B B B B B B B B B B"),
    ("GET /clients",                                            "L Y Y Y Y F F F F F F"),
    ("POST /clients",                                           "L B B B F F F F F F F"),
    ("DELETE /clients/{id}",                                    "L B B B F F F F F F F"),
    ("GET /clients/{id}",                                       "L Y Y Y Y F F Y F F F"),
    ("PUT /clients/{id}",                                       "L B B B F F F F F F F"),
    ("PATCH /clients/{id}",                                     "L B B B F F F F F F F"),
    ("POST /clients/{id}/restore",                              "L B B B F F F F F F F"),
    ("GET /courses",                                            "L Y Y Y Y F F F F F F"),
    ("POST /courses",                                           "L B B B F F F F F F F"),
    ("DELETE /courses/{id}",                                    "L B B B F F F F F F F"),
    ("GET /courses/{id}",                                       "L Y Y Y Y F F F F F F"),
    ("PUT /courses/{id}",                                       "L B B B F F F F F F F"),
    ("PATCH /courses/{id}",                                     "L B B B F F F F F F F"),
    ("POST /courses/{id}/restore",                              "L B B B F F F F F F F"),
    ("POST /enrollments/bulk",                                  "L B B B B B B B B B B"),
    (
        "POST /enrollments/{id}/accept-offer",
        "L B B B N N N N N B N",
    ),
    ("POST /enrollments/{id}/approve",                          "L B B B F F F F F F F"),
    ("POST /enrollments/{id}/cancel",                           "L B B B B B B B B B B"),
    ("POST /enrollments/{id}/substitute",                       "L B B B B B B B B B B"),
    ("POST /enrollments/{id}/transfer",                         "L B B B B B B B B B B"),
    ("GET /feeds",                                              "L Y Y Y Y Y F F F F F"),
    ("POST /feeds",                                             "L B B B B B B B B B B"),
    ("DELETE /feeds/{id}",                                      "L N N N N N N N N F F"),
    ("GET /history/{entity}/{id}",                              "L Y Y Y Y F F F F F F"),
    ("GET /invoices/export",                                    "L B B F B F F F F F F"),
    ("GET /invoice-runs",                                       "L Y Y F Y F F F F F F"),
    ("POST /invoice-runs",                                      "L B B B B B B B B B B"),
    ("GET /invoice-runs/{id}",                                  "L N N F N F F F F F F"),
    ("GET /invoices",                                           "L Y Y F Y F F Y Y F F"),
    ("POST /invoices",                                          "L B B F B F F F F F F"),
    ("DELETE /invoices/{id}",                                   "L B B F B F F F F F F"),
    ("GET /invoices/{id}",                                      "L Y Y F Y F F Y N F F"),
    ("PUT /invoices/{id}",                                      "L B B F B F F F F F F"),
    ("POST /invoices/{id}/credit-note",                         "L B B F B F F F F F F"),
    ("POST /invoices/{id}/issue",                               "L B B F B F F F F F F"),
    ("POST /invoices/{id}/payments",                            "L B B F B F F F F F F"),
    ("GET /invoices/{id}/pdf",                                  "L Y Y F Y F F Y N F F"),
    ("POST /sessions/{id}/invoices",                            "L B B F B F F F F F F"),
    ("GET /quotes",                                             "L Y Y F Y F F Y Y F F"),
    ("GET /quotes/{id}",                                        "L Y Y F Y F F Y N F F"),
    ("GET /quotes/{id}/pdf",                                    "L Y Y F Y F F Y N F F"),
    ("PATCH /quotes/{id}",                                      "L B B F B F F F F F F"),
    ("POST /quotes",                                            "L B B F B F F F F F F"),
    ("POST /quotes/{id}/accept",                                "L F F F F F F B N F F"),
    ("POST /quotes/{id}/decline",                               "L F F F F F F B N F F"),
    ("POST /quotes/{id}/send",                                  "L B B F B F F F F F F"),
    ("GET /clients/{id}/credit",                                "L Y Y F Y F F Y F F F"),
    ("GET /agreements",                                         "L Y Y F Y F F F F F F"),
    ("POST /agreements",                                        "L B B F B F F F F F F"),
    ("DELETE /agreements/{id}",                                 "L B B F B F F F F F F"),
    ("GET /agreements/{id}",                                    "L Y Y F Y F F F F F F"),
    ("PUT /agreements/{id}",                                    "L B B F B F F F F F F"),
    ("PATCH /agreements/{id}",                                  "L B B F B F F F F F F"),
    ("POST /agreements/{id}/restore",                           "L B B F B F F F F F F"),
    ("GET /agreements/{id}/credits",                            "L Y Y F Y F F F F F F"),
    ("POST /agreements/{id}/credits",                           "L B B F B F F F F F F"),
    ("PUT /agreements/{id}/rates/{course_id}",                  "L B B F B F F F F F F"),
    ("DELETE /agreements/{id}/rates/{course_id}",               "L N N F N F F F F F F"),
    ("GET /clients/{id}/seat-credits",                          "L Y Y N Y N N Y N N N"),
    ("GET /clients/{id}/tax-region",                            "L Y Y F Y F F F F F F"),
    ("GET /cancellation-policy",                                "L Y Y F Y F F F F F F"),
    ("PUT /cancellation-policy",                                "L B B B B B B B B B B"),
    ("GET /agreements/{id}/cancellation-policy",                "L Y Y F Y F F F F F F"),
    ("PUT /agreements/{id}/cancellation-policy",                "L B B B B B B B B B B"),
    ("GET /enrollments/{id}/cancellation-fee",                  "L Y Y Y Y N N Y N Y N"),
    ("GET /clients/{id}/cancellation-fees",                     "L Y Y F Y F F Y F F F"),
    ("PUT /clients/{id}/tax-region",                            "L Y Y F Y F F F F F F"),
    ("GET /courses/{id}/prices",                                "L Y Y F Y F F F F F F"),
    ("POST /courses/{id}/prices",                               "L B B F B F F F F F F"),
    ("DELETE /courses/{id}/prices/{currency}",                  "L B B F B F F F F F F"),
    ("GET /tax-rates",                                          "L Y Y F Y F F F F F F"),
    ("POST /tax-rates",                                         "L B B F B F F F F F F"),
    ("PUT /finance-settings",                                   "L B B F B F F F F F F"),
    ("GET /exchange-rates",                                     "L Y Y F Y F F F F F F"),
    ("POST /exchange-rates",                                    "L B B F B F F F F F F"),
    ("GET /exchange-rates/convert",                             "L B B F B F F F F F F"),
    ("GET /instructors",                                        "L Y Y Y Y F F F F F F"),
    ("POST /instructors",                                       "L B B B F F F F F F F"),
    ("DELETE /instructors/{id}",                                "L B B B F F F F F F F"),
    ("GET /instructors/{id}",                                   "L Y Y Y Y Y F F F F F"),
    ("PUT /instructors/{id}",                                   "L B B B F F F F F F F"),
    ("PATCH /instructors/{id}",                                 "L B B B F F F F F F F"),
    ("POST /instructors/{id}/contracts",                        "L B B F B F F F F F F"),
    ("GET /instructors/{id}/credentials",                       "L Y Y Y Y Y F F F F F"),
    (
        "POST /instructors/{id}/qualifications",
        "L B B B F F F F F F F",
    ),
    (
        "DELETE /instructors/{id}/qualifications/{qualification_id}",
        "L N N N F F F F F F F",
    ),
    ("POST /instructors/{id}/restore",                          "L B B B F F F F F F F"),
    ("POST /instructors/{id}/time-off",                         "L B B B B B B B B B B"),
    (
        "DELETE /instructors/{id}/time-off/{time_off_id}",
        "L N N N F N F F F F F",
    ),
    (
        "PUT /instructors/{id}/time-off/{time_off_id}",
        "L B B B B B B B B B B",
    ),
    (
        "PUT /instructors/{id}/working-pattern",
        "L B B B B B B B B B B",
    ),
    ("GET /learners",                                           "L Y Y Y Y F F Y Y F F"),
    ("POST /learners",                                          "L B B B F F F F F F F"),
    ("DELETE /learners/{id}",                                   "L B B B F F F F F F F"),
    ("GET /learners/{id}",                                      "L Y Y Y Y F F Y N Y F"),
    ("PUT /learners/{id}",                                      "L B B B F F F F F F F"),
    ("PATCH /learners/{id}",                                    "L B B B F F F F N F F"),
    ("GET /learners/{id}/messages",                             "L Y Y Y Y F F F F Y F"),
    ("POST /learners/{id}/restore",                             "L B B B F F F F F F F"),
    ("GET /me",                                                 "L Y Y Y Y Y Y Y Y Y Y"),
    // Everyone's own API tokens (issue 18 §5); nobody's token 999999.
    ("GET /tokens",                                             "L Y Y Y Y Y Y Y Y Y Y"),
    ("POST /tokens",                                            "L B B B B B B B B B B"),
    ("POST /tokens/{id}/revoke",                                "L N N N N N N N N N N"),
    ("GET /me/assignments",                                     "L F F F F Y Y F F F F"),
    ("GET /users",                                              "L Y F F F F F F F F F"),
    ("POST /users",                                             "L B B B B B B B B B B"),
    ("GET /users/{id}",                                         "L N F F F F F F F F F"),
    ("PUT /users/{id}",                                         "L B B B B B B B B B B"),
    ("POST /users/{id}/deactivate",                             "L N F F F F F F F F F"),
    ("POST /users/{id}/reactivate",                             "L N F F F F F F F F F"),
    ("POST /users/{id}/password-reset",                         "L N F F F F F F F F F"),
    ("POST /instructors/{id}/invitation",                       "L B F F F F F F F F F"),
    ("POST /clients/{id}/invitation",                           "L B F F F F F F F F F"),
    ("POST /learners/{id}/invitation",                          "L B F F F F F F F F F"),
    ("GET /message-templates",                                  "L Y Y F F F F F F F F"),
    ("GET /message-templates/{event}",                          "L Y Y F F F F F F F F"),
    ("PUT /message-templates/{event}",                          "L B B B B B B B B B B"),
    (
        "POST /message-templates/{event}/preview",
        "L B B B B B B B B B B",
    ),
    ("GET /outbox",                                             "L Y Y Y Y F F F F F F"),
    ("GET /outbox/{id}",                                        "L N N N N F F F F F F"),
    ("POST /outbox/{id}/retry",                                 "L N N N F F F F F F F"),
    ("GET /plan-runs",                                          "L Y Y Y Y F F F F F F"),
    ("POST /plan-runs",                                         "L B B B F F F F F F F"),
    ("POST /plan-runs/repair",                                  "L B B B B B B B B B B"),
    ("GET /plan-runs/{id}",                                     "L N N N N F F F F F F"),
    ("POST /plan-runs/{id}/accept",                             "L B B B B B B B B B B"),
    ("GET /programs",                                           "L Y Y Y Y F F F F F F"),
    ("POST /programs",                                          "L B B B F F F F F F F"),
    ("DELETE /programs/{id}",                                   "L B B B F F F F F F F"),
    ("GET /programs/{id}",                                      "L Y Y Y Y F F Y N F F"),
    ("PUT /programs/{id}",                                      "L B B B F F F F F F F"),
    ("PATCH /programs/{id}",                                    "L B B B F F F F N F F"),
    ("POST /programs/{id}/restore",                             "L B B B F F F F F F F"),
    ("GET /resources",                                          "L Y Y Y Y F F F F F F"),
    ("POST /resources",                                         "L B B B F F F F F F F"),
    ("DELETE /resources/{id}",                                  "L B B B F F F F F F F"),
    ("GET /resources/{id}",                                     "L Y Y Y Y F F F F F F"),
    ("PUT /resources/{id}",                                     "L B B B F F F F F F F"),
    ("PATCH /resources/{id}",                                   "L B B B F F F F F F F"),
    ("POST /resources/{id}/restore",                            "L B B B F F F F F F F"),
    ("GET /sessions",                                           "L Y Y Y Y F F Y Y F F"),
    ("POST /sessions",                                          "L B B B F F F F F F F"),
    ("DELETE /sessions/{id}",                                   "L B B B F F F F F F F"),
    ("GET /sessions/{id}",                                      "L Y Y Y Y F F Y N F F"),
    ("PUT /sessions/{id}",                                      "L B B B F F F F F F F"),
    ("PATCH /sessions/{id}",                                    "L B B B F F F F N F F"),
    ("POST /sessions/{id}/assignments",                         "L B B B B B B B B B B"),
    ("GET /sessions/{id}/attendance",                           "L Y Y Y F Y F F F F F"),
    ("POST /sessions/{id}/attendance",                          "L N N N F N F F F F F"),
    ("POST /sessions/{id}/bookings",                            "L B B B B B B B B B B"),
    (
        "DELETE /sessions/{id}/bookings/{resource_id}",
        "L N N N F F F F F F F",
    ),
    (
        "POST /sessions/{id}/bookings/{resource_id}",
        "L N N N F F F F F F F",
    ),
    ("GET /sessions/{id}/candidates",                           "L Y Y Y Y F F F F F F"),
    ("GET /sessions/{id}/check",                                "L Y Y Y Y F F F F F F"),
    (
        "PUT /sessions/{id}/enrollment-rules",
        "L B B B B B B B B B B",
    ),
    ("GET /sessions/{id}/enrollments",                          "L Y Y Y Y F F Y N F F"),
    ("POST /sessions/{id}/enrollments",                         "L B B B B B B B B B B"),
    ("POST /sessions/{id}/merge",                               "L B B B B B B B B B B"),
    ("POST /sessions/{id}/merge/preview",                       "L B B B B B B B B B B"),
    ("GET /sessions/{id}/messages",                             "L Y Y Y Y F F F F F F"),
    (
        "DELETE /sessions/{id}/planning-window",
        "L N N N F F F F F F F",
    ),
    (
        "PUT /sessions/{id}/planning-window",
        "L B B B F F F F F F F",
    ),
    ("POST /sessions/{id}/recurrence",                          "L B B B F F F F F F F"),
    (
        "POST /sessions/{id}/recurrence/preview",
        "L B B B F F F F F F F",
    ),
    ("POST /sessions/{id}/restore",                             "L B B B F F F F F F F"),
    ("POST /sessions/{id}/transition",                          "L B B B F F F F F F F"),
    ("GET /settings/reminders",                                 "L Y Y Y Y F F F F F F"),
    ("PUT /settings/reminders",                                 "L B B B B B B B B B B"),
    ("GET /settings/messages",                                  "L Y F F F F F F F F F"),
    ("PUT /settings/messages",                                  "L Y F F F F F F F F F"),
    ("PUT /settings/language",                                  "L B B B B B B B B B B"),
    ("GET /timeline",                                           "L Y Y Y Y F F F F F F"),
    ("GET /venues",                                             "L Y Y Y Y F F F F F F"),
    ("POST /venues",                                            "L B B B F F F F F F F"),
    ("DELETE /venues/{id}",                                     "L B B B F F F F F F F"),
    ("GET /venues/{id}",                                        "L Y Y Y Y F F F F F F"),
    ("PUT /venues/{id}",                                        "L B B B F F F F F F F"),
    ("PATCH /venues/{id}",                                      "L B B B F F F F F F F"),
    ("POST /venues/{id}/restore",                               "L B B B F F F F F F F"),
    ("GET /venues/{id}/travel-times",                           "L Y Y Y Y F F F F F F"),
    ("PUT /venues/{id}/travel-times",                           "L B B B B B B B B B B"),
    ("GET /closures",                                           "L Y Y Y Y F F F F F F"),
    ("POST /closures",                                          "L B B B B B B B B B B"),
    ("DELETE /closures/{id}",                                   "L N N N F F F F F F F"),
    ("GET /viability",                                          "L Y Y Y Y F F F F F F"),
    // Saved report views: a view the caller may not open is a 404 like a missing one (none at
    // these ids); ownership and sharing are tested in tests/report_views.rs.
    ("DELETE /report-views/{id}",                               "L N N N N N N N N N N"),
    ("DELETE /report-views/{id}/schedules/{schedule_id}",       "L N N N N N N N N N N"),
    ("GET /report-views",                                       "L Y Y Y Y Y Y Y Y F F"),
    ("GET /report-views/{id}",                                  "L N N N N N N N N N N"),
    ("GET /report-views/{id}/schedules",                        "L N N N N N N N N N N"),
    ("GET /report-views/{id}/schedules/{schedule_id}",          "L N N N N N N N N N N"),
    ("POST /report-views",                                      "L B B B B B B B B B B"),
    ("POST /report-views/{id}/schedules",                       "L B B B B B B B B B B"),
    ("PUT /report-views/{id}",                                  "L B B B B B B B B B B"),
    ("PUT /report-views/{id}/schedules/{schedule_id}",          "L B B B B B B B B B B"),
    ("GET /reports/kpis",                                       "L Y Y Y Y Y Y Y Y F F"),
    ("GET /reports/morning",                                    "L Y Y Y Y F F F F F F"),
    ("GET /reports/satisfaction",                               "L Y Y Y Y Y Y Y Y F F"),
    // Costs and profitability: finance data (a write's empty body is refused before its role).
    ("GET /reports/profitability",                              "L Y Y F Y F F F F F F"),
    ("GET /sessions/{id}/finance",                              "L Y Y F Y F F F F F F"),
    ("POST /sessions/{id}/cost-lines",                          "L B B B B B B B B B B"),
    ("PUT /sessions/{id}/cost-lines/{key}/actual",              "L N N F N F F F F F F"),
    ("DELETE /sessions/{id}/cost-lines/{key}",                  "L N N F N F F F F F F"),
    ("POST /costs/import",                                      "L B B B B B B B B B B"),
    ("PUT /resources/{id}/day-rate",                            "L B B B B B B B B B B"),
    ("POST /sessions/{id}/admin-time",                          "L B B B F F F F F F F"),
    // Certificates: staff read all, a learner their own, a contact their people's.
    ("GET /compliance",                                         "L Y Y Y Y F F F F F F"),
    ("GET /compliance-requirements",                            "L Y Y Y Y F F F F F F"),
    ("POST /imports/preview",                                   "L B B B F F F F F F F"),
    ("POST /imports",                                           "L B B B F F F F F F F"),
    ("GET /imports/{id}",                                       "L N N N F F F F F F F"),
    ("GET /exports/workbook",                                   "L Y Y Y F F F F F F F"),
    ("GET /exports/{kind}",                                     "L N N N F F F F F F F"),
    ("POST /compliance-requirements",                           "L B B B F F F F F F F"),
    ("DELETE /compliance-requirements/{id}",                    "L N N N F F F F F F F"),
    ("GET /compliance-requirements/{id}",                       "L N N N N F F F F F F"),
    ("PUT /compliance-requirements/{id}",                       "L B B B F F F F F F F"),
    ("POST /compliance-items/{id}/tick",                        "L B B B F F F F F F F"),
    ("GET /sessions/{id}/compliance",                           "L Y Y Y Y Y F Y N F F"),
    ("POST /sessions/{id}/documents",                           "L B B B F B F F N F F"),
    ("GET /sessions/{id}/evidence-pack",                        "L Y Y Y Y F F Y N F F"),
    ("GET /clients/{id}/evidence-pack",                         "L B B B B F F B N F F"),
    ("GET /documents/{id}",                                     "L N N N N N N N N N N"),
    ("GET /substitutions",                                      "L Y Y Y Y F F F F F F"),
    ("POST /substitutions",                                     "L B B B F F F F F F F"),
    ("GET /substitutions/{id}",                                 "L N N N N F F F F F F"),
    ("POST /substitutions/{id}/steps",                          "L B B B F F F F F F F"),
    ("GET /certificates",                                       "L Y Y Y Y F F Y Y Y Y"),
    ("GET /certificates/{id}",                                  "L Y Y Y Y F F Y N Y N"),
    ("GET /certificates/{id}/pdf",                              "L Y Y Y Y F F Y N Y N"),
    ("POST /certificates/{id}/revoke",                          "L B B B F F F F F F F"),
    ("GET /clients/{id}/expiring-certificates",                 "L Y Y Y Y F F Y N F F"),
    ("POST /clients/{id}/renewal-offers",                       "L N N N F F F F F F F"),
    ("PUT /clients/{id}/renewal-setting",                       "L Y Y Y F F F F F F F"),
    ("GET /reports/quality",                                    "L Y Y Y F F F F F F F"),
    ("GET /sessions/{id}/complaints",                           "L Y Y Y Y F F F F F F"),
    ("POST /complaints/{id}/resolve",                           "L B B B F F F F F F F"),
    ("GET /survey-templates",                                   "L Y Y Y Y F F F F F F"),
    ("POST /survey-templates",                                  "L B B B F F F F F F F"),
    ("GET /survey-templates/{id}",                              "L Y Y Y Y F F F F F F"),
    ("PUT /survey-templates/{id}",                              "L B B B F F F F F F F"),
    ("DELETE /survey-templates/{id}",                           "L B B B F F F F F F F"),
    ("GET /sessions/{id}/feedback",                             "L Y Y Y Y Y N Y N F F"),
    ("GET /feedback",                                           "L Y Y Y Y Y Y Y Y F F"),
    ("GET /surveys/{token}",                                    "N N N N N N N N N N N"),
    ("POST /surveys/{token}",                                   "N N N N N N N N N N N"),
    ("POST /enrollments/{id}/certificate",                      "L B B B F F F F F F F"),
    ("GET /verify/{code}",                                      "N N N N N N N N N N N"),
    ("GET /settings/certificate-reminders",                     "L Y Y Y Y F F F F F F"),
    ("PUT /settings/certificate-reminders",                     "L B B F F F F F F F F"),
    // Webhooks (issue 18 §1): admins only.
    ("GET /webhook-event-types",                                "L Y F F F F F F F F F"),
    ("GET /webhooks",                                           "L Y F F F F F F F F F"),
    ("GET /webhooks/{id}",                                      "L N F F F F F F F F F"),
    ("GET /webhooks/{id}/deliveries",                           "L N F F F F F F F F F"),
    ("GET /webhooks/{id}/deliveries/{delivery_id}",             "L N F F F F F F F F F"),
    ("GET /webhooks/{id}/secret",                               "L N F F F F F F F F F"),
    ("POST /webhooks",                                          "L B B B B B B B B B B"),
    ("POST /webhooks/{id}/deliveries/{delivery_id}/replay",     "L N F F F F F F F F F"),
    ("POST /webhooks/{id}/replay",                              "L B B B B B B B B B B"),
    ("POST /webhooks/{id}/rotate-secret",                       "L N F F F F F F F F F"),
    ("PUT /webhooks/{id}",                                      "L B B B B B B B B B B"),
    // The xAPI hand-off (issue 18 §4): LRS settings for admins, prerequisites for staff,
    // readiness checks for operations.
    ("GET /settings/sso",                                       "L Y F F F F F F F F F"),
    ("PUT /settings/sso",                                       "L B B B B B B B B B B"),
    ("GET /lrs",                                                "L N F F F F F F F F F"),
    ("PUT /lrs",                                                "L B B B B B B B B B B"),
    ("GET /lrs/statements",                                     "L N F F F F F F F F F"),
    ("GET /courses/{id}/elearning-prerequisites",               "L Y Y Y Y F F F F F F"),
    ("PUT /courses/{id}/elearning-prerequisites",               "L B B B B B B B B B B"),
    ("POST /sessions/{id}/readiness-check",                     "L B B B F F F F F F F"),
    ("GET /budgets",                                            "L Y Y F Y F F F F F F"),
    ("POST /budgets",                                           "L B B B B B B B B B B"),
    ("GET /budgets/{id}",                                       "L N N F N F F F F F F"),
    ("PUT /budgets/{id}",                                       "L B B B B B B B B B B"),
    ("DELETE /budgets/{id}",                                    "L N N F N F F F F F F"),
    ("GET /cost-centres",                                       "L Y Y F Y F F F F F F"),
    ("POST /cost-centres",                                      "L B B B B B B B B B B"),
    ("POST /cost-centres/{id}/tags",                            "L N N F N F F F F F F"),
];

// Columns: anonymous, admin, manager, coordinator, finance, instructor I1 (accepted on S1),
// instructor I2 (only proposed), contact of C1, contact of C2, learner L1 (in S1), learner L2.
#[rustfmt::skip]
const PAGE_RULES: &[(&str, &str)] = &[
    ("GET /",                                                   "L Y Y Y Y Y Y Y Y Y Y"),
    ("GET /account/confirm",                                     "B B B B B B B B B B B"),
    ("POST /account/confirm",                                    "B B B B B B B B B B B"),
    ("GET /account/password",                                    "B B B B B B B B B B B"),
    ("POST /account/password",                                   "B B B B B B B B B B B"),
    ("GET /account/password/forgot",                             "Y Y Y Y Y Y Y Y Y Y Y"),
    ("POST /account/password/forgot",                            "B B B B B B B B B B B"),
    ("GET /account/sign-in",                                     "B B B B B B B B B B B"),
    ("POST /account/sign-in",                                    "B B B B B B B B B B B"),
    ("GET /account/invite",                                     "B B B B B B B B B B B"),
    ("POST /account/invite",                                    "B B B B B B B B B B B"),
    ("GET /admin/users/{id}",                                   "L N F F F F F F F F F"),
    ("POST /admin/users/{id}",                                  "L B F F F F F F F F F"),
    ("GET /admin/users/{id}/edit",                              "L N F F F F F F F F F"),
    ("POST /admin/users/{id}/deactivate",                       "L N F F F F F F F F F"),
    ("POST /admin/users/{id}/reactivate",                       "L N F F F F F F F F F"),
    ("POST /admin/users/{id}/password-reset",                   "L N F F F F F F F F F"),
    ("GET /instructors/{id}/invite",                            "L Y F F F F F F F F F"),
    ("POST /instructors/{id}/invite",                           "L B F F F F F F F F F"),
    ("GET /clients/{id}/invite",                                "L Y F F F F F F F F F"),
    ("POST /clients/{id}/invite",                               "L B F F F F F F F F F"),
    ("GET /learners/{id}/invite",                               "L Y F F F F F F F F F"),
    ("POST /learners/{id}/invite",                              "L B F F F F F F F F F"),
    ("GET /portal/assignments/{id}",                            "L N N N N Y Y N N N N"),
    ("POST /portal/assignments/{id}/decline",                   "L N N N N N N N N N N"),
    ("POST /portal/time-off/{id}",                              "L F F F F Y Y F F F F"),
    ("POST /portal/time-off/{id}/remove",                       "L F F F F N N F F F F"),
    ("GET /account/tokens",                                     "L Y Y Y Y Y Y Y Y Y Y"),
    ("POST /account/tokens",                                    "L Y Y Y Y Y Y Y Y Y Y"),
    ("POST /account/tokens/{id}/revoke",                        "L N N N N N N N N N N"),
    ("GET /admin/audit",                                        "L Y Y F F F F F F F F"),
    ("POST /admin/audit/verify",                                "L Y Y F F F F F F F F"),
    ("GET /admin/audit/{id}",                                   "L N N F F F F F F F F"),
    ("GET /admin/messages",                                     "L Y Y F F F F F F F F"),
    ("GET /admin/messages/{event}",                             "L Y Y F F F F F F F F"),
    ("POST /admin/messages/{event}",                            "L B B F F F F F F F F"),
    ("GET /admin/outbox",                                       "L Y Y Y Y F F F F F F"),
    ("GET /admin/outbox/{id}",                                  "L N N N N F F F F F F"),
    ("POST /admin/outbox/{id}/retry",                           "L N N N F F F F F F F"),
    ("GET /admin/reminders",                                    "L Y Y F F F F F F F F"),
    ("POST /admin/reminders",                                   "L B B F F F F F F F F"),
    ("GET /admin/message-settings",                             "L Y F F F F F F F F F"),
    ("POST /admin/message-settings",                            "L B F F F F F F F F F"),
    ("GET /admin/users",                                        "L Y F F F F F F F F F"),
    ("POST /admin/users",                                       "L B B B B B B B B B B"),
    ("GET /admin/users/new",                                    "L Y F F F F F F F F F"),
    ("GET /assets/catalog.css",                                 "Y Y Y Y Y Y Y Y Y Y Y"),
    ("GET /assets/htmx-2.0.11.min.js",                          "Y Y Y Y Y Y Y Y Y Y Y"),
    ("GET /assets/trainyard.css",                               "Y Y Y Y Y Y Y Y Y Y Y"),
    ("GET /assets/trainyard.js",                                "Y Y Y Y Y Y Y Y Y Y Y"),
    ("POST /assignments/{id}/act",                              "L B B B B B B B B B B"),
    ("POST /assignments/{id}/substitute",                       "L B B B F F F F F F F"),
    ("GET /calendar",                                           "L Y Y Y Y Y F F F F F"),
    ("GET /catalog",                                            "Y Y Y Y Y Y Y Y Y Y Y"),
    ("GET /catalog/{id}",                                       "N N N N N N N N N N N"),
    ("POST /catalog/{id}/enroll",                               "L N N N N N N N N N N"),
    ("POST /catalog/{id}/register",                             "N N N N N N N N N N N"),
    ("GET /clients",                                            "L Y Y Y Y F F F F F F"),
    ("POST /clients",                                           "L B B B F F F F F F F"),
    ("GET /clients/new",                                        "L Y Y Y F F F F F F F"),
    ("GET /clients/{id}",                                       "L Y Y Y Y F F Y F F F"),
    ("POST /clients/{id}",                                      "L B B B F F F F F F F"),
    ("POST /clients/{id}/archive",                              "L B B B F F F F F F F"),
    ("GET /clients/{id}/edit",                                  "L Y Y Y F F F F F F F"),
    ("POST /clients/{id}/restore",                              "L B B B F F F F F F F"),
    ("GET /courses",                                            "L Y Y Y Y F F F F F F"),
    ("POST /courses",                                           "L B B B F F F F F F F"),
    ("GET /courses/new",                                        "L Y Y Y F F F F F F F"),
    ("GET /courses/{id}",                                       "L Y Y Y Y F F F F F F"),
    ("POST /courses/{id}",                                      "L B B B F F F F F F F"),
    ("POST /courses/{id}/archive",                              "L B B B F F F F F F F"),
    ("GET /courses/{id}/edit",                                  "L Y Y Y Y F F F F F F"),
    ("POST /courses/{id}/restore",                              "L B B B F F F F F F F"),
    ("POST /enrollments/{id}/{action}",                         "L N N N N N N N N N N"),
    ("GET /feeds/{file}",                                       "N N N N N N N N N N N"),
    ("GET /feeds/{kind}/{target}",                              "L Y Y Y Y Y F F F F F"),
    ("POST /feeds/{kind}/{target}",                             "L Y Y Y Y Y F F F F F"),
    ("GET /healthz",                                            "Y Y Y Y Y Y Y Y Y Y Y"),
    ("POST /language",                                          "B B B B B B B B B B B"),
    ("GET /invoices",                                           "L Y Y F Y F F Y Y F F"),
    ("POST /invoices",                                          "L B B F B F F F F F F"),
    ("POST /invoices/from-session",                             "L B B F B F F F F F F"),
    ("GET /invoices/new",                                       "L Y Y F Y F F F F F F"),
    ("GET /invoices/export",                                    "L B B F B F F F F F F"),
    ("GET /invoices/runs",                                      "L Y Y F Y F F F F F F"),
    ("POST /invoices/runs",                                     "L B B F B F F F F F F"),
    ("GET /invoices/runs/{id}/progress",                        "L N N F N F F F F F F"),
    ("GET /invoices/{id}",                                      "L Y Y F Y F F Y N F F"),
    ("POST /invoices/{id}/credit-note",                         "L B B F B F F F F F F"),
    ("POST /invoices/{id}/discard",                             "L B B F B F F F F F F"),
    ("GET /invoices/{id}/edit",                                 "L B B F B F F F F F F"),
    ("POST /invoices/{id}/edit",                                "L B B F B F F F F F F"),
    ("POST /invoices/{id}/issue",                               "L B B F B F F F F F F"),
    ("POST /invoices/{id}/payments",                            "L B B F B F F F F F F"),
    ("GET /invoices/{id}/pdf",                                  "L Y Y F Y F F Y N F F"),
    ("GET /quotes",                                             "L Y Y F Y F F Y Y F F"),
    ("GET /quotes/new",                                         "L Y Y F Y F F F F F F"),
    ("GET /quotes/{id}",                                        "L Y Y F Y F F Y N F F"),
    ("GET /quotes/{id}/pdf",                                    "L Y Y F Y F F Y N F F"),
    ("POST /quotes",                                            "L B B F B F F F F F F"),
    ("POST /quotes/{id}/accept",                                "L F F F F F F B N F F"),
    ("POST /quotes/{id}/decline",                               "L F F F F F F B N F F"),
    ("POST /quotes/{id}/edit",                                  "L B B F B F F F F F F"),
    ("POST /quotes/{id}/send",                                  "L B B F B F F F F F F"),
    ("GET /instructors",                                        "L Y Y Y Y F F F F F F"),
    ("POST /instructors",                                       "L B B B F F F F F F F"),
    ("GET /instructors/new",                                    "L Y Y Y F F F F F F F"),
    ("GET /instructors/{id}",                                   "L Y Y Y Y Y F F F F F"),
    ("POST /instructors/{id}",                                  "L B B B F F F F F F F"),
    ("POST /instructors/{id}/archive",                          "L B B B F F F F F F F"),
    ("POST /instructors/{id}/contracts",                        "L Y Y F Y F F F F F F"),
    ("GET /instructors/{id}/credentials",                       "L Y Y Y Y Y F F F F F"),
    ("GET /instructors/{id}/edit",                              "L Y Y Y F F F F F F F"),
    (
        "POST /instructors/{id}/qualifications",
        "L Y Y Y F F F F F F F",
    ),
    (
        "POST /instructors/{id}/qualifications/{qid}/remove",
        "L N N N F F F F F F F",
    ),
    ("POST /instructors/{id}/restore",                          "L B B B F F F F F F F"),
    ("POST /instructors/{id}/time-off",                         "L B B B F B F F F F F"),
    (
        "POST /instructors/{id}/time-off/{tid}/remove",
        "L N N N F N F F F F F",
    ),
    (
        "POST /instructors/{id}/working-pattern",
        "L Y Y Y F Y F F F F F",
    ),
    ("GET /learners",                                           "L Y Y Y Y F F Y Y F F"),
    ("POST /learners",                                          "L B B B F F F F F F F"),
    ("GET /learners/new",                                       "L Y Y Y F F F F F F F"),
    ("GET /learners/search",                                    "L Y Y Y Y F F Y Y F F"),
    ("GET /learners/{id}",                                      "L Y Y Y Y F F Y N Y F"),
    ("POST /learners/{id}",                                     "L B B B F F F F F F F"),
    ("POST /learners/{id}/archive",                             "L B B B F F F F F F F"),
    ("GET /learners/{id}/edit",                                 "L Y Y Y F F F F F F F"),
    ("POST /learners/{id}/restore",                             "L B B B F F F F F F F"),
    ("GET /login",                                              "Y Y Y Y Y Y Y Y Y Y Y"),
    // Single sign-on (issue 18 §3), off in this world: nothing to start, no sign-in to finish.
    ("GET /login/sso",                                          "N N N N N N N N N N N"),
    ("GET /login/sso/callback",                                 "L L L L L L L L L L L"),
    ("GET /admin/sso",                                          "L Y F F F F F F F F F"),
    ("POST /admin/sso",                                         "L B F F F F F F F F F"),
    ("GET /plan",                                               "L Y Y Y Y F F F F F F"),
    ("POST /plan/repair",                                       "L B B B B B B B B B B"),
    ("POST /plan/runs",                                         "L B B B B B B B B B B"),
    ("GET /plan/runs/{id}",                                     "L N N N N F F F F F F"),
    ("POST /plan/runs/{id}/accept",                             "L B B B B B B B B B B"),
    ("GET /plan/runs/{id}/progress",                            "L N N N N F F F F F F"),
    ("POST /plan/windows/{id}",                                 "L B B B F F F F F F F"),
    ("POST /plan/windows/{id}/clear",                           "L N N N F F F F F F F"),
    ("GET /portal/client",                                      "L F F F F F F Y Y F F"),
    ("GET /portal/client/enroll",                               "L F F F F F F Y Y F F"),
    ("POST /portal/client/enroll",                              "L F F F F F F B B F F"),
    ("GET /portal/enrollments/{id}",                            "L N N N N N N N N Y N"),
    (
        "POST /portal/enrollments/{id}/{action}",
        "L N N N N N N N N N N",
    ),
    ("POST /portal/time-off",                                   "L F F F F Y Y F F F F"),
    ("GET /agreements",                                         "L Y Y F Y F F F F F F"),
    ("POST /agreements",                                        "L B B F B F F F F F F"),
    ("GET /agreements/new",                                     "L Y Y F Y F F F F F F"),
    ("GET /agreements/{id}",                                    "L Y Y F Y F F F F F F"),
    ("POST /agreements/{id}",                                   "L B B F B F F F F F F"),
    ("POST /agreements/{id}/archive",                           "L B B F B F F F F F F"),
    ("GET /agreements/{id}/edit",                               "L Y Y F Y F F F F F F"),
    ("POST /agreements/{id}/restore",                           "L B B F B F F F F F F"),
    ("POST /agreements/{id}/rates",                             "L B B F B F F F F F F"),
    ("POST /agreements/{id}/rates/{course_id}/remove",          "L N N F N F F F F F F"),
    ("POST /agreements/{id}/credits",                           "L B B F B F F F F F F"),
    ("POST /agreements/{id}/cancellation-policy",               "L Y Y F Y F F F F F F"),
    ("GET /courses/{id}/prices",                                "L Y Y F Y F F F F F F"),
    ("POST /courses/{id}/prices",                               "L B B F B F F F F F F"),
    ("POST /courses/{id}/prices/{currency}/remove",             "L B B F B F F F F F F"),
    ("GET /finance/rates",                                      "L Y Y F Y F F F F F F"),
    ("POST /finance/tax-rates",                                 "L B B F B F F F F F F"),
    ("POST /finance/exchange-rates",                            "L B B F B F F F F F F"),
    ("POST /finance/settings",                                  "L B B F B F F F F F F"),
    ("GET /clients/{id}/pricing",                               "L Y Y F Y F F F F F F"),
    ("POST /clients/{id}/tax-region",                           "L Y Y F Y F F F F F F"),
    ("GET /programs",                                           "L Y Y Y Y F F F F F F"),
    ("POST /programs",                                          "L B B B F F F F F F F"),
    ("GET /programs/new",                                       "L Y Y Y F F F F F F F"),
    ("GET /programs/{id}",                                      "L Y Y Y Y F F Y N F F"),
    ("POST /programs/{id}",                                     "L B B B F F F F F F F"),
    ("POST /programs/{id}/archive",                             "L B B B F F F F F F F"),
    ("GET /programs/{id}/edit",                                 "L Y Y Y F F F F F F F"),
    ("POST /programs/{id}/restore",                             "L B B B F F F F F F F"),
    ("GET /resources",                                          "L Y Y Y Y F F F F F F"),
    ("POST /resources",                                         "L B B B F F F F F F F"),
    ("GET /resources/new",                                      "L Y Y Y F F F F F F F"),
    ("GET /resources/{id}",                                     "L Y Y Y Y F F F F F F"),
    ("POST /resources/{id}",                                    "L B B B F F F F F F F"),
    ("POST /resources/{id}/archive",                            "L B B B F F F F F F F"),
    ("GET /resources/{id}/edit",                                "L Y Y Y F F F F F F F"),
    ("POST /resources/{id}/restore",                            "L B B B F F F F F F F"),
    ("GET /search",                                             "L Y Y Y Y F F F F F F"),
    ("GET /sessions",                                           "L Y Y Y Y Y Y Y Y Y Y"),
    ("POST /sessions",                                          "L B B B F F F F F F F"),
    ("GET /sessions/new",                                       "L Y Y Y F F F F F F F"),
    ("GET /sessions/{id}",                                      "L Y Y Y Y F F Y N F F"),
    ("POST /sessions/{id}",                                     "L B B B F F F F F F F"),
    ("POST /sessions/{id}/archive",                             "L B B B F F F F F F F"),
    ("POST /sessions/{id}/assignments",                         "L N N N F F F F F F F"),
    ("GET /sessions/{id}/attendance",                           "L Y Y Y F Y F F F F F"),
    ("POST /sessions/{id}/attendance",                          "L N N N F N F F F F F"),
    ("POST /sessions/{id}/bookings",                            "L N N N F F F F F F F"),
    (
        "POST /sessions/{id}/bookings/{resource_id}/confirm",
        "L N N N F F F F F F F",
    ),
    (
        "POST /sessions/{id}/bookings/{resource_id}/release",
        "L N N N F F F F F F F",
    ),
    ("GET /sessions/{id}/candidates",                           "L Y Y Y Y F F F N F F"),
    ("GET /sessions/{id}/edit",                                 "L Y Y Y F F F F F F F"),
    ("GET /sessions/{id}/enroll-bulk",                          "L Y Y Y F F F F F F F"),
    ("POST /sessions/{id}/enroll-bulk",                         "L B B B F F F F F F F"),
    ("POST /sessions/{id}/enrollments",                         "L N N N N N N N N N N"),
    ("POST /sessions/{id}/merge",                               "L N N N F F F F F F F"),
    ("GET /sessions/{id}/repeat",                               "L Y Y Y F F F F F F F"),
    ("POST /sessions/{id}/repeat",                              "L B B B F F F F N F F"),
    (
        "POST /sessions/{id}/repeat/preview",
        "L B B B F F F F N F F",
    ),
    ("POST /sessions/{id}/restore",                             "L B B B F F F F F F F"),
    ("POST /sessions/{id}/transition",                          "L B B B B B B B B B B"),
    ("GET /timeline",                                           "L Y Y Y Y F F F F F F"),
    ("GET /venues",                                             "L Y Y Y Y F F F F F F"),
    ("POST /venues",                                            "L B B B F F F F F F F"),
    ("GET /venues/new",                                         "L Y Y Y F F F F F F F"),
    ("GET /venues/{id}",                                        "L Y Y Y Y F F F F F F"),
    ("POST /venues/{id}",                                       "L B B B F F F F F F F"),
    ("POST /venues/{id}/archive",                               "L B B B F F F F F F F"),
    ("GET /venues/{id}/edit",                                   "L Y Y Y F F F F F F F"),
    ("POST /venues/{id}/restore",                               "L B B B F F F F F F F"),
    ("GET /venues/{id}/travel-times",                           "L Y Y Y F F F F F F F"),
    ("POST /venues/{id}/travel-times",                          "L Y Y Y F F F F F F F"),
    ("GET /closures",                                           "L Y Y Y Y F F F F F F"),
    ("POST /closures",                                          "L Y Y Y F F F F F F F"),
    ("POST /closures/{id}/remove",                              "L N N N F F F F F F F"),
    ("GET /reports",                                            "L Y Y Y Y Y Y Y Y F F"),
    ("GET /reports/morning",                                    "L Y Y Y Y F F F F F F"),
    ("GET /reports/satisfaction",                               "L Y Y Y Y Y Y Y Y F F"),
    ("GET /reports/views",                                      "L Y Y Y Y Y Y Y Y F F"),
    ("GET /reports/views/{id}/edit",                            "L N N N N N N N N N N"),
    ("GET /reports/views/{id}/schedules",                       "L N N N N N N N N N N"),
    ("POST /reports/views",                                     "L B B B B B B B B F F"),
    ("POST /reports/views/{id}",                                "L N N N N N N N N N N"),
    ("POST /reports/views/{id}/delete",                         "L N N N N N N N N N N"),
    ("POST /reports/views/{id}/schedules",                      "L N N N N N N N N N N"),
    ("POST /reports/views/{id}/schedules/{schedule_id}/delete", "L N N N N N N N N N N"),
    ("GET /reports/profitability",                              "L Y Y F Y F F F F F F"),
    ("GET /costs/import",                                       "L Y Y F Y F F F F F F"),
    ("POST /costs/import",                                      "L B B F B F F F F F F"),
    ("POST /sessions/{id}/cost-lines",                          "L B B F B F F F F F F"),
    ("POST /sessions/{id}/cost-lines/actual",                   "L N N F N F F F F F F"),
    ("POST /sessions/{id}/cost-lines/remove",                   "L N N F N F F F F F F"),
    ("POST /sessions/{id}/resource-rate",                       "L B B F B F F F F F F"),
    ("POST /sessions/{id}/cost-centre",                         "L Y Y F Y F F F F F F"),
    ("POST /sessions/{id}/admin-time",                          "L B B B F F F F F F F"),
    ("GET /clients/{id}/evidence",                              "L Y Y Y Y F F Y F F F"),
    ("GET /compliance",                                         "L Y Y Y Y F F F F F F"),
    ("GET /compliance/requirements",                            "L Y Y Y Y F F F F F F"),
    ("POST /compliance/requirements",                           "L Y Y Y F F F F F F F"),
    ("POST /compliance/requirements/{id}",                      "L Y Y Y F F F F F F F"),
    ("GET /compliance/requirements/{id}/edit",                  "L N N N F F F F F F F"),
    ("POST /compliance/requirements/{id}/archive",              "L N N N F F F F F F F"),
    ("POST /compliance/items/{id}/tick",                        "L B B B F F F F F F F"),
    ("GET /sessions/{id}/compliance",                           "L Y Y Y Y Y F Y N F F"),
    ("POST /sessions/{id}/documents",                           "L Y Y Y F Y F F N F F"),
    ("GET /sessions/{id}/evidence-pack",                        "L Y Y Y Y F F Y N F F"),
    ("GET /clients/{id}/evidence-pack",                         "L B B B B F F B N F F"),
    ("GET /documents/{id}",                                     "L N N N N N N N N N N"),
    ("POST /substitutions/{id}/steps",                          "L B B B F F F F F F F"),
    ("GET /certificates",                                       "L Y Y Y Y F F Y Y Y Y"),
    ("GET /certificates/issue",                                 "L N N N F F F F F F F"),
    ("POST /certificates/issue",                                "L N N N F F F F F F F"),
    ("GET /certificates/{id}",                                  "L Y Y Y Y F F Y N Y N"),
    ("GET /certificates/{id}/pdf",                              "L Y Y Y Y F F Y N Y N"),
    ("POST /certificates/{id}/revoke",                          "L B B B F F F F F F F"),
    ("GET /quality",                                            "L Y Y Y F F F F F F F"),
    ("GET /clients/{id}/expiring",                              "L Y Y Y Y F F Y N F F"),
    ("POST /clients/{id}/expiring/offer",                       "L N N N F F F F F F F"),
    ("POST /clients/{id}/expiring/setting",                     "L Y Y Y F F F F F F F"),
    ("GET /portal/expiring",                                    "L N N N N N N Y Y N N"),
    ("GET /renewal/{id}/{token}",                               "N N N N N N N N N N N"),
    ("POST /renewal/{id}/{token}",                              "N N N N N N N N N N N"),
    ("POST /sessions/{id}/complaints",                          "L B B B F F F F F F F"),
    ("POST /sessions/{id}/complaints/resolve",                  "L B B B F F F F F F F"),
    ("POST /portal/renewals/{id}",                              "L N N N N N N N N N N"),
    ("POST /sessions/{id}/instructor-attendance",               "L Y Y Y F F F F F F F"),
    ("GET /feedback",                                           "L Y Y Y Y Y Y Y Y F F"),
    ("GET /sessions/{id}/feedback",                             "L Y Y Y Y Y N Y N F F"),
    ("GET /admin/survey-templates",                             "L Y Y Y Y F F F F F F"),
    ("GET /admin/survey-templates/new",                         "L Y Y Y F F F F F F F"),
    ("POST /admin/survey-templates/new",                        "L B B B F F F F F F F"),
    ("GET /admin/survey-templates/{id}",                        "L N N N N F F F F F F"),
    ("POST /admin/survey-templates/{id}",                       "L N N N F F F F F F F"),
    ("POST /admin/survey-templates/{id}/archive",               "L N N N F F F F F F F"),
    ("GET /survey/{token}",                                     "N N N N N N N N N N N"),
    ("POST /survey/{token}",                                    "N N N N N N N N N N N"),
    ("GET /verify",                                             "Y Y Y Y Y Y Y Y Y Y Y"),
    ("GET /admin/certificate-reminders",                        "L Y Y F F F F F F F F"),
    ("POST /admin/certificate-reminders",                       "L B B F F F F F F F F"),
    ("GET /verify/{code}",                                      "N N N N N N N N N N N"),
    // Webhooks (issue 18 §1): admins only.
    ("GET /admin/webhooks",                                     "L Y F F F F F F F F F"),
    ("GET /admin/import",                                       "L Y Y Y F F F F F F F"),
    ("POST /admin/import",                                      "L B B B F F F F F F F"),
    ("GET /admin/import/{id}",                                  "L N N N F F F F F F F"),
    ("POST /admin/import/{id}",                                 "L N N N F F F F F F F"),
    ("GET /admin/import/{id}/progress",                         "L N N N F F F F F F F"),
    ("GET /admin/export",                                       "L Y Y Y F F F F F F F"),
    ("GET /admin/webhooks/new",                                 "L Y F F F F F F F F F"),
    ("GET /admin/webhooks/{id}",                                "L N F F F F F F F F F"),
    ("GET /admin/webhooks/{id}/deliveries/{delivery_id}",       "L N F F F F F F F F F"),
    ("GET /admin/webhooks/{id}/edit",                           "L N F F F F F F F F F"),
    ("POST /admin/webhooks",                                    "L B F F F F F F F F F"),
    ("POST /admin/webhooks/{id}",                               "L N F F F F F F F F F"),
    (
        "POST /admin/webhooks/{id}/deliveries/{delivery_id}/replay",
        "L N F F F F F F F F F",
    ),
    ("POST /admin/webhooks/{id}/replay",                        "L B B B B B B B B B B"),
    ("POST /admin/webhooks/{id}/rotate",                        "L N F F F F F F F F F"),
    // The xAPI hand-off (issue 18 §4).
    ("GET /admin/lrs",                                          "L Y F F F F F F F F F"),
    ("POST /admin/lrs",                                         "L B F F F F F F F F F"),
    ("POST /admin/lrs/prerequisites",                           "L N N N F F F F F F F"),
    ("POST /sessions/{id}/readiness-check",                     "L Y Y Y F F F F F F F"),
    ("GET /budgets",                                            "L Y Y F Y F F F F F F"),
    ("POST /budgets",                                           "L B B F B F F F F F F"),
    ("GET /budgets/{id}",                                       "L N N F N F F F F F F"),
    ("POST /budgets/{id}",                                      "L N N F N F F F F F F"),
    ("POST /budgets/{id}/archive",                              "L N N F N F F F F F F"),
    ("POST /budgets/cost-centres",                              "L B B F B F F F F F F"),
    ("POST /budgets/cost-centres/tag",                          "L B B F B F F F F F F"),
];

/// What some routes need beyond their path to reach their access check: a query (appended; its
/// `{…}` filled like the path's), a suffix, or an API body that parses (the default body is
/// `{"version": 0}`, which a handler may refuse before it asks who is calling).
const EXTRA: &[(&str, &str, &str)] = &[
    ("GET /calendar", "?kind=instructor&id={instructors}", ""),
    ("GET /feeds", "?kind=instructor&target_id={instructors}", ""),
    (
        "GET /sessions/{id}/check",
        "?instructor_id={instructors}",
        "",
    ),
    ("GET /portal/enrollments/{id}", ".ics", ""),
    (
        "POST /sessions/{id}/attendance",
        "",
        r#"{"part_id": 999999, "present": []}"#,
    ),
    (
        "POST /assignments/{id}/actions",
        "",
        r#"{"event": "decline", "version": 0}"#,
    ),
    (
        "POST /sessions/{id}/transition",
        "",
        r#"{"event": "cancel", "version": 0, "reason": "other", "reason_note": "access check"}"#,
    ),
    ("POST /sessions/{id}/admin-time", "", r#"{"minutes": 0}"#),
    (
        "POST /clients/{id}/renewal-offers",
        "",
        r#"{"certificate_id": 999999}"#,
    ),
    (
        "PUT /clients/{id}/renewal-setting",
        "",
        r#"{"offer_renewals": false}"#,
    ),
];

/// Routes the matrix leaves alone, with the reason.
const UNCHECKED: &[(&str, &str)] = &[
    (
        "POST /login",
        "changes who is signed in (tests/ui.rs covers it)",
    ),
    (
        "POST /logout",
        "changes who is signed in (tests/ui.rs covers it)",
    ),
];

fn extra(route: &str) -> (&'static str, &'static str) {
    EXTRA
        .iter()
        .find(|(r, _, _)| *r == route)
        .map(|(_, q, b)| (*q, *b))
        .unwrap_or(("", ""))
}

// ------------------------------------------------------------------ the world

struct Who {
    name: &'static str,
    api: Option<Api>,
    web: reqwest::Client,
    csrf: String,
}

struct World {
    ids: BTreeMap<&'static str, i64>,
    who: Vec<Who>,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn person(
    t: &TestApp,
    name: &'static str,
    role: Role,
    client_id: Option<i64>,
    instructor_id: Option<i64>,
    learner_id: Option<i64>,
) -> Who {
    let email = format!(
        "{}@access.example.com",
        name.replace([' ', '(', ')', ','], "")
    );
    accounts::create_user(
        &t.app,
        None,
        NewAccount {
            email: email.clone(),
            display_name: name.into(),
            password: PASSWORD.into(),
            role,
            client_id,
            instructor_id,
            learner_id,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let token = accounts::create_api_token_for(&t.app, &email, "access")
        .await
        .unwrap();
    let web = no_redirects();
    let base = t.url("");
    let r = web
        .post(format!("{base}/login"))
        .header("origin", &base)
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection(),
        "login as {name}: {}",
        r.status()
    );
    let html = web
        .get(format!("{base}/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let csrf = html
        .find(marker)
        .map(|i| html[i + marker.len()..i + marker.len() + 64].to_owned())
        .unwrap_or_default();
    Who {
        name,
        api: Some(Api {
            base: t.url("/api/v1"),
            token: token.secret,
            http: reqwest::Client::new(),
        }),
        web,
        csrf,
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// A session a week ahead, scheduled, for `client` (private) when given.
async fn session(api: &Api, course: i64, venue: i64, client: Option<i64>, day: &str) -> Value {
    let mut body = json!({
        "course_id": course, "visibility": "public", "delivery_mode": "ilt", "venue_id": venue,
        "capacity": 10, "time_zone": "Europe/Berlin", "seat_price": { "amount": "490", "currency": "EUR" },
        "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]
    });
    if let Some(c) = client {
        body["visibility"] = json!("private");
        body["client_id"] = json!(c);
    }
    let s = api.create("/sessions", &body).await;
    let sid = id(&s);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "schedule: {}", r.body);
    r.body
}

/// Moves an assignment along: request, accept, confirm (as far as `to`).
async fn assignment_to(api: &Api, assignment: &Value, to: &str) -> Value {
    let mut a = assignment.clone();
    for event in ["request", "accept", "confirm"] {
        if a["status"] == json!(to) {
            break;
        }
        let r = api
            .post(
                &format!("/assignments/{}/actions", id(&a)),
                &json!({ "event": event, "version": a["version"], "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        a = r.body;
    }
    assert_eq!(a["status"], json!(to));
    a
}

fn day_ahead(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn world(t: &TestApp) -> World {
    let admin = t.api_as(Role::Admin, None).await;
    let venue = id(&admin
        .create("/venues", &venue_body("ACV", "Europe/Berlin"))
        .await);
    let room = id(&admin
        .create(
            "/resources",
            &json!({ "kind": "room", "code": "ACR", "name": "Room", "venue_id": venue, "seats": 12, "quantity": 1 }),
        )
        .await);
    // The instructors have the skill it requires: proposing and requesting judge what
    // confirming does.
    let mut acc = course_body_with_costs("ACC");
    acc["required_skill"] = json!("access");
    let course = id(&admin.create("/courses", &acc).await);
    let inst = |name: &str| {
        json!({ "name": name, "email": format!("{name}@inst.example.com"), "employment_type": "contractor",
                "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" }, "hour_rate": { "amount": "100", "currency": "EUR" },
                "max_days_week": 5, "max_days_month": 20, "skills": ["access"] })
    };
    let i1 = id(&admin.create("/instructors", &inst("ione")).await);
    let i2 = id(&admin.create("/instructors", &inst("itwo")).await);
    let client = |code: &str| {
        json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{code}.example.com"),
                "currency": "EUR", "time_zone": "Europe/Berlin" })
    };
    let c1 = id(&admin.create("/clients", &client("cone")).await);
    let c2 = id(&admin.create("/clients", &client("ctwo")).await);
    let learner = |n: &str, c: i64| {
        json!({ "first_name": n, "last_name": "Learner", "email": format!("{n}@learner.example.com"),
                "client_id": c, "time_zone": "Europe/Berlin" })
    };
    let l1 = id(&admin.create("/learners", &learner("lone", c1)).await);
    let l2 = id(&admin.create("/learners", &learner("ltwo", c2)).await);
    let program = id(&admin
        .create(
            "/programs",
            &json!({ "client_id": c1, "name": "Program one", "budget": { "amount": "60000", "currency": "EUR" } }),
        )
        .await);
    let s1 = session(&admin, course, venue, Some(c1), &day_ahead(7)).await;
    let s1_id = id(&s1);
    let r = admin
        .put(
            &format!("/sessions/{s1_id}"),
            &json!({ "course_id": course, "visibility": "private", "client_id": c1, "program_id": program,
                     "delivery_mode": "ilt", "venue_id": venue, "capacity": 10, "time_zone": "Europe/Berlin",
                     "seat_price": { "amount": "490", "currency": "EUR" }, "version": s1["version"],
                     "parts": [{ "starts": format!("{}T09:00", day_ahead(7)), "ends": format!("{}T17:00", day_ahead(7)) }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "program on session: {}", r.body);
    let a1 = admin
        .create(
            &format!("/sessions/{s1_id}/assignments"),
            &json!({ "instructor_id": i1, "role": "lead" }),
        )
        .await;
    let a1 = assignment_to(&admin, &a1, "accepted").await;
    admin
        .create(
            &format!("/sessions/{s1_id}/assignments"),
            &json!({ "instructor_id": i2, "role": "co" }),
        )
        .await;
    let e1 = id(&admin
        .create(
            &format!("/sessions/{s1_id}/enrollments"),
            &json!({ "learner_id": l1 }),
        )
        .await);

    // A certificate of learner L1 (client C1), as the closing of a session would issue it.
    let certificate = {
        let mut tx = t.app.store.write().await.unwrap();
        let id = trainyard_store::certificates::insert(
            &mut tx,
            &trainyard_store::certificates::NewCertificate {
                code: "ACCESS234567",
                enrollment_id: Some(e1),
                learner_id: l1,
                course_id: course,
                session_id: Some(s1_id),
                client_id: Some(c1),
                learner_name: "lone Learner",
                course_title: "Course ACC",
                certificate_name: "Access Certificate",
                instructor_name: "ione",
                issued_on: "2027-01-01",
                expires_on: None,
                issued_by: None,
            },
            trainyard_core::time::now_ms(),
        )
        .await
        .unwrap()
        .unwrap();
        tx.commit().await.unwrap();
        id
    };

    // An issued invoice of client C1.
    let draft = admin
        .create(
            "/invoices",
            &json!({ "client_id": c1, "lines": [{ "description": "Seat", "quantity": "1", "unit_price": "490", "tax_rate": "19" }] }),
        )
        .await;
    let invoice = id(&draft);
    let r = admin
        .post(
            &format!("/invoices/{invoice}/issue"),
            &json!({ "version": draft["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "issue: {}", r.body);

    // An agreement of client C1 (finance data).
    let agreement = id(&admin
        .create(
            "/agreements",
            &json!({ "client_id": c1, "reference": "CONE-1", "valid_from": "2020-01-01", "discount_bp": 1000 }),
        )
        .await);

    // A sent quote of client C1.
    let quote = admin
        .create(
            "/quotes",
            &json!({ "client_id": c1, "title": "Access quote",
                     "lines": [{ "course_id": course, "sessions": "1", "unit_price": "1000", "tax_rate": "19" }] }),
        )
        .await;
    let r = admin
        .post(
            &format!("/quotes/{}/send", id(&quote)),
            &json!({ "version": quote["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "send quote: {}", r.body);

    let mut who = vec![Who {
        name: WHO[0],
        api: None,
        web: no_redirects(),
        csrf: String::new(),
    }];
    for (n, role) in [
        (WHO[1], Role::Admin),
        (WHO[2], Role::Manager),
        (WHO[3], Role::Coordinator),
        (WHO[4], Role::Finance),
    ] {
        who.push(person(t, n, role, None, None, None).await);
    }
    who.push(person(t, WHO[5], Role::Instructor, None, Some(i1), None).await);
    who.push(person(t, WHO[6], Role::Instructor, None, Some(i2), None).await);
    who.push(person(t, WHO[7], Role::ClientContact, Some(c1), None, None).await);
    who.push(person(t, WHO[8], Role::ClientContact, Some(c2), None, None).await);
    who.push(person(t, WHO[9], Role::Learner, Some(c1), None, Some(l1)).await);
    who.push(person(t, WHO[10], Role::Learner, Some(c2), None, Some(l2)).await);

    let ids = BTreeMap::from([
        ("venues", venue),
        ("resources", room),
        ("resource_id", room),
        ("courses", course),
        ("catalog", course),
        ("instructors", i1),
        ("clients", c1),
        ("learners", l1),
        ("programs", program),
        ("sessions", s1_id),
        ("assignments", id(&a1)),
        ("assignment_version", a1["version"].as_i64().unwrap()),
        ("enrollments", e1),
        ("target", i1),
        ("invoices", invoice),
        ("certificates", certificate),
        // The default learner template, seeded by migration 0034.
        ("survey-templates", 1),
        ("agreements", agreement),
        ("quotes", id(&quote)),
        ("course_id", course),
    ]);
    World { ids, who }
}

impl World {
    /// The route with its placeholders filled in. Ids that the world does not create (feeds,
    /// outbox messages, plan runs, qualifications…) are a number that does not exist.
    fn fill(&self, route: &str) -> String {
        let first = route
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        // Portal enrollments are the learner's enrollments.
        let first = if route.starts_with("/portal/enrollments") {
            "enrollments"
        } else {
            first
        };
        let mut out = String::new();
        let mut rest = route;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map(|c| open + c).unwrap();
            let name = &rest[open + 1..close];
            let value = match name {
                "id" => self.ids.get(first).copied().unwrap_or(999_999).to_string(),
                "entity" => "session".into(),
                "event" => "session_changed".into(),
                "file" => "nothing.ics".into(),
                "kind" => "instructor".into(),
                "action" => "no-such-action".into(),
                other => self.ids.get(other).copied().unwrap_or(999_999).to_string(),
            };
            out.push_str(&value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn letter(status: StatusCode, location: Option<&str>) -> char {
    match status.as_u16() {
        401 => 'L',
        403 => 'F',
        404 => 'N',
        400 | 409 | 422 => 'B',
        s if (300..400).contains(&s) && location.is_some_and(|l| l.starts_with("/login")) => 'L',
        s if (200..400).contains(&s) => 'Y',
        _ => '?',
    }
}

async fn api_outcome(t: &TestApp, who: &Who, method: &str, path: &str, body: &str) -> char {
    let url = t.url(&format!("/api/v1{path}"));
    let http = reqwest::Client::new();
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = http.request(m.clone(), &url);
    if let Some(api) = &who.api {
        req = req.bearer_auth(&api.token);
    }
    if m == reqwest::Method::DELETE {
        req = req.query(&[("version", "0")]);
    } else if m != reqwest::Method::GET {
        // A stale version: whoever may change the record is told it changed meanwhile.
        req = if body.is_empty() {
            req.json(&json!({ "version": 0 }))
        } else {
            req.json(&serde_json::from_str::<Value>(body).unwrap())
        };
        if path.ends_with("/restore") {
            req = req.query(&[("version", "0")]);
        }
    }
    let r = req.send().await.unwrap();
    letter(r.status(), None)
}

async fn page_outcome(t: &TestApp, who: &Who, method: &str, path: &str) -> char {
    let url = t.url(path);
    let req = if method == "GET" {
        who.web.get(&url)
    } else {
        who.web
            .post(&url)
            .header("origin", t.url(""))
            .form(&[("_csrf", who.csrf.as_str()), ("version", "0")])
    };
    let r = req.send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    letter(r.status(), loc.as_deref())
}

fn parse_rules(rules: &[(&'static str, &'static str)]) -> BTreeMap<(String, String), String> {
    let mut map = BTreeMap::new();
    for (route, expect) in rules {
        let (m, p) = route.split_once(' ').unwrap();
        let letters: String = expect.split_whitespace().collect();
        assert_eq!(
            letters.len(),
            WHO.len(),
            "the row for {route} needs one outcome per caller"
        );
        assert!(
            map.insert((m.to_owned(), p.to_owned()), letters).is_none(),
            "{route} has two rows"
        );
    }
    map
}

fn row(method: &str, path: &str, got: &str) -> String {
    let spaced: Vec<String> = got.chars().map(|c| c.to_string()).collect();
    format!("    (\"{method} {path}\", \"{}\"),", spaced.join(" "))
}

async fn every_route_for_every_role(t: &TestApp) {
    let w = world(t).await;
    let api_rules = parse_rules(API_RULES);
    let page_rules = parse_rules(PAGE_RULES);

    // The API's routes, from the document it serves.
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut api_routes = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                api_routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let pages = page_routes();

    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for (set, rules, kind) in [
        (&api_routes, &api_rules, "API_RULES"),
        (&pages, &page_rules, "PAGE_RULES"),
    ] {
        for (m, p) in rules.keys() {
            if !set.contains(&(m.clone(), p.clone())) {
                problems.push(format!(
                    "{kind} has a row for {m} {p}, which is no longer a route"
                ));
            }
        }
        for (m, p) in set.iter() {
            let route = format!("{m} {p}");
            if UNCHECKED.iter().any(|(r, _)| *r == route) {
                continue;
            }
            let (more, body) = extra(&route);
            let path = w.fill(&format!("{p}{more}"));
            let mut got = String::new();
            for who in &w.who {
                got.push(if kind == "API_RULES" {
                    api_outcome(t, who, m, &path, body).await
                } else {
                    page_outcome(t, who, m, &path).await
                });
            }
            match rules.get(&(m.clone(), p.clone())) {
                None => missing.push(format!(
                    "{m} {p} has no row in {kind} (tests/access.rs); today it gives:\n{}",
                    row(m, p, &got)
                )),
                Some(want) if *want != got => {
                    let diff: Vec<String> = want
                        .chars()
                        .zip(got.chars())
                        .enumerate()
                        .filter(|(_, (a, b))| a != b)
                        .map(|(i, (a, b))| format!("{}: expected {a}, got {b}", WHO[i]))
                        .collect();
                    problems.push(format!(
                        "{kind} {m} {p} ({}): {}\n{}",
                        w.fill(p),
                        diff.join("; "),
                        row(m, p, &got)
                    ));
                }
                Some(_) => {}
            }
        }
    }
    assert!(
        problems.is_empty() && missing.is_empty(),
        "{} route(s) without a rule, {} outcome(s) not as the table says:\n{}\n{}",
        missing.len(),
        problems.len(),
        missing.join("\n"),
        problems.join("\n")
    );
}

// ------------------------------------------------------------------ the two leaks

const FINANCE_KEYS: [&str; 4] = ["day_rate", "hour_rate", "material_cost", "budget"];

/// Every finance key anywhere in a JSON reply, with where it was found.
fn finance_keys(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if FINANCE_KEYS.contains(&k.as_str()) {
                    out.push(format!("{at}.{k}"));
                }
                finance_keys(child, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                finance_keys(child, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

async fn finance_fields_only_for_finance(t: &TestApp) {
    let w = world(t).await;
    let (i1, course, program) = (w.ids["instructors"], w.ids["courses"], w.ids["programs"]);
    let reads = [
        "/instructors".to_owned(),
        format!("/instructors/{i1}"),
        "/courses".to_owned(),
        format!("/courses/{course}"),
        "/programs".to_owned(),
        format!("/programs/{program}"),
        format!("/instructors/{i1}/credentials"),
        format!("/history/instructor/{i1}"),
        format!("/history/course/{course}"),
        format!("/history/program/{program}"),
    ];
    // Coordinators (and anyone else who is not finance) get none of them, not even as zero.
    let coordinator = t.api_as(Role::Coordinator, None).await;
    for path in &reads {
        let r = coordinator.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "coordinator GET {path}");
        let mut found = Vec::new();
        finance_keys(&r.body, path, &mut found);
        assert!(found.is_empty(), "coordinator sees finance data: {found:?}");
    }
    let candidates = coordinator
        .get(&format!("/sessions/{}/candidates", w.ids["sessions"]))
        .await;
    assert_eq!(candidates.status, StatusCode::OK);
    assert!(
        candidates.body["instructors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("cost_minor").is_none()),
        "the ranking shows coordinators no cost: {}",
        candidates.body
    );
    assert!(
        candidates.body["instructors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("cost").is_none()),
        "the ranking shows coordinators no cost (now money with its currency): {}",
        candidates.body
    );
    // Every field a coordinator reads is one someone decided they may read: a new field fails
    // here until it is added to this list or hidden in `trainyard_app::audience`.
    let seen = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let words = |s: &str| -> Vec<String> {
        let mut k: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
        k.sort();
        k
    };
    for (path, fields) in [
        (
            format!("/instructors/{i1}"),
            "id name email phone employment_type home_venue_id time_zone max_days_week \
             max_days_month skills notes language created_at updated_at archived_at version",
        ),
        (
            format!("/courses/{course}"),
            "id code title description duration_days hours_per_day delivery_modes min_learners \
             max_learners list_price certificate_name certificate_validity_months required_skill \
             required_features renewal_course_id created_at updated_at archived_at version",
        ),
        (
            format!("/programs/{program}"),
            "id client_id client_name name starts_on ends_on created_at updated_at archived_at \
             version counts sessions",
        ),
    ] {
        let r = coordinator.get(&path).await;
        assert_eq!(
            seen(&r.body),
            words(fields),
            "fields a coordinator reads at {path}"
        );
    }

    // An instructor reading their own record sees no rates either.
    let own = w.who.iter().find(|x| x.name == WHO[5]).unwrap();
    let r = own
        .api
        .as_ref()
        .unwrap()
        .get(&format!("/instructors/{i1}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.get("day_rate").is_none() && r.body.get("hour_rate").is_none());
    // A client contact sees their program, without its budget.
    let client = w.who.iter().find(|x| x.name == WHO[7]).unwrap();
    let r = client
        .api
        .as_ref()
        .unwrap()
        .get(&format!("/programs/{program}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.get("budget").is_none(), "{}", r.body);

    // Finance, managers and admins get all of them, with their real values.
    for role in [Role::Finance, Role::Manager, Role::Admin] {
        let api = t.api_as(role, None).await;
        let i = api.get(&format!("/instructors/{i1}")).await.body;
        assert_eq!(i["day_rate"]["amount"], "800.00", "{role}: {i}");
        assert_eq!(i["hour_rate"]["amount"], "100.00", "{role}");
        let list = api.get("/instructors").await.body;
        assert!(list["items"][0].get("day_rate").is_some(), "{role}");
        let c = api.get(&format!("/courses/{course}")).await.body;
        assert_eq!(c["day_rate"]["amount"], "1500.00", "{role}");
        assert_eq!(c["material_cost"]["amount"], "25.50", "{role}");
        assert!(
            api.get("/courses").await.body["items"][0]
                .get("material_cost")
                .is_some()
        );
        let p = api.get(&format!("/programs/{program}")).await.body;
        assert_eq!(p["budget"]["amount"], "60000.00", "{role}");
        assert!(
            api.get("/programs").await.body["items"][0]
                .get("budget")
                .is_some()
        );
        let h = api.get(&format!("/history/instructor/{i1}")).await.body;
        assert!(h[0]["after"].get("day_rate").is_some(), "{role}: {h}");
    }

    // The schema says the fields may be absent.
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (schema, field) in [
        ("Instructor", "day_rate"),
        ("Instructor", "hour_rate"),
        ("Course", "day_rate"),
        ("Course", "material_cost"),
        ("Program", "budget"),
    ] {
        let required = doc["components"]["schemas"][schema]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !required.contains(&json!(field)),
            "{schema}.{field} is optional in the OpenAPI document"
        );
    }

    // The pages follow the same rule: no rate on the coordinator's instructor page or form.
    let web = t.browser_as(Role::Coordinator, None).await;
    for path in [
        format!("/instructors/{i1}"),
        format!("/instructors/{i1}/edit"),
        format!("/courses/{course}"),
        format!("/courses/{course}/edit"),
        format!("/programs/{program}"),
        format!("/programs/{program}/edit"),
        "/programs".to_owned(),
    ] {
        let (status, html) = web.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for needle in [
            "800.00",
            "1,500.00",
            "1500.00",
            "60,000.00",
            "60000.00",
            "name=\"day_rate\"",
            "name=\"budget\"",
        ] {
            assert!(
                !html.contains(needle),
                "coordinator page {path} shows {needle}"
            );
        }
    }
}

async fn only_finance_changes_rates(t: &TestApp) {
    let w = world(t).await;
    let (i1, course, program) = (w.ids["instructors"], w.ids["courses"], w.ids["programs"]);
    let admin = t.api_as(Role::Admin, None).await;
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let stored = |v: &Value, k: &str| v[k]["amount"].as_str().unwrap_or_default().to_owned();

    // A coordinator's PUT that changes a rate: 403 naming the field, and nothing changed.
    let inst = admin.get(&format!("/instructors/{i1}")).await.body;
    let mut body = json!({ "name": "ione", "email": "ione@inst.example.com", "employment_type": "contractor",
        "time_zone": "Europe/Berlin", "max_days_week": 4, "max_days_month": 20,
        "day_rate": { "amount": "1", "currency": "EUR" }, "version": inst["version"] });
    let r = coordinator.put(&format!("/instructors/{i1}"), &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("day_rate"),
        "{}",
        r.body
    );
    let after = admin.get(&format!("/instructors/{i1}")).await.body;
    assert_eq!(after["version"], inst["version"]);
    assert_eq!(stored(&after, "day_rate"), "800.00");
    // The same value is no change; leaving the rates out keeps them (a replace does not wipe them).
    body["day_rate"] = json!({ "amount": "800", "currency": "EUR" });
    let r = coordinator.put(&format!("/instructors/{i1}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.get("day_rate").is_none(), "{}", r.body);
    let mut body = body.clone();
    body.as_object_mut().unwrap().remove("day_rate");
    body["version"] = r.body["version"].clone();
    body["max_days_week"] = json!(3);
    let r = coordinator.put(&format!("/instructors/{i1}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = admin.get(&format!("/instructors/{i1}")).await.body;
    assert_eq!(after["max_days_week"], 3);
    assert_eq!(stored(&after, "day_rate"), "800.00");
    assert_eq!(stored(&after, "hour_rate"), "100.00");
    assert_eq!(after["day_rate"]["currency"], "EUR");

    // Courses: material cost; programs: budget.
    let c = admin.get(&format!("/courses/{course}")).await.body;
    let mut cb = course_body("ACC");
    cb["version"] = c["version"].clone();
    cb["material_cost"] = json!({ "amount": "99", "currency": "EUR" });
    let r = coordinator.put(&format!("/courses/{course}"), &cb).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("material_cost"));
    cb.as_object_mut().unwrap().remove("material_cost");
    cb.as_object_mut().unwrap().remove("day_rate");
    cb["title"] = json!("Renamed by the coordinator");
    let r = coordinator.put(&format!("/courses/{course}"), &cb).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = admin.get(&format!("/courses/{course}")).await.body;
    assert_eq!(c["title"], "Renamed by the coordinator");
    assert_eq!(stored(&c, "day_rate"), "1500.00");
    assert_eq!(stored(&c, "material_cost"), "25.50");

    let p = admin.get(&format!("/programs/{program}")).await.body;
    let r = coordinator
        .put(
            &format!("/programs/{program}"),
            &json!({ "client_id": w.ids["clients"], "name": "Program one", "budget": { "amount": "1", "currency": "EUR" }, "version": p["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("budget"));
    let r = coordinator
        .put(
            &format!("/programs/{program}"),
            &json!({ "client_id": w.ids["clients"], "name": "Program one, renamed", "version": p["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = admin.get(&format!("/programs/{program}")).await.body;
    assert_eq!(stored(&p, "budget"), "60000.00");

    // Creating: a coordinator may not set a rate, and gets zero rates without one.
    let r = coordinator
        .post(
            "/instructors",
            &json!({ "name": "new", "email": "new@inst.example.com", "employment_type": "staff",
                     "time_zone": "Europe/Berlin", "max_days_week": 5, "max_days_month": 20, "hour_rate": { "amount": "5", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("hour_rate"));
    let created = coordinator
        .create(
            "/instructors",
            &json!({ "name": "new", "email": "new@inst.example.com", "employment_type": "staff",
                     "time_zone": "Europe/Berlin", "max_days_week": 5, "max_days_month": 20 }),
        )
        .await;
    assert!(created.get("day_rate").is_none());

    // Finance changes rates.
    let finance = t.api_as(Role::Finance, None).await;
    let inst = admin.get(&format!("/instructors/{i1}")).await.body;
    let r = finance
        .put(
            &format!("/instructors/{i1}"),
            &json!({ "name": "ione", "email": "ione@inst.example.com", "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "max_days_week": 3, "max_days_month": 20, "currency": "EUR",
                     "day_rate": { "amount": "900", "currency": "EUR" }, "hour_rate": { "amount": "100", "currency": "EUR" }, "version": inst["version"] }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "finance does not edit operations"
    );
    let manager = t.api_as(Role::Manager, None).await;
    let r = manager
        .put(
            &format!("/instructors/{i1}"),
            &json!({ "name": "ione", "email": "ione@inst.example.com", "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "max_days_week": 3, "max_days_month": 20, "currency": "EUR",
                     "day_rate": { "amount": "900", "currency": "EUR" }, "hour_rate": { "amount": "100", "currency": "EUR" }, "version": inst["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stored(&r.body, "day_rate"), "900.00");
}

async fn only_an_accepted_instructor_sees_the_roster(t: &TestApp) {
    let w = world(t).await;
    let s1 = w.ids["sessions"];
    let own = w.who.iter().find(|x| x.name == WHO[5]).unwrap();
    let proposed = w.who.iter().find(|x| x.name == WHO[6]).unwrap();
    let sheet = format!("/sessions/{s1}/attendance");

    // The proposed instructor: no sheet, no learners' e-mails, no attendance, API or UI.
    let r = proposed.api.as_ref().unwrap().get(&sheet).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.to_string().contains("lone@learner.example.com"));
    let r = proposed
        .api
        .as_ref()
        .unwrap()
        .post(&sheet, &json!({ "part_id": 1, "present": [] }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let page = proposed.web.get(t.url(&sheet)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(
        !page
            .text()
            .await
            .unwrap()
            .contains("lone@learner.example.com")
    );
    let r = proposed
        .web
        .post(t.url(&sheet))
        .header("origin", t.url(""))
        .form(&[("_csrf", proposed.csrf.as_str()), ("part_id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The accepted instructor sees the sheet, API and UI.
    let r = own.api.as_ref().unwrap().get(&sheet).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.to_string().contains("lone@learner.example.com"));
    // What the learner pays is not the instructor's business; the coordinator sees it.
    assert!(
        r.body["rows"][0]["enrollment"].get("price").is_none(),
        "{}",
        r.body
    );
    let coordinator = t.api_as(Role::Coordinator, None).await;
    let r = coordinator.get(&sheet).await;
    assert_eq!(r.body["rows"][0]["enrollment"]["price"]["amount"], "490.00");
    let page = own.web.get(t.url(&sheet)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // Once confirmed, still.
    let admin = t.api_as(Role::Admin, None).await;
    let a1 = w.ids["assignments"];
    let r = admin
        .post(
            &format!("/assignments/{a1}/actions"),
            &json!({ "event": "confirm", "version": w.ids["assignment_version"], "override_reason": "test" }),
        )
        .await;
    if r.status == StatusCode::OK {
        assert_eq!(r.body["status"], "confirmed");
        let r = own.api.as_ref().unwrap().get(&sheet).await;
        assert_eq!(r.status, StatusCode::OK, "confirmed: {}", r.body);
    } else {
        panic!(
            "confirming the accepted assignment: {} {}",
            r.status, r.body
        );
    }
}
