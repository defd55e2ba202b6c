//! What every portal page asks of co-ops: which co-op the member acts for, which councils they
//! belong to, whether they act for a co-op of this node.

use crate::core::error::AppError;
use crate::core::federation::{convert, KnownActor};
use crate::core::store::actors::LocalActorRow;
use crate::core::store::users::UserRow;
use crate::core::web::auth::Session;
use crate::core::AppState;
use crate::features::coops;

/// The local co-op a logged-in person asked to act as, if they may.
pub(crate) async fn acting_coop(
    data: &AppState,
    session: &Session,
    handle: &str,
) -> Result<KnownActor, AppError> {
    let row = data
        .db
        .local_actor_by_username(handle.trim().trim_start_matches('@'))
        .await?
        .filter(|r| r.coop_kind.is_some())
        .ok_or_else(|| AppError::bad("no such co-op on this node"))?;
    if !coops::may_act_for(&data.db, &session.user, &row.id).await? {
        return Err(AppError::Forbidden("you may not act for this co-op".into()));
    }
    Ok(convert::local_actor(&row, &data.settings))
}

/// The consumer councils a member may act for.
pub(crate) async fn councils_of(
    data: &AppState,
    user: &UserRow,
) -> Result<Vec<LocalActorRow>, AppError> {
    Ok(coops::coops_of(&data.db, user)
        .await?
        .into_iter()
        .filter(|c| c.coop_kind.as_deref() == Some("consumer-council"))
        .collect())
}

/// Does the member act for this local co-op? (`may_act_for` alone says yes to node admins for
/// any id, even a peer's.)
pub(crate) async fn acts_for_local_coop(
    data: &AppState,
    user: &UserRow,
    id: &str,
) -> Result<bool, AppError> {
    let local_coop = data
        .db
        .local_actor(id)
        .await?
        .is_some_and(|r| r.coop_kind.is_some());
    Ok(local_coop && coops::may_act_for(&data.db, user, id).await?)
}
