//! The authenticated caller of a use case and the questions asked of it.

use crate::AppError;
use trainyard_core::Role;
use trainyard_store::audit::Actor;
use trainyard_store::users::User;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub client_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub learner_id: Option<i64>,
    pub time_zone: String,
    /// The language they chose for their pages (BCP 47); `None`: their browser's, else the
    /// company's.
    pub language: Option<String>,
    /// Set for cookie logins; the token every form must echo.
    pub csrf_token: Option<String>,
    /// Set for API token calls: what the token may do, which narrows (never widens) the role.
    pub token: Option<TokenGrant>,
}

/// The token behind an API call.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub id: i64,
    pub scopes: trainyard_core::scope::Scopes,
    pub expires_at: Option<i64>,
}

impl Caller {
    pub fn from_user(u: User, csrf_token: Option<String>) -> Self {
        Self {
            user_id: u.id,
            email: u.email,
            name: u.display_name,
            role: u.role,
            client_id: u.client_id,
            instructor_id: u.instructor_id,
            learner_id: u.learner_id,
            time_zone: u.time_zone,
            language: u.language,
            csrf_token,
            token: None,
        }
    }

    pub fn actor(&self) -> Actor {
        let user_id = (self.user_id != 0).then_some(self.user_id);
        Actor {
            user_id,
            label: if user_id.is_some() {
                format!("{} ({})", self.name, self.role)
            } else {
                self.name.clone()
            },
        }
    }

    pub fn require(&self, allowed: bool, what: &str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden(what.to_owned()))
        }
    }

    pub fn require_staff(&self, what: &str) -> Result<(), AppError> {
        self.require(self.role.is_staff(), what)
    }

    pub fn require_operations(&self, what: &str) -> Result<(), AppError> {
        self.require(self.role.can_edit_operations(), what)
    }

    /// Prices paid, agreements, rates and credits: finance, managers and admins.
    pub fn require_finance(&self, what: &str) -> Result<(), AppError> {
        self.require(self.sees_finance(), what)
    }

    /// Rates, costs, budgets and margins: finance, managers and admins. The one rule both the API
    /// (through [`crate::audience`]) and the pages ask.
    pub fn sees_finance(&self) -> bool {
        self.role.can_see_finance()
    }

    /// Staff see every client; a client contact only their own; nobody else any.
    pub fn may_see_client(&self, client_id: Option<i64>) -> bool {
        self.role.is_staff()
            || (self.role == Role::ClientContact
                && client_id.is_some()
                && client_id == self.client_id)
    }
}

impl Caller {
    /// The system itself: the command line and the demo seeder.
    pub fn system() -> Self {
        Self {
            user_id: 0,
            email: String::new(),
            name: "system".into(),
            role: Role::Admin,
            client_id: None,
            instructor_id: None,
            learner_id: None,
            time_zone: "UTC".into(),
            language: None,
            csrf_token: None,
            token: None,
        }
    }
}
