//! Roles. Each role is held in one unit and reaches that unit's whole subtree.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    OfficeAdmin,
    OfficeHead,
    Principal,
    Teacher,
    WebsiteAdmin,
    Collaborator,
    ParentRep,
    /// A parent who joined with a class's invitation code: reads the notices sent to their
    /// classes and reports to the school. Held at the school; the classes are memberships.
    Parent,
    /// An office's designated incident lead: sees and settles the cases of the office's
    /// subtree, restricted ones included, and is alerted at once to a child in danger.
    IncidentLead,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::SystemAdmin,
        Role::OfficeAdmin,
        Role::OfficeHead,
        Role::Principal,
        Role::Teacher,
        Role::WebsiteAdmin,
        Role::Collaborator,
        Role::ParentRep,
        Role::Parent,
        Role::IncidentLead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::OfficeAdmin => "office_admin",
            Role::OfficeHead => "office_head",
            Role::Principal => "principal",
            Role::Teacher => "teacher",
            Role::WebsiteAdmin => "website_admin",
            Role::Collaborator => "collaborator",
            Role::ParentRep => "parent_rep",
            Role::Parent => "parent",
            Role::IncidentLead => "incident_lead",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "Quản trị hệ thống",
            Role::OfficeAdmin => "Chuyên viên quản trị (Phòng/Sở)",
            Role::OfficeHead => "Lãnh đạo Phòng/Sở",
            Role::Principal => "Hiệu trưởng",
            Role::Teacher => "Giáo viên, nhân viên",
            Role::WebsiteAdmin => "Quản trị website",
            Role::Collaborator => "Cộng tác viên",
            Role::ParentRep => "Ban đại diện cha mẹ học sinh",
            Role::Parent => "Cha mẹ học sinh",
            Role::IncidentLead => "Đầu mối xử lý sự cố (Phòng/Sở)",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        let key = crate::text::fold_key(raw);
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == key || crate::text::fold_key(r.label()) == key)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(Role::parse(r.label()), Some(r));
        }
        assert_eq!(Role::parse("hieu truong"), Some(Role::Principal));
        assert_eq!(Role::parse("pupil"), None);
    }
}
