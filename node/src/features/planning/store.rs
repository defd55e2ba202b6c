//! Planning rounds: the board's own rounds and the copies of rounds local co-ops take part in,
//! proposals, members' private proposals, planning profiles and co-op members.

use crate::core::store::outbox::{insert_activity_rows, NewActivity, WrittenAlongside};
use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRoundRow {
    pub id: String,
    pub board_id: String,
    pub is_local: i64,
    pub status: String,
    pub iteration: i64,
    pub document: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanProposalRow {
    pub participant_id: String,
    pub iteration: i64,
    pub proposal_id: String,
    pub produce: String,
    pub consume: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LocalParticipantRow {
    pub round_id: String,
    pub actor_id: String,
    pub auto_answer: i64,
    pub last_answered: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberProposalRow {
    pub user_id: i64,
    pub username: String,
    pub iteration: i64,
    pub prices: String,
    pub quantities: String,
}

/// A round's new state, written whole.
pub struct RoundState<'a> {
    pub id: &'a str,
    pub board_id: &'a str,
    pub status: &'a str,
    pub iteration: i64,
    pub document: &'a str,
    pub now: i64,
}

const ROUND_COLUMNS: &str =
    "id, board_id, is_local, status, iteration, document, created_at, updated_at";

impl Db {
    /// A round a local board opens, with its first publication, in one transaction.
    pub async fn open_plan_round(
        &self,
        round: &RoundState<'_>,
        local_participants: &[String],
        activity: &NewActivity<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO plan_rounds (id, board_id, is_local, status, iteration, document, \
             created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $5, $6, $6)",
        )
        .bind(round.id)
        .bind(round.board_id)
        .bind(round.status)
        .bind(round.iteration)
        .bind(round.document)
        .bind(round.now)
        .execute(&mut *tx)
        .await?;
        for actor in local_participants {
            sqlx::query(
                "INSERT INTO plan_local_participants (round_id, actor_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(round.id)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        }
        insert_activity_rows(&mut tx, activity).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a local round on from `from_iteration`, publishing `activity`, unless another
    /// proposal moved it first. Returns whether this call moved it.
    pub async fn advance_plan_round(
        &self,
        round: &RoundState<'_>,
        from_iteration: i64,
        activity: &NewActivity<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().begin().await?;
        let moved = sqlx::query(
            "UPDATE plan_rounds SET status = $1, iteration = $2, document = $3, updated_at = $4 \
             WHERE id = $5 AND is_local = 1 AND status = 'open' AND iteration = $6",
        )
        .bind(round.status)
        .bind(round.iteration)
        .bind(round.document)
        .bind(round.now)
        .bind(round.id)
        .bind(from_iteration)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(false);
        }
        insert_activity_rows(&mut tx, activity).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Keeps the board's latest copy of a round local co-ops take part in: a copy replaces the
    /// stored one only if it is of a later iteration, or of the same one and closes the round.
    /// Returns whether the copy was stored.
    pub async fn store_plan_copy(
        &self,
        round: &RoundState<'_>,
        local_participants: &[String],
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().begin().await?;
        let stored = sqlx::query(
            "INSERT INTO plan_rounds (id, board_id, is_local, status, iteration, document, \
             created_at, updated_at) VALUES ($1, $2, 0, $3, $4, $5, $6, $6) \
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
             iteration = excluded.iteration, document = excluded.document, \
             updated_at = excluded.updated_at \
             WHERE plan_rounds.is_local = 0 AND plan_rounds.board_id = excluded.board_id \
             AND (excluded.iteration > plan_rounds.iteration \
                  OR (excluded.iteration = plan_rounds.iteration \
                      AND plan_rounds.status = 'open' AND excluded.status <> 'open'))",
        )
        .bind(round.id)
        .bind(round.board_id)
        .bind(round.status)
        .bind(round.iteration)
        .bind(round.document)
        .bind(round.now)
        .execute(&mut *tx)
        .await?;
        if stored.rows_affected() == 0 {
            return Ok(false);
        }
        for actor in local_participants {
            sqlx::query(
                "INSERT INTO plan_local_participants (round_id, actor_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(round.id)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn plan_round(&self, id: &str) -> Result<Option<PlanRoundRow>, StoreError> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM plan_rounds WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.write())
            .await?)
    }

    /// Every round this node knows, most recently changed first.
    pub async fn plan_rounds(&self) -> Result<Vec<PlanRoundRow>, StoreError> {
        let sql =
            format!("SELECT {ROUND_COLUMNS} FROM plan_rounds ORDER BY updated_at DESC LIMIT 200");
        Ok(sqlx::query_as(&sql).fetch_all(self.read()).await?)
    }

    /// Open rounds this node has a part in: the board's or a participant's.
    pub async fn open_plan_rounds(&self) -> Result<Vec<PlanRoundRow>, StoreError> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM plan_rounds WHERE status = 'open'");
        Ok(sqlx::query_as(&sql).fetch_all(self.write()).await?)
    }

    /// Records an answer to an iteration of a local round; a later answer from the same
    /// participant to the same iteration replaces the earlier one.
    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_plan_proposal(
        &self,
        round: &str,
        iteration: i64,
        participant: &str,
        proposal_id: &str,
        produce: &str,
        consume: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO plan_proposals (round_id, iteration, participant_id, proposal_id, \
             produce, consume, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (round_id, iteration, participant_id) DO UPDATE SET \
             proposal_id = excluded.proposal_id, produce = excluded.produce, \
             consume = excluded.consume, received_at = excluded.received_at",
        )
        .bind(round)
        .bind(iteration)
        .bind(participant)
        .bind(proposal_id)
        .bind(produce)
        .bind(consume)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Each participant's latest answer at or before `iteration`.
    pub async fn latest_plan_proposals(
        &self,
        round: &str,
        iteration: i64,
    ) -> Result<Vec<PlanProposalRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.participant_id, p.iteration, p.proposal_id, p.produce, p.consume \
             FROM plan_proposals p WHERE p.round_id = $1 AND p.iteration = \
             (SELECT MAX(x.iteration) FROM plan_proposals x WHERE x.round_id = p.round_id \
              AND x.participant_id = p.participant_id AND x.iteration <= $2) \
             ORDER BY p.participant_id",
        )
        .bind(round)
        .bind(iteration)
        .fetch_all(self.write())
        .await?)
    }

    pub async fn local_participants(
        &self,
        round: &str,
    ) -> Result<Vec<LocalParticipantRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT round_id, actor_id, auto_answer, last_answered FROM plan_local_participants \
             WHERE round_id = $1 ORDER BY actor_id",
        )
        .bind(round)
        .fetch_all(self.write())
        .await?)
    }

    pub async fn set_plan_auto_answer(
        &self,
        round: &str,
        actor: &str,
        auto: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE plan_local_participants SET auto_answer = $1 WHERE round_id = $2 \
             AND actor_id = $3",
        )
        .bind(auto as i64)
        .bind(round)
        .bind(actor)
        .execute(self.write())
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn upsert_member_proposal(
        &self,
        round: &str,
        council: &str,
        user_id: i64,
        iteration: i64,
        prices: &str,
        quantities: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO plan_member_proposals (round_id, council_id, user_id, iteration, \
             prices, quantities, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (round_id, council_id, user_id) DO UPDATE SET \
             iteration = excluded.iteration, prices = excluded.prices, \
             quantities = excluded.quantities, updated_at = excluded.updated_at",
        )
        .bind(round)
        .bind(council)
        .bind(user_id)
        .bind(iteration)
        .bind(prices)
        .bind(quantities)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Every member's own proposal to a council in a round.
    pub async fn member_proposals(
        &self,
        round: &str,
        council: &str,
    ) -> Result<Vec<MemberProposalRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT m.user_id, u.username, m.iteration, m.prices, m.quantities \
             FROM plan_member_proposals m JOIN users u ON u.id = m.user_id \
             WHERE m.round_id = $1 AND m.council_id = $2 ORDER BY u.username",
        )
        .bind(round)
        .bind(council)
        .fetch_all(self.write())
        .await?)
    }

    pub async fn planning_profile(&self, coop: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT document FROM planning_profiles WHERE coop_id = $1")
                .bind(coop)
                .fetch_optional(self.read())
                .await?,
        )
    }

    pub async fn set_planning_profile(
        &self,
        coop: &str,
        document: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO planning_profiles (coop_id, document, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (coop_id) DO UPDATE SET document = excluded.document, \
             updated_at = excluded.updated_at",
        )
        .bind(coop)
        .bind(document)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn add_coop_member(
        &self,
        coop: &str,
        user_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO coop_members (coop_id, user_id, joined_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(coop)
        .bind(user_id)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The co-ops a user belongs to as a member (administrators are members too).
    pub async fn coops_belonged_to(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT coop_id FROM coop_members WHERE user_id = $1 \
             UNION SELECT coop_id FROM coop_admins WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_all(self.read())
        .await?)
    }

    /// Usernames of a co-op's members and administrators.
    pub async fn coop_member_names(&self, coop: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT u.username FROM users u WHERE u.id IN \
             (SELECT user_id FROM coop_members WHERE coop_id = $1 \
              UNION SELECT user_id FROM coop_admins WHERE coop_id = $1) ORDER BY u.username",
        )
        .bind(coop)
        .fetch_all(self.read())
        .await?)
    }
}

/// A local participant has answered an iteration of a round, written with the proposal it sent.
pub struct Answered<'a> {
    pub round: &'a str,
    pub actor: &'a str,
    pub iteration: i64,
}

#[async_trait::async_trait]
impl WrittenAlongside for Answered<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE plan_local_participants SET last_answered = $1 WHERE round_id = $2 \
             AND actor_id = $3 AND last_answered < $1",
        )
        .bind(self.iteration)
        .bind(self.round)
        .bind(self.actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
