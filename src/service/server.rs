//! What the server tells about itself: `/api/info` and `licenses.info`.

use super::caller::has_permission;
use super::{Caller, Service, ServiceResult};
use crate::model::{Permission, Role};

/// What `licenses.info` reports of a community edition without a licence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceInfo {
    /// The caller holds `view-privileged-setting`, so the limits are shown.
    pub privileged: bool,
    /// Active users, counted when the caller asked for the current values and may see them.
    pub active_users: Option<u64>,
}

impl Service {
    /// Whether the caller of `/api/info` holds `view-statistics`.
    pub fn may_view_statistics(&self, caller: &Caller) -> bool {
        self.store
            .read(|tx| has_permission(tx, &caller.user, Permission::ViewStatistics, None))
            .unwrap_or(false)
    }

    /// `licenses.info`: no licence, no modules, the default limits for holders of
    /// `view-privileged-setting` (with the active-user count when `load_values`).
    pub fn licence_info(&self, caller: &Caller, load_values: bool) -> ServiceResult<LicenceInfo> {
        self.store.read(|tx| {
            let privileged =
                has_permission(tx, &caller.user, Permission::ViewPrivilegedSetting, None)?;
            let active_users = match privileged && load_values {
                true => Some(tx.count_active_users()?),
                false => None,
            };
            Ok(LicenceInfo {
                privileged,
                active_users,
            })
        })
    }
}

impl Service {
    /// A read of the store, for readiness probes: it answers, or says why not. A role
    /// record, which no engine keeps a copy of (permissions may come from one), so the probe
    /// always reaches the database.
    pub fn check_store(&self) -> ServiceResult<()> {
        self.store.read(|tx| tx.role(Role::Admin.as_str()))?;
        Ok(())
    }
}
