//! What an official document's letterhead and signature need from the units and people: the
//! authority above the issuing unit, and who signs for it.

use lanhmang_store::Unit;

use crate::{App, Result};

/// The unit above `unit`, printed above its name on a letterhead ("" at the root).
pub async fn authority_above(app: &App, unit: &Unit) -> Result<String> {
    Ok(match unit.parent_id {
        Some(parent) => app.store.unit(parent).await?.map(|u| u.name),
        None => None,
    }
    .unwrap_or_default())
}

/// The name of the enabled holder of `role` at the unit, for a signature ("" when none).
pub async fn signer(app: &App, unit_id: i64, role: lanhmang_domain::Role) -> Result<String> {
    Ok(app
        .store
        .people_with_roles_in_unit(unit_id)
        .await?
        .into_iter()
        .find(|(p, r)| *r == role && !p.disabled)
        .map(|(p, _)| p.display_name)
        .unwrap_or_default())
}
