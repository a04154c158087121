use super::{RecordKind, wire_enum};

wire_enum!(
    /// What an account does; decides which records it works on (DOMAIN.md, roles).
    Role {
        Inspector = "inspector",
        GridCaptain = "grid_captain",
        BuildingManager = "building_manager",
        Supervisor = "supervisor",
        Admin = "admin",
    }
);

/// How a role works on a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every such record in the role's jurisdiction.
    All,
    /// Only those whose team the person is on (they start one on a team of their own).
    AsMember,
    /// Not this kind at all.
    Never,
}

impl Role {
    /// The one rule of who works on what: the server judges pushes with it, and the phone
    /// refuses to start what the server would refuse, when the record is made.
    pub fn access(self, kind: RecordKind) -> Access {
        use RecordKind as K;
        match (self, kind) {
            (Role::Admin | Role::Supervisor, _) => Access::All,
            (Role::Inspector, K::Inspection) => Access::AsMember,
            (Role::Inspector, K::LedgerEntry | K::Place | K::Case) => Access::All,
            (Role::GridCaptain | Role::BuildingManager, K::Patrol | K::Place) => Access::All,
            (Role::GridCaptain | Role::BuildingManager, K::Case) => Access::AsMember,
            (Role::Inspector, K::Patrol)
            | (Role::GridCaptain | Role::BuildingManager, K::Inspection | K::LedgerEntry) => Access::Never,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Inspector => "检查员",
            Role::GridCaptain => "网格长",
            Role::BuildingManager => "楼宇管理员",
            Role::Supervisor => "督导员",
            Role::Admin => "管理员",
        }
    }
}

impl RecordKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            RecordKind::Inspection => "检查",
            RecordKind::Patrol => "巡查",
            RecordKind::Case => "案件线索",
            RecordKind::LedgerEntry => "台账",
            RecordKind::Place => "场所",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_staff_never_work_on_inspections_and_inspectors_never_patrol() {
        for role in [Role::GridCaptain, Role::BuildingManager] {
            assert_eq!(role.access(RecordKind::Inspection), Access::Never);
            assert_eq!(role.access(RecordKind::Patrol), Access::All);
        }
        assert_eq!(Role::Inspector.access(RecordKind::Patrol), Access::Never);
        assert!(RecordKind::ALL.iter().all(|k| Role::Supervisor.access(*k) == Access::All));
    }
}
