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
    /// Appoint a school's own collaborators and parent representatives: create their accounts
    /// and grant or revoke those two roles. The principal's share of people management.
    ManageSchoolCommunity,
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
    /// Report an incident or send feedback from one's account.
    ReportIncidents,
    /// See and handle the incidents of a unit (restricted details only as `incident` allows).
    HandleIncidents,
    /// Settle, close and reopen incidents, mark public reports as spam.
    LeadIncidents,
    /// See the office's incident coverage: counts and times, never a case's details.
    ViewIncidentStats,
    /// Edit the incident categories (system-wide data).
    ManageIncidentCategories,
    /// Write clarifications answering false information (S2.3).
    WriteClarifications,
    /// Approve a clarification for publication, or withdraw a published one.
    ApproveClarifications,
    /// Read the lesson library (built-in lessons, and those published to the unit).
    ViewLessons,
    /// Adapt or write lessons for a unit's subtree, and publish them.
    ManageLessons,
    /// Run a class session of a lesson at a school and log it.
    RunClassSessions,
    /// Schedule trainings for a unit's subtree, take their attendance, read their results.
    /// Being invited to a training needs no action: the invitation is the right to see it.
    ManageTrainings,
    /// Send notices (thông báo, công văn) to the units of a subtree and follow who read and
    /// acknowledged them. Receiving one needs no action: being addressed is the right to read it.
    SendNotices,
    /// Invite the parents of a school's classes with codes, see who joined and take them out,
    /// and send notices to parents (to parents only: a teacher writes to families, not staff).
    ReachParents,
    /// Connect the office's messaging provider (webhooks: address and secret) and read the
    /// delivery log.
    ManageWebhooks,
    /// Write exemplary stories about the unit's people and record the consents they gave.
    WriteStories,
    /// Approve a story for the school's public page (every consent it needs recorded).
    PublishSchoolStories,
    /// Approve a story for the office's public page or the press.
    PublishOfficeStories,
}

impl Action {
    pub const ALL: [Action; 39] = [
        Action::ViewUnit,
        Action::ManageUnits,
        Action::ViewPeople,
        Action::ManagePeople,
        Action::ManageSchoolCommunity,
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
        Action::ReportIncidents,
        Action::HandleIncidents,
        Action::LeadIncidents,
        Action::ViewIncidentStats,
        Action::ManageIncidentCategories,
        Action::WriteClarifications,
        Action::ApproveClarifications,
        Action::ViewLessons,
        Action::ManageLessons,
        Action::RunClassSessions,
        Action::ManageTrainings,
        Action::SendNotices,
        Action::ReachParents,
        Action::ManageWebhooks,
        Action::WriteStories,
        Action::PublishSchoolStories,
        Action::PublishOfficeStories,
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
            Action::ManageSchoolCommunity => &[SystemAdmin, OfficeAdmin, Principal],
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
            // The system administrator runs the machine, not the cases: no incident rights.
            Action::ReportIncidents => &[
                OfficeAdmin,
                OfficeHead,
                Principal,
                Teacher,
                WebsiteAdmin,
                Collaborator,
                ParentRep,
                Parent,
                IncidentLead,
            ],
            Action::HandleIncidents => &[Principal, Collaborator, IncidentLead],
            Action::LeadIncidents => &[Principal, IncidentLead],
            Action::ViewIncidentStats => &[OfficeAdmin, OfficeHead, IncidentLead],
            Action::ManageIncidentCategories => &[SystemAdmin],
            Action::WriteClarifications => &[OfficeAdmin, OfficeHead, Principal, IncidentLead],
            Action::ApproveClarifications => &[OfficeHead],
            Action::ViewLessons => &[
                SystemAdmin,
                OfficeAdmin,
                OfficeHead,
                Principal,
                Teacher,
                WebsiteAdmin,
                Collaborator,
                ParentRep,
                IncidentLead,
            ],
            Action::ManageLessons => &[OfficeAdmin, OfficeHead],
            Action::RunClassSessions => &[Principal, Teacher],
            Action::ManageTrainings => &[OfficeAdmin, OfficeHead, Principal],
            // A principal writes to the school's staff and families in the school's name.
            Action::SendNotices => &[OfficeAdmin, OfficeHead, Principal],
            Action::ReachParents => &[Principal, Teacher],
            Action::ManageWebhooks => &[SystemAdmin, OfficeAdmin],
            Action::WriteStories => &[Principal, Teacher],
            Action::PublishSchoolStories => &[Principal],
            Action::PublishOfficeStories => &[OfficeAdmin, OfficeHead],
        }
    }
}

/// One role held in one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit_id: i64,
    /// Whether the unit is a root of the tree (it has no parent). System administration is held
    /// at a root only: a system administrator grant anywhere else gives nothing at all, so a
    /// stray grant at a school cannot act system-wide.
    pub at_root: bool,
}

impl Grant {
    /// Whether this grant counts at all (see `at_root`).
    fn effective(&self) -> bool {
        self.role != Role::SystemAdmin || self.at_root
    }
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
/// target's ancestors. System-wide targets need the system administrator role held at a root.
pub fn authorize(actor: &Actor, action: Action, target: Target<'_>) -> bool {
    let allowed = action.allowed_roles();
    actor.grants.iter().filter(|g| g.effective()).any(|grant| {
        allowed.contains(&grant.role)
            && match target {
                Target::Unit(ancestry) => ancestry.contains(&grant.unit_id),
                Target::System => grant.role == Role::SystemAdmin,
            }
    })
}

/// Whether `role`, held at a unit with `ancestry`, allows `action` there: who a message about
/// that action should reach (the reviewers of an office, …).
pub fn role_allows_at(role: Role, ancestry: &[i64], action: Action) -> bool {
    action.allowed_roles().contains(&role) && grantable_at(role, ancestry)
}

/// Whether `actor` holds a role that allows `action` in at least one unit. Routes use this as a
/// first gate; the handler then calls `authorize` with the real target.
pub fn can_somewhere(actor: &Actor, action: Action) -> bool {
    let allowed = action.allowed_roles();
    actor.grants.iter().any(|g| g.effective() && allowed.contains(&g.role))
}

/// The units from which `actor` may do `action`: the roots of the subtrees in scope.
pub fn scope_roots(actor: &Actor, action: Action) -> Vec<i64> {
    let allowed = action.allowed_roles();
    let mut roots: Vec<i64> = actor
        .grants
        .iter()
        .filter(|g| g.effective() && allowed.contains(&g.role))
        .map(|g| g.unit_id)
        .collect();
    roots.sort_unstable();
    roots.dedup();
    roots
}

/// Whether `role` may be held in the unit with `ancestry` at all: system administration only at
/// a root (a unit without parent), every other role anywhere. New grants are checked with this.
pub fn grantable_at(role: Role, ancestry: &[i64]) -> bool {
    role != Role::SystemAdmin || ancestry.len() == 1
}

/// Whether `actor` may grant (or revoke) `role` in the unit with `ancestry`.
///
/// The system administrator role needs a system administrator at a root; a school's
/// collaborators and parent representatives need people management or the school community's
/// management over the unit (a principal in their school); every other role needs people
/// management over the unit. Whether the role fits the unit is `grantable_at`'s question.
pub fn may_grant(actor: &Actor, role: Role, ancestry: &[i64]) -> bool {
    let unit = Target::Unit(ancestry);
    match role {
        // A parent's role comes with a class's code, never from a form; only the system
        // administrator may act on a parent's account (to disable it, say).
        Role::SystemAdmin | Role::Parent => authorize(actor, Action::GrantSystemAdmin, Target::System),
        Role::Collaborator | Role::ParentRep => {
            authorize(actor, Action::ManagePeople, unit) || authorize(actor, Action::ManageSchoolCommunity, unit)
        }
        _ => authorize(actor, Action::ManagePeople, unit),
    }
}

/// The roles `actor` may grant in at least one unit: what a form offers.
pub fn grantable_roles(actor: &Actor) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| match role {
            Role::Parent => false,
            Role::SystemAdmin => authorize(actor, Action::GrantSystemAdmin, Target::System),
            Role::Collaborator | Role::ParentRep => {
                can_somewhere(actor, Action::ManagePeople) || can_somewhere(actor, Action::ManageSchoolCommunity)
            }
            _ => can_somewhere(actor, Action::ManagePeople),
        })
        .collect()
}

/// Whether `actor` may act on a person: edit them, reset their password, disable or enable
/// them, grant or revoke their roles. It needs people management (or the school community's)
/// over the person's home unit, and the right to grant every role the person holds, where it is
/// held: whoever may act on an account may sign in as it, so acting on it must never reach
/// further than one's own rights.
///
/// `held` lists the person's roles with the ancestry of the unit where each is held.
pub fn may_manage_person(actor: &Actor, home: &[i64], held: &[(Role, &[i64])]) -> bool {
    let home = Target::Unit(home);
    (authorize(actor, Action::ManagePeople, home) || authorize(actor, Action::ManageSchoolCommunity, home))
        && held.iter().all(|(role, ancestry)| may_grant(actor, *role, ancestry))
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
            grants: vec![Grant {
                role,
                unit_id,
                at_root: unit_id == 1,
            }],
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
            // Trainings: offices and principals organize; the rest are invited.
            (OfficeAdmin, 2, ManageTrainings, OFFICE, true),
            (OfficeHead, 2, ManageTrainings, SCHOOL_A, true),
            (Principal, 3, ManageTrainings, SCHOOL_A, true),
            (Principal, 3, ManageTrainings, OFFICE, false),
            (Teacher, 3, ManageTrainings, SCHOOL_A, false),
            (ParentRep, 3, ManageTrainings, SCHOOL_A, false),
            (SystemAdmin, 1, ManageTrainings, SCHOOL_A, false),
            (OfficeAdmin, 2, SendNotices, SCHOOL_A, true),
            (OfficeHead, 2, SendNotices, OFFICE, true),
            (Principal, 3, SendNotices, SCHOOL_A, true),
            (Principal, 3, SendNotices, SCHOOL_B, false),
            (Teacher, 3, SendNotices, SCHOOL_A, false),
            // Families: the school's principal and teachers invite and write to parents; a
            // parent reports and reads, nothing more.
            (Teacher, 3, ReachParents, SCHOOL_A, true),
            (Teacher, 3, ReachParents, SCHOOL_B, false),
            (Principal, 3, ReachParents, SCHOOL_A, true),
            (OfficeAdmin, 2, ReachParents, SCHOOL_A, false),
            (Parent, 3, ReachParents, SCHOOL_A, false),
            (Parent, 3, ReportIncidents, SCHOOL_A, true),
            (Parent, 3, ViewUnit, SCHOOL_A, false),
            (Parent, 3, ViewLessons, SCHOOL_A, false),
            (SystemAdmin, 1, SendNotices, OFFICE, false),
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
            // Incidents: the school's collaborators and principal handle its cases, the office's
            // incident lead its subtree; the office's other staff see counts, never details.
            (ParentRep, 3, ReportIncidents, SCHOOL_A, true),
            (ParentRep, 3, HandleIncidents, SCHOOL_A, false),
            (Collaborator, 3, HandleIncidents, SCHOOL_A, true),
            (Collaborator, 3, HandleIncidents, SCHOOL_B, false),
            (Collaborator, 3, LeadIncidents, SCHOOL_A, false),
            (Principal, 3, LeadIncidents, SCHOOL_A, true),
            (IncidentLead, 2, LeadIncidents, SCHOOL_B, true),
            (IncidentLead, 2, HandleIncidents, OTHER_SCHOOL, false),
            (OfficeAdmin, 2, HandleIncidents, SCHOOL_A, false),
            (OfficeAdmin, 2, ViewIncidentStats, OFFICE, true),
            (SystemAdmin, 1, HandleIncidents, SCHOOL_A, false),
            // Clarifications: the office or a principal writes, the office head approves.
            (Principal, 3, WriteClarifications, SCHOOL_A, true),
            (Principal, 3, ApproveClarifications, SCHOOL_A, false),
            (OfficeHead, 2, ApproveClarifications, SCHOOL_B, true),
            (Collaborator, 3, WriteClarifications, SCHOOL_A, false),
            // The principal appoints the school's own collaborators and parent representatives.
            (Principal, 3, ManageSchoolCommunity, SCHOOL_A, true),
            (Principal, 3, ManageSchoolCommunity, SCHOOL_B, false),
            (OfficeAdmin, 2, ManageSchoolCommunity, SCHOOL_A, true),
            (OfficeHead, 2, ManageSchoolCommunity, SCHOOL_A, false),
            (Teacher, 3, ManageSchoolCommunity, SCHOOL_A, false),
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

    /// A system administrator grant away from the root (a stray one at a school) is worth
    /// nothing: not the audit log, not even the school it sits in.
    #[test]
    fn system_administration_is_held_at_a_root_only() {
        let at_school = actor(Role::SystemAdmin, 3);
        for action in Action::ALL {
            assert!(!authorize(&at_school, action, Target::System), "{action:?}");
            assert!(!authorize(&at_school, action, Target::Unit(SCHOOL_A)), "{action:?}");
            assert!(!can_somewhere(&at_school, action), "{action:?}");
        }
        assert!(scope_roots(&at_school, Action::ViewUnit).is_empty());
        assert!(grantable_roles(&at_school).is_empty());
        assert!(authorize(
            &actor(Role::SystemAdmin, 1),
            Action::ViewAudit,
            Target::System
        ));
        assert!(grantable_at(Role::SystemAdmin, DEPT));
        assert!(!grantable_at(Role::SystemAdmin, OFFICE));
        assert!(!grantable_at(Role::SystemAdmin, SCHOOL_A));
        assert!(grantable_at(Role::Principal, SCHOOL_A));
    }

    #[test]
    fn principals_appoint_their_schools_collaborators_and_parents_only() {
        let principal = actor(Role::Principal, 3);
        assert!(may_grant(&principal, Role::Collaborator, SCHOOL_A));
        assert!(may_grant(&principal, Role::ParentRep, SCHOOL_A));
        assert!(!may_grant(&principal, Role::Collaborator, SCHOOL_B));
        assert!(!may_grant(&principal, Role::Collaborator, OFFICE));
        for role in [
            Role::Principal,
            Role::Teacher,
            Role::WebsiteAdmin,
            Role::OfficeAdmin,
            Role::SystemAdmin,
        ] {
            assert!(!may_grant(&principal, role, SCHOOL_A), "{role:?}");
        }
        assert_eq!(grantable_roles(&principal), vec![Role::Collaborator, Role::ParentRep]);
        assert!(!grantable_roles(&actor(Role::OfficeAdmin, 2)).contains(&Role::SystemAdmin));
        // A parent's role comes with a class's code only: no form offers it.
        let every_but_parent: Vec<Role> = Role::ALL.into_iter().filter(|r| *r != Role::Parent).collect();
        assert_eq!(grantable_roles(&actor(Role::SystemAdmin, 1)), every_but_parent);
        assert!(!may_grant(&principal, Role::Parent, SCHOOL_A));
        assert!(!may_grant(&actor(Role::OfficeAdmin, 2), Role::Parent, SCHOOL_A));
    }

    /// Acting on a person reaches no further than granting every role they hold: the path from
    /// an office administrator to a system administrator's account is closed.
    #[test]
    fn acting_on_a_person_needs_every_role_they_hold() {
        let office_admin = actor(Role::OfficeAdmin, 2);
        let principal = actor(Role::Principal, 3);
        let root_admin = actor(Role::SystemAdmin, 1);
        let teacher: &[(Role, &[i64])] = &[(Role::Teacher, SCHOOL_A)];
        let collaborator: &[(Role, &[i64])] = &[(Role::Collaborator, SCHOOL_A)];
        let collaborator_and_teacher: &[(Role, &[i64])] = &[(Role::Collaborator, SCHOOL_A), (Role::Teacher, SCHOOL_A)];
        let system_admin: &[(Role, &[i64])] = &[(Role::Teacher, SCHOOL_A), (Role::SystemAdmin, DEPT)];
        let stray_system_admin: &[(Role, &[i64])] = &[(Role::SystemAdmin, SCHOOL_A)];
        let elsewhere: &[(Role, &[i64])] = &[(Role::Teacher, OTHER_SCHOOL)];

        assert!(may_manage_person(&office_admin, SCHOOL_A, teacher));
        assert!(!may_manage_person(&office_admin, SCHOOL_A, system_admin));
        assert!(!may_manage_person(&office_admin, SCHOOL_A, stray_system_admin));
        assert!(!may_manage_person(&office_admin, SCHOOL_A, elsewhere));
        assert!(!may_manage_person(&office_admin, OTHER_SCHOOL, &[]));
        assert!(may_manage_person(&principal, SCHOOL_A, collaborator));
        assert!(!may_manage_person(&principal, SCHOOL_A, teacher));
        assert!(!may_manage_person(&principal, SCHOOL_A, collaborator_and_teacher));
        assert!(!may_manage_person(&principal, SCHOOL_B, collaborator));
        assert!(may_manage_person(&root_admin, SCHOOL_A, system_admin));
        assert!(may_manage_person(&root_admin, SCHOOL_A, stray_system_admin));
    }

    #[test]
    fn scope_roots_are_deduplicated() {
        let a = Actor {
            user_id: 1,
            grants: vec![
                Grant {
                    role: Role::OfficeHead,
                    unit_id: 2,
                    at_root: false,
                },
                Grant {
                    role: Role::OfficeAdmin,
                    unit_id: 2,
                    at_root: false,
                },
                Grant {
                    role: Role::Teacher,
                    unit_id: 6,
                    at_root: false,
                },
            ],
        };
        assert_eq!(scope_roots(&a, Action::ViewUnit), vec![2, 6]);
        assert_eq!(scope_roots(&a, Action::ManageUnits), vec![2]);
    }
}
