//! Single sign-on rules: which role a claim from the identity provider maps to, and what a
//! provider setting must look like.

use crate::{Invalid, Role};

/// "claim value = role" lines, in order: the first line whose value the user's claim holds
/// decides. Only staff roles: an instructor, client contact or learner account belongs to a
/// record, which a provider cannot name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleMap(Vec<(String, Role)>);

impl RoleMap {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let mut lines = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((value, role)) = line.rsplit_once('=') else {
                return Err(Invalid::field(
                    "role_map",
                    format!("line {}: write it as 'claim value = role'", n + 1),
                ));
            };
            let role = staff_role(role.trim())
                .map_err(|m| Invalid::field("role_map", format!("line {}: {m}", n + 1)))?;
            let value = value.trim();
            if value.is_empty() {
                return Err(Invalid::field(
                    "role_map",
                    format!("line {}: the claim value is missing", n + 1),
                ));
            }
            lines.push((value.to_owned(), role));
        }
        Ok(Self(lines))
    }

    /// The role for a user whose claim holds `values` (a string claim is one value).
    pub fn role_for(&self, values: &[String]) -> Option<Role> {
        self.0
            .iter()
            .find(|(v, _)| values.iter().any(|x| x == v))
            .map(|(_, r)| *r)
    }
}

/// A role single sign-on may give: a staff role.
pub fn staff_role(text: &str) -> Result<Role, String> {
    let role = Role::parse(text).map_err(|e| e.to_string())?;
    if role.is_staff() {
        Ok(role)
    } else {
        Err(format!(
            "'{}' is not a staff role (admin, manager, coordinator, finance): other accounts belong to a record",
            role.as_str()
        ))
    }
}

/// An issuer is an absolute http(s) URL without query or fragment (OpenID Connect Discovery
/// appends `/.well-known/openid-configuration` to it). Kept as written, trailing slash and all:
/// the provider's documents must name exactly this issuer.
pub fn check_issuer(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with https:// (or http:// for a provider on this machine)")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("names no host".into());
    }
    if url.contains(['?', '#']) || url.chars().any(char::is_whitespace) {
        return Err("must have no query, fragment or spaces".into());
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_matching_line_decides() {
        let m = RoleMap::parse(
            "# groups\ntrainyard-admins = admin\ntrainyard-finance = finance\nstaff=coordinator\n",
        )
        .unwrap();
        assert_eq!(
            m.role_for(&["staff".into(), "trainyard-finance".into()]),
            Some(Role::Finance)
        );
        assert_eq!(m.role_for(&["staff".into()]), Some(Role::Coordinator));
        assert_eq!(m.role_for(&["visitors".into()]), None);
        assert_eq!(RoleMap::parse("").unwrap().role_for(&["x".into()]), None);
    }

    #[test]
    fn only_staff_roles_and_well_formed_lines() {
        assert!(RoleMap::parse("students = learner").is_err());
        assert!(RoleMap::parse("staff coordinator").is_err());
        assert!(RoleMap::parse(" = admin").is_err());
        assert!(RoleMap::parse("a = wizard").is_err());
    }

    #[test]
    fn issuers_are_absolute_urls() {
        assert_eq!(
            check_issuer(" https://id.example.com/ ").unwrap(),
            "https://id.example.com/"
        );
        assert!(check_issuer("http://127.0.0.1:4000").is_ok());
        assert!(check_issuer("id.example.com").is_err());
        assert!(check_issuer("https://").is_err());
        assert!(check_issuer("https://id.example.com/?x=1").is_err());
    }
}
