//! Members as people: what of their profile they share.

use serde_json::{json, Value};

use crate::{app::AppState, error::AppError};

/// The parts of a member's profile they share with the co-ops they apply to.
pub async fn shareable_profile(state: &AppState, user_id: i64) -> Result<Value, AppError> {
    let user = state.db.user(user_id).await?.ok_or(AppError::NotFound)?;
    let name = state
        .db
        .local_actor(&user.actor_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    Ok(json!({ "name": name, "username": user.username }))
}
