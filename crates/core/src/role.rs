//! Who a user is decides what they may see. The checks live here so that the UI and the API
//! ask the same questions.

use std::fmt;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Coordinator,
    Finance,
    Instructor,
    ClientContact,
    Learner,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a role (admin, manager, coordinator, finance, instructor, client_contact, learner)"
)]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Manager,
        Role::Coordinator,
        Role::Finance,
        Role::Instructor,
        Role::ClientContact,
        Role::Learner,
    ];

    pub fn parse(s: &str) -> Result<Self, UnknownRole> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.chars().take(40).collect()))
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Coordinator => "coordinator",
            Role::Finance => "finance",
            Role::Instructor => "instructor",
            Role::ClientContact => "client_contact",
            Role::Learner => "learner",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Manager => "Operations manager",
            Role::Coordinator => "Operations coordinator",
            Role::Finance => "Finance",
            Role::Instructor => "Instructor",
            Role::ClientContact => "Client contact",
            Role::Learner => "Learner",
        }
    }

    /// Back-office staff who see the whole operation.
    pub fn is_staff(&self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Manager | Role::Coordinator | Role::Finance
        )
    }

    /// May create and change the catalogue, the schedule and people records.
    pub fn can_edit_operations(&self) -> bool {
        matches!(self, Role::Admin | Role::Manager | Role::Coordinator)
    }

    /// Prices, rates and costs are finance data.
    pub fn can_see_finance(&self) -> bool {
        matches!(self, Role::Admin | Role::Manager | Role::Finance)
    }

    pub fn can_administer(&self) -> bool {
        matches!(self, Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
