//! Who may do what, decided in one pure function.
//!
//! A role is held in a unit and reaches that unit's subtree. The target of an action is either a
//! unit, given by its ancestry (the ids from the root down to the unit itself), or the whole
//! system. `authorize` is the only place that maps roles to actions; routes name the action they
//! need and handlers pass the target they act on.

use crate::role::Role;

/// Everything a route or a command may ask permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See a unit and its basic facts.
    ViewUnit,
    /// Create, edit, close or import units.
    ManageUnits,
    /// See the people of a unit and their roles.
    ViewPeople,
    /// Create accounts, grant and revoke roles, reset passwords, disable accounts.
    ManagePeople,
    /// Grant the system administrator role.
    GrantSystemAdmin,
    /// Read the audit log.
    ViewAudit,
    /// See the plans that reach a unit.
    ViewPlans,
    /// Create, edit and publish the office's plan.
    ManagePlans,
    /// Record activities of a unit.
    LogActivities,
    /// See the activities of a unit.
    ViewActivities,
    /// Write and submit the school's own plan and yearly report.
    WriteSchoolReport,
    /// See schools' plans and reports.
    ViewReports,
    /// Read a school's own plan for the year (its staff read it; only the principal writes it).
    ViewSchoolPlan,
    /// Accept, return and reopen schools' plans and reports; remind schools.
    ReviewReports,
    /// See the office dashboard and download the aggregated documents.
    ViewDashboard,
    /// See the e-mail outbox and its delivery status.
    ViewOutbox,
    /// See a unit's registered websites, their inspections and findings.
    ViewSites,
    /// Register websites, ask for an inspection, acknowledge findings and mark them fixed.
    ManageSites,
    /// Define the office's inspection standard.
    ManageStandards,
    /// Search the sector's news.
    ViewNews,
    /// Add press feeds and maintain the news topics.
    ManageNews,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::ViewUnit,
        Action::ManageUnits,
        Action::ViewPeople,
        Action::ManagePeople,
        Action::GrantSystemAdmin,
        Action::ViewAudit,
        Action::ViewPlans,
        Action::ManagePlans,
        Action::LogActivities,
        Action::ViewActivities,
        Action::WriteSchoolReport,
        Action::ViewReports,
        Action::ViewSchoolPlan,
        Action::ReviewReports,
        Action::ViewDashboard,
        Action::ViewOutbox,
        Action::ViewSites,
        Action::ManageSites,
        Action::ManageStandards,
        Action::ViewNews,
        Action::ManageNews,
    ];

    fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::ViewUnit => &[
                SystemAdmin,
                OfficeAdmin,
                OfficeHead,
                Principal,
                Teacher,
                WebsiteAdmin,
                Collaborator,
                ParentRep,
            ],
            Action::ManageUnits => &[SystemAdmin, OfficeAdmin],
            Action::ViewPeople => &[SystemAdmin, OfficeAdmin, OfficeHead, Principal],
            Action::ManagePeople => &[SystemAdmin, OfficeAdmin],
            Action::GrantSystemAdmin => &[SystemAdmin],
            Action::ViewAudit => &[SystemAdmin],
            Action::ViewPlans => &[
                SystemAdmin,
                OfficeAdmin,
                OfficeHead,
                Principal,
                Teacher,
                WebsiteAdmin,
                Collaborator,
            ],
            Action::ManagePlans => &[SystemAdmin, OfficeAdmin, OfficeHead],
            Action::LogActivities => &[OfficeAdmin, Principal, Teacher, WebsiteAdmin],
            Action::ViewActivities => &[SystemAdmin, OfficeAdmin, OfficeHead, Principal, Teacher, WebsiteAdmin],
            Action::WriteSchoolReport => &[Principal],
            Action::ViewReports => &[SystemAdmin, OfficeAdmin, OfficeHead, Principal],
            Action::ViewSchoolPlan => &[SystemAdmin, OfficeAdmin, OfficeHead, Principal, Teacher, WebsiteAdmin],
            Action::ReviewReports => &[SystemAdmin, OfficeAdmin, OfficeHead],
            Action::ViewDashboard => &[SystemAdmin, OfficeAdmin, OfficeHead],
            Action::ViewOutbox => &[SystemAdmin, OfficeAdmin, OfficeHead],
            Action::ViewSites => &[SystemAdmin, OfficeAdmin, OfficeHead, Principal, WebsiteAdmin],
            Action::ManageSites => &[SystemAdmin, OfficeAdmin, Principal, WebsiteAdmin],
            Action::ManageStandards => &[SystemAdmin, OfficeAdmin],
            Action::ViewNews => &[
                SystemAdmin,
                OfficeAdmin,
                OfficeHead,
                Principal,
                Teacher,
                WebsiteAdmin,
                Collaborator,
            ],
            Action::ManageNews => &[SystemAdmin, OfficeAdmin],
        }
    }
}

/// One role held in one unit. `unit_path` is the unit's ancestry, root first, ending with the
/// unit itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit_id: i64,
}

/// The person asking, with every role they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub grants: Vec<Grant>,
}

/// What an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A unit, by its ancestry: root first, the unit itself last.
    Unit(&'a [i64]),
    /// The whole system (the audit log, settings).
    System,
}

/// The one permission decision: may `actor` do `action` to `target`?
///
/// A grant counts when its role allows the action and its unit is the target unit or one of the
/// target's ancestors. System-wide targets need the system administrator role.
pub fn authorize(actor: &Actor, action: Action, target: Target<'_>) -> bool {
    let allowed = action.allowed_roles();
    actor.grants.iter().any(|grant| {
        allowed.contains(&grant.role)
            && match target {
                Target::Unit(ancestry) => ancestry.contains(&grant.unit_id),
                Target::System => grant.role == Role::SystemAdmin,
            }
    })
}

/// Whether `actor` holds a role that allows `action` in at least one unit. Routes use this as a
/// first gate; the handler then calls `authorize` with the real target.
pub fn can_somewhere(actor: &Actor, action: Action) -> bool {
    let allowed = action.allowed_roles();
    actor.grants.iter().any(|g| allowed.contains(&g.role))
}

/// The units from which `actor` may do `action`: the roots of the subtrees in scope.
pub fn scope_roots(actor: &Actor, action: Action) -> Vec<i64> {
    let allowed = action.allowed_roles();
    let mut roots: Vec<i64> = actor
        .grants
        .iter()
        .filter(|g| allowed.contains(&g.role))
        .map(|g| g.unit_id)
        .collect();
    roots.sort_unstable();
    roots.dedup();
    roots
}

/// Whether `actor` may grant `role` in the unit with `ancestry`. Granting the system
/// administrator role needs a system administrator; every other role needs people management
/// over the unit.
pub fn may_grant(actor: &Actor, role: Role, ancestry: &[i64]) -> bool {
    let needed = if role == Role::SystemAdmin {
        Action::GrantSystemAdmin
    } else {
        Action::ManagePeople
    };
    authorize(actor, needed, Target::Unit(ancestry))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The tree: 1 department > 2 office > {3 school, 4 school}; 5 another office > 6 school.
    const DEPT: &[i64] = &[1];
    const OFFICE: &[i64] = &[1, 2];
    const SCHOOL_A: &[i64] = &[1, 2, 3];
    const SCHOOL_B: &[i64] = &[1, 2, 4];
    const OTHER_OFFICE: &[i64] = &[1, 5];
    const OTHER_SCHOOL: &[i64] = &[1, 5, 6];

    fn actor(role: Role, unit_id: i64) -> Actor {
        Actor {
            user_id: 1,
            grants: vec![Grant { role, unit_id }],
        }
    }

    /// Every role, in its own unit, against every action, inside and outside its subtree.
    #[test]
    fn table_of_roles_actions_and_scopes() {
        use Action::*;
        use Role::*;
        // (role, held in, action, target, expected)
        let table: &[(Role, i64, Action, &[i64], bool)] = &[
            (SystemAdmin, 1, ManageUnits, OTHER_SCHOOL, true),
            (SystemAdmin, 1, ManagePeople, SCHOOL_A, true),
            (SystemAdmin, 1, GrantSystemAdmin, DEPT, true),
            (OfficeAdmin, 2, ViewUnit, SCHOOL_A, true),
            (OfficeAdmin, 2, ManageUnits, SCHOOL_B, true),
            (OfficeAdmin, 2, ManageUnits, OFFICE, true),
            (OfficeAdmin, 2, ManageUnits, DEPT, false),
            (OfficeAdmin, 2, ManageUnits, OTHER_SCHOOL, false),
            (OfficeAdmin, 2, ManagePeople, SCHOOL_A, true),
            (OfficeAdmin, 2, ManagePeople, OTHER_OFFICE, false),
            (OfficeAdmin, 2, GrantSystemAdmin, SCHOOL_A, false),
            (OfficeHead, 2, ViewUnit, SCHOOL_B, true),
            (OfficeHead, 2, ViewPeople, SCHOOL_A, true),
            (OfficeHead, 2, ViewPeople, OTHER_SCHOOL, false),
            (OfficeHead, 2, ManageUnits, SCHOOL_A, false),
            (OfficeHead, 2, ManagePeople, SCHOOL_A, false),
            (Principal, 3, ViewUnit, SCHOOL_A, true),
            (Principal, 3, ViewUnit, SCHOOL_B, false),
            (Principal, 3, ViewUnit, OFFICE, false),
            (Principal, 3, ViewPeople, SCHOOL_A, true),
            (Principal, 3, ViewPeople, SCHOOL_B, false),
            (Principal, 3, ManagePeople, SCHOOL_A, false),
            (Teacher, 3, ViewUnit, SCHOOL_A, true),
            (Teacher, 3, ViewUnit, SCHOOL_B, false),
            (Teacher, 3, ViewPeople, SCHOOL_A, false),
            (WebsiteAdmin, 3, ViewUnit, SCHOOL_A, true),
            (WebsiteAdmin, 3, ManageUnits, SCHOOL_A, false),
            (Collaborator, 3, ViewUnit, SCHOOL_A, true),
            (Collaborator, 3, ViewPeople, SCHOOL_A, false),
            (ParentRep, 3, ViewUnit, SCHOOL_A, true),
            (ParentRep, 3, ViewUnit, OTHER_SCHOOL, false),
            (ParentRep, 3, ManagePeople, SCHOOL_A, false),
            // The yearly loop: the office plans and reviews; the principal writes; staff log.
            (OfficeAdmin, 2, ManagePlans, OFFICE, true),
            (OfficeAdmin, 2, ManagePlans, OTHER_OFFICE, false),
            (OfficeHead, 2, ReviewReports, SCHOOL_A, true),
            (OfficeHead, 2, ReviewReports, OTHER_SCHOOL, false),
            (OfficeAdmin, 2, ViewDashboard, OFFICE, true),
            (OfficeAdmin, 2, WriteSchoolReport, SCHOOL_A, false),
            (SystemAdmin, 1, ViewDashboard, OTHER_OFFICE, true),
            (Principal, 3, WriteSchoolReport, SCHOOL_A, true),
            (Principal, 3, WriteSchoolReport, SCHOOL_B, false),
            (Principal, 3, ReviewReports, SCHOOL_A, false),
            (Principal, 3, ManagePlans, SCHOOL_A, false),
            (Principal, 3, ViewReports, SCHOOL_A, true),
            (Principal, 3, ViewDashboard, SCHOOL_A, false),
            (Teacher, 3, LogActivities, SCHOOL_A, true),
            (Teacher, 3, LogActivities, SCHOOL_B, false),
            (Teacher, 3, WriteSchoolReport, SCHOOL_A, false),
            (Teacher, 3, ViewReports, SCHOOL_A, false),
            (Teacher, 3, ViewPlans, SCHOOL_A, true),
            (WebsiteAdmin, 3, LogActivities, SCHOOL_A, true),
            (Collaborator, 3, LogActivities, SCHOOL_A, false),
            (ParentRep, 3, ViewPlans, SCHOOL_A, false),
            (ParentRep, 3, ViewActivities, SCHOOL_A, false),
            (OfficeHead, 2, LogActivities, SCHOOL_A, false),
            (OfficeHead, 2, ViewActivities, SCHOOL_A, true),
            // Website supervision: the school's administrator sees and manages its own sites; the
            // office its subtree; the office head watches but does not change them.
            (WebsiteAdmin, 3, ViewSites, SCHOOL_A, true),
            (WebsiteAdmin, 3, ManageSites, SCHOOL_A, true),
            (WebsiteAdmin, 3, ViewSites, SCHOOL_B, false),
            (WebsiteAdmin, 3, ManageStandards, SCHOOL_A, false),
            (Teacher, 3, ViewSites, SCHOOL_A, false),
            (OfficeAdmin, 2, ManageSites, SCHOOL_B, true),
            (OfficeAdmin, 2, ManageStandards, OFFICE, true),
            (OfficeAdmin, 2, ViewSites, OTHER_SCHOOL, false),
            (OfficeHead, 2, ViewSites, SCHOOL_A, true),
            (OfficeHead, 2, ManageSites, SCHOOL_A, false),
            (Teacher, 3, ViewNews, SCHOOL_A, true),
            (Teacher, 3, ManageNews, SCHOOL_A, false),
            (ParentRep, 3, ViewNews, SCHOOL_A, false),
            (OfficeAdmin, 2, ManageNews, OFFICE, true),
        ];
        for (role, unit, action, target, expected) in table {
            assert_eq!(
                authorize(&actor(*role, *unit), *action, Target::Unit(target)),
                *expected,
                "{role:?} in {unit} doing {action:?} on {target:?}"
            );
        }
    }

    #[test]
    fn system_targets_need_a_system_admin() {
        assert!(authorize(
            &actor(Role::SystemAdmin, 1),
            Action::ViewAudit,
            Target::System
        ));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::SystemAdmin) {
            assert!(
                !authorize(&actor(role, 1), Action::ViewAudit, Target::System),
                "{role:?}"
            );
        }
    }

    #[test]
    fn no_grants_means_nothing() {
        let nobody = Actor {
            user_id: 9,
            grants: vec![],
        };
        for action in Action::ALL {
            assert!(!authorize(&nobody, action, Target::Unit(SCHOOL_A)));
            assert!(!can_somewhere(&nobody, action));
        }
    }

    #[test]
    fn granting_roles() {
        let office_admin = actor(Role::OfficeAdmin, 2);
        assert!(may_grant(&office_admin, Role::Principal, SCHOOL_A));
        assert!(!may_grant(&office_admin, Role::SystemAdmin, SCHOOL_A));
        assert!(!may_grant(&office_admin, Role::Principal, OTHER_SCHOOL));
        assert!(may_grant(&actor(Role::SystemAdmin, 1), Role::SystemAdmin, DEPT));
    }

    #[test]
    fn scope_roots_are_deduplicated() {
        let a = Actor {
            user_id: 1,
            grants: vec![
                Grant {
                    role: Role::OfficeHead,
                    unit_id: 2,
                },
                Grant {
                    role: Role::OfficeAdmin,
                    unit_id: 2,
                },
                Grant {
                    role: Role::Teacher,
                    unit_id: 6,
                },
            ],
        };
        assert_eq!(scope_roots(&a, Action::ViewUnit), vec![2, 6]);
        assert_eq!(scope_roots(&a, Action::ManageUnits), vec![2]);
    }
}
