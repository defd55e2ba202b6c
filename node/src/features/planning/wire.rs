//! Planning rounds over ActivityPub: a facilitation board publishes a round (`Create` of a
//! `Plan`, then an `Update` at every iteration and when it ends) to the round's participants
//! only; each participant answers an iteration with a `Create` of a `Proposal` sent to the board
//! only. Nothing here is ever addressed to a collection or served by id.
//!
//! The board's node holds the round; participants' nodes keep the latest copy. A participant
//! that answers automatically is answered for by the planner worker, which wakes whenever a
//! round changes and every 30 seconds: it also closes a local round whose answers are all in
//! (after a crash between recording the last answer and closing the iteration) and re-answers
//! an iteration whose answer was lost.

use std::time::Duration;

use activitypub_federation::config::{Data, FederationConfig};
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    planning::{
        planning_context, ParticipantRole, PlanDoc, PlanGood, PlanIntent, PlanParticipant,
        PlanProposal, PlanQuantity, PlanStatus, ProposalSummary,
    },
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::outgoing;
use crate::core::federation::{convert, KnownActor};
use crate::core::store::{now_ms, rfc3339};
use crate::core::AppState;
use crate::features::coops::CoopKind;
use crate::features::directory::flows::profile_of;
use crate::features::planning;
use crate::features::planning::store::{Answered, PlanRoundRow, RoundState};
use crate::features::planning::RoundSpec;

pub fn parse_doc(row: &PlanRoundRow) -> Result<PlanDoc, AppError> {
    serde_json::from_str(&row.document)
        .map_err(|e| AppError::Internal(format!("stored round {}: {e}", row.id)))
}

fn role_of(actor: &KnownActor) -> Result<ParticipantRole, AppError> {
    match actor.coop_kind.as_deref() {
        Some("workplace") => Ok(ParticipantRole::Workplace),
        Some("consumer-council") => Ok(ParticipantRole::Council),
        _ => Err(AppError::bad(format!(
            "{} is neither a workplace nor a consumer council",
            actor.handle()
        ))),
    }
}

/// An activity carrying a round, addressed to its participants, and their nodes' inboxes.
async fn round_activity(
    state: &AppState,
    kind: ActivityKind,
    doc: &PlanDoc,
) -> Result<(Activity, Vec<(String, String)>), AppError> {
    let mut inboxes = Vec::new();
    for p in &doc.participants {
        if state.settings.is_local(&p.actor) {
            continue;
        }
        let actor = crate::core::federation::stored_actor(state, p.actor.as_str())
            .await?
            .ok_or_else(|| AppError::Internal(format!("participant {} unknown", p.actor)))?;
        // The round is addressed to every participant, so one copy per node does: the shared
        // inbox where there is one.
        let inbox = actor.shared_inbox.as_ref().unwrap_or(&actor.inbox);
        let pair = (
            inbox.to_string(),
            coopnet_federation::origin::authority(inbox),
        );
        if !inboxes.contains(&pair) {
            inboxes.push(pair);
        }
    }
    let mut activity = Activity::new(
        kind,
        outgoing::new_id(state, "activities"),
        doc.attributed_to.clone(),
        serde_json::to_value(doc)?,
    )
    .to(doc.to.clone());
    activity.context = planning_context();
    Ok((activity, inboxes))
}

/// A board opens a round: participants are resolved and checked, the first iteration's prices
/// are the start prices, and the round goes to every participant.
pub async fn open_round(
    data: &Data<AppState>,
    board: &KnownActor,
    spec: &RoundSpec,
) -> Result<Url, AppError> {
    if board.coop_kind.as_deref() != Some(CoopKind::FacilitationBoard.as_str()) || !board.is_local()
    {
        return Err(AppError::Forbidden(
            "only a facilitation board of this node opens planning rounds".into(),
        ));
    }
    spec.check()?;
    let mut participants: Vec<PlanParticipant> = Vec::new();
    for who in &spec.participants {
        let who = who.trim();
        // Each look-up may fetch a few documents; count them per participant.
        let data = &data.reset_request_count();
        let actor = if let Ok(url) = Url::parse(who) {
            coopnet_federation::network::check_url(&url, data.settings.allow_private_network)
                .map_err(|e| AppError::bad(format!("participant {who}: {e}")))?;
            crate::core::federation::actor(&url, data).await
        } else {
            let handle = coopnet_schemas::Handle::parse(who)
                .map_err(|e| AppError::bad(format!("participant {who:?}: {e}")))?;
            crate::core::federation::resolve_handle(&handle, data).await
        }
        .map_err(|e| AppError::bad(format!("participant {who}: {e}")))?;
        let role = role_of(&actor)?;
        if participants.iter().any(|p| p.actor == actor.id) {
            continue;
        }
        participants.push(PlanParticipant {
            actor: actor.id.clone(),
            role,
            name: actor.name.clone(),
        });
    }
    let id = outgoing::new_id(data, "plans");
    let goods: Vec<PlanGood> = spec
        .goods
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut good_id = id.clone();
            good_id.set_fragment(Some(&format!("good-{}", i + 1)));
            PlanGood {
                id: good_id,
                kind: "ResourceSpecification".into(),
                name: g.name.trim().to_string(),
                unit: g.unit.trim().to_string(),
                good_kind: g.kind.as_str().to_string(),
                start_price: g.start_price,
                available: g.available,
            }
        })
        .collect();
    let now = now_ms();
    let doc = PlanDoc {
        context: Value::Null,
        id: id.clone(),
        kind: "Plan".into(),
        attributed_to: board.id.clone(),
        name: spec.name.trim().to_string(),
        period: spec.period.trim().to_string(),
        plan_status: PlanStatus::Open,
        status_reason: None,
        price_rule: spec.rule.to_string(),
        tolerance: spec.tolerance,
        max_iterations: spec.max_iterations,
        prices: goods.iter().map(|g| g.start_price).collect(),
        goods,
        to: participants.iter().map(|p| p.actor.to_string()).collect(),
        participants,
        iteration: 1,
        history: Vec::new(),
        proposals: Vec::new(),
        adopted_iteration: None,
        updated: rfc3339(now),
    };
    let (activity, inboxes) = round_activity(data, ActivityKind::Create, &doc).await?;
    let body = serde_json::to_string(&activity)?;
    let document = serde_json::to_string(&doc)?;
    let local: Vec<String> = doc
        .participants
        .iter()
        .filter(|p| data.settings.is_local(&p.actor))
        .map(|p| p.actor.to_string())
        .collect();
    data.db
        .open_plan_round(
            &RoundState {
                id: id.as_str(),
                board_id: board.id.as_str(),
                status: doc.plan_status.as_str(),
                iteration: i64::from(doc.iteration),
                document: &document,
                now,
            },
            &local,
            &crate::core::federation::outgoing::private_activity(
                &activity,
                &body,
                id.as_str(),
                &inboxes,
                now,
            ),
        )
        .await?;
    data.wake_deliveries();
    data.wake_planner();
    Ok(id)
}

/// A round from a board on another node, for co-ops of this one.
pub async fn receive_round(
    data: &Data<AppState>,
    board: &KnownActor,
    object: &Value,
) -> Result<(), AppError> {
    let doc: PlanDoc = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable planning round: {e}")))?;
    if doc.attributed_to != board.id || !same_origin(&doc.id, &board.id) {
        return Err(AppError::bad("a round comes from its own board"));
    }
    if board
        .coop_kind
        .as_deref()
        .is_some_and(|k| k != CoopKind::FacilitationBoard.as_str())
    {
        return Err(AppError::bad(
            "only facilitation boards run planning rounds",
        ));
    }
    planning::check_doc(&doc)?;
    for good in &doc.goods {
        if !same_origin(&good.id, &doc.id) {
            return Err(AppError::bad(
                "a round's goods are named on its board's node",
            ));
        }
    }
    let mut local = Vec::new();
    for p in &doc.participants {
        if data.settings.is_local(&p.actor)
            && data.db.local_actor(p.actor.as_str()).await?.is_some()
        {
            local.push(p.actor.to_string());
        }
    }
    if local.is_empty() {
        return Err(AppError::bad("the round names no co-op of this node"));
    }
    let mut stored = doc.clone();
    stored.context = Value::Null;
    let document = serde_json::to_string(&stored)?;
    let changed = data
        .db
        .store_plan_copy(
            &RoundState {
                id: doc.id.as_str(),
                board_id: board.id.as_str(),
                status: doc.plan_status.as_str(),
                iteration: i64::from(doc.iteration),
                document: &document,
                now: now_ms(),
            },
            &local,
        )
        .await?;
    if changed {
        data.wake_planner();
    }
    Ok(())
}

/// A participant's answer, from another node.
pub async fn receive_proposal(
    data: &Data<AppState>,
    actor: &KnownActor,
    object: &Value,
) -> Result<(), AppError> {
    let proposal: PlanProposal = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable proposal: {e}")))?;
    if proposal.attributed_to != actor.id || !same_origin(&proposal.id, &actor.id) {
        return Err(AppError::bad("a proposal comes from its own participant"));
    }
    let round = data
        .db
        .plan_round(proposal.planned_within.as_str())
        .await?
        .filter(|r| r.is_local == 1)
        .ok_or_else(|| AppError::bad("the proposal answers no round of this node"))?;
    let doc = parse_doc(&round)?;
    let m = doc.goods.len();
    if proposal.publishes.len() > 2 * m {
        return Err(AppError::bad("a proposal names each good at most twice"));
    }
    let (mut produce, mut consume) = (vec![0.0; m], vec![0.0; m]);
    for intent in &proposal.publishes {
        let g = doc
            .goods
            .iter()
            .position(|g| g.id == intent.resource_conforms_to)
            .ok_or_else(|| AppError::bad("the proposal names a good the round does not plan"))?;
        let target = match intent.action.as_str() {
            "produce" => &mut produce,
            "consume" => &mut consume,
            other => {
                return Err(AppError::bad(format!(
                    "a proposal's intents produce or consume, not {other:?}"
                )))
            }
        };
        if target[g] != 0.0 {
            return Err(AppError::bad(
                "a proposal names a good twice for one action",
            ));
        }
        target[g] = intent.resource_quantity.has_numerical_value;
    }
    record_proposal(
        data,
        &doc,
        &actor.id,
        proposal.iteration,
        proposal.id.as_str(),
        produce,
        consume,
    )
    .await
}

/// Records an answer to the current iteration of a local round and closes the iteration if it
/// was the last one missing. An answer to an iteration already closed is acknowledged and
/// ignored: a slow participant is not an error.
pub async fn record_proposal(
    state: &AppState,
    doc: &PlanDoc,
    participant: &Url,
    iteration: u32,
    proposal_id: &str,
    produce: Vec<f64>,
    consume: Vec<f64>,
) -> Result<(), AppError> {
    let Some(p) = doc.participant(participant.as_str()) else {
        return Err(AppError::Forbidden(
            "only the round's participants answer it".into(),
        ));
    };
    planning::check_proposal(doc, p.role, &produce, &consume)?;
    if doc.plan_status != PlanStatus::Open || iteration != doc.iteration {
        tracing::debug!(round = %doc.id, iteration, "ignored an answer to a closed iteration");
        return Ok(());
    }
    state
        .db
        .upsert_plan_proposal(
            doc.id.as_str(),
            i64::from(iteration),
            participant.as_str(),
            proposal_id,
            &serde_json::to_string(&produce)?,
            &serde_json::to_string(&consume)?,
            now_ms(),
        )
        .await?;
    close_iteration(state, doc.id.as_str(), false)
        .await
        .map(|_| ())
}

/// Closes the current iteration of a local round once every participant has answered it (or
/// now, when a facilitator says so: a participant that has not answered counts with its latest
/// earlier answer, or with nothing). Returns whether the round moved.
pub async fn close_iteration(state: &AppState, round: &str, now: bool) -> Result<bool, AppError> {
    let Some(row) = state.db.plan_round(round).await? else {
        return Err(AppError::NotFound);
    };
    if row.is_local != 1 || row.status != "open" {
        return Ok(false);
    }
    let doc = parse_doc(&row)?;
    let answers = state
        .db
        .latest_plan_proposals(round, i64::from(doc.iteration))
        .await?;
    let m = doc.goods.len();
    let mut proposals = Vec::with_capacity(doc.participants.len());
    for p in &doc.participants {
        let answer = answers
            .iter()
            .find(|a| a.participant_id == p.actor.as_str());
        let current = answer.is_some_and(|a| a.iteration == i64::from(doc.iteration));
        if !current && !now {
            return Ok(false);
        }
        let (produce, consume) = match answer {
            Some(a) => (
                serde_json::from_str(&a.produce).map_err(|e| AppError::Internal(e.to_string()))?,
                serde_json::from_str(&a.consume).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            None => (vec![0.0; m], vec![0.0; m]),
        };
        proposals.push(ProposalSummary {
            participant: p.actor.clone(),
            iteration: answer.map_or(0, |a| a.iteration as u32),
            produce,
            consume,
        });
    }
    let time = now_ms();
    let next = planning::next_round(&doc, proposals, rfc3339(time))?;
    publish_change(state, &doc, next, time).await
}

/// Publishes a local round's new state to its participants, unless another change won.
async fn publish_change(
    state: &AppState,
    doc: &PlanDoc,
    next: PlanDoc,
    time: i64,
) -> Result<bool, AppError> {
    let (activity, inboxes) = round_activity(state, ActivityKind::Update, &next).await?;
    let body = serde_json::to_string(&activity)?;
    let document = serde_json::to_string(&next)?;
    let moved = state
        .db
        .advance_plan_round(
            &RoundState {
                id: next.id.as_str(),
                board_id: next.attributed_to.as_str(),
                status: next.plan_status.as_str(),
                iteration: i64::from(next.iteration),
                document: &document,
                now: time,
            },
            i64::from(doc.iteration),
            &crate::core::federation::outgoing::private_activity(
                &activity,
                &body,
                next.id.as_str(),
                &inboxes,
                time,
            ),
        )
        .await?;
    if moved {
        state.wake_deliveries();
        state.wake_planner();
    }
    Ok(moved)
}

/// A facilitator ends a round without a plan.
pub async fn stop_round(state: &AppState, round: &str, reason: &str) -> Result<(), AppError> {
    let row = state
        .db
        .plan_round(round)
        .await?
        .filter(|r| r.is_local == 1)
        .ok_or(AppError::NotFound)?;
    if row.status != "open" {
        return Err(AppError::Conflict("the round has ended already".into()));
    }
    let doc = parse_doc(&row)?;
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::bad("a reason has at most 500 characters"));
    }
    let time = now_ms();
    let mut next = doc.clone();
    next.plan_status = PlanStatus::Stopped;
    next.status_reason = Some(if reason.is_empty() {
        "stopped by the facilitation board".into()
    } else {
        format!("stopped by the facilitation board: {reason}")
    });
    next.updated = rfc3339(time);
    if !publish_change(state, &doc, next, time).await? {
        return Err(AppError::Conflict("the round moved on meanwhile".into()));
    }
    Ok(())
}

/// A local participant answers the current iteration: to the board directly when it is on this
/// node, else in a private `Create(Proposal)` to the board.
pub async fn answer(
    state: &AppState,
    doc: &PlanDoc,
    participant: &KnownActor,
    produce: Vec<f64>,
    consume: Vec<f64>,
) -> Result<(), AppError> {
    let Some(p) = doc.participant(participant.id.as_str()) else {
        return Err(AppError::Forbidden(
            "this co-op does not take part in the round".into(),
        ));
    };
    if doc.plan_status != PlanStatus::Open {
        return Err(AppError::Conflict("the round has ended".into()));
    }
    planning::check_proposal(doc, p.role, &produce, &consume)?;
    let id = outgoing::new_id(state, "plan-proposals");
    let answered = Answered {
        round: doc.id.as_str(),
        actor: participant.id.as_str(),
        iteration: i64::from(doc.iteration),
    };
    if state.settings.is_local(&doc.attributed_to) {
        record_proposal(
            state,
            doc,
            &participant.id,
            doc.iteration,
            id.as_str(),
            produce,
            consume,
        )
        .await?;
    } else {
        let board = crate::core::federation::stored_actor(state, doc.attributed_to.as_str())
            .await?
            .ok_or_else(|| AppError::Internal("the round's board is unknown".into()))?;
        let intents = |action: &str, quantities: &[f64]| -> Vec<PlanIntent> {
            doc.goods
                .iter()
                .zip(quantities)
                .filter(|(_, q)| **q > 0.0)
                .map(|(g, q)| PlanIntent {
                    kind: "Intent".into(),
                    action: action.into(),
                    resource_conforms_to: g.id.clone(),
                    resource_quantity: PlanQuantity {
                        has_numerical_value: *q,
                        has_unit: g.unit.clone(),
                    },
                })
                .collect()
        };
        let mut publishes = intents("produce", &produce);
        publishes.extend(intents("consume", &consume));
        let proposal = PlanProposal {
            context: Value::Null,
            id: id.clone(),
            kind: "Proposal".into(),
            attributed_to: participant.id.clone(),
            planned_within: doc.id.clone(),
            iteration: doc.iteration,
            publishes,
            to: vec![board.id.to_string()],
        };
        let mut create = Activity::new(
            ActivityKind::Create,
            outgoing::new_id(state, "activities"),
            participant.id.clone(),
            serde_json::to_value(&proposal)?,
        )
        .to(vec![board.id.to_string()]);
        create.context = planning_context();
        let inboxes = vec![board.inbox.clone()];
        let id = Some(id.as_str());
        return outgoing::queue_alongside(state, &create, inboxes, false, id, &[&answered]).await;
    }
    Ok(state.db.write_rows(&answered).await?)
}

/// What a local participant would answer by itself: a workplace from its planning profile, a
/// council from its members' proposals. A council none of whose members has proposed anything
/// yet has nothing to answer with, and waits for them.
pub async fn automatic_answer(
    state: &AppState,
    doc: &PlanDoc,
    participant: &KnownActor,
) -> Result<Option<(Vec<f64>, Vec<f64>)>, AppError> {
    let profile = profile_of(state, participant.id.as_str()).await?;
    match role_of(participant)? {
        ParticipantRole::Workplace => {
            planning::workplace_answer(doc, &participant.name, &profile).map(Some)
        }
        ParticipantRole::Council => {
            let members = member_answers(state, doc, participant.id.as_str()).await?;
            if members.is_empty() {
                return Ok(None);
            }
            let consume =
                planning::council_answer(doc, &participant.name, &members, profile.budget)?;
            Ok(Some((vec![0.0; doc.goods.len()], consume)))
        }
    }
}

/// Every member's own proposal to a council, as (prices answered, quantities).
pub async fn member_answers(
    state: &AppState,
    doc: &PlanDoc,
    council: &str,
) -> Result<Vec<(Vec<f64>, Vec<f64>)>, AppError> {
    let rows = state.db.member_proposals(doc.id.as_str(), council).await?;
    let mut answers = Vec::with_capacity(rows.len());
    for row in rows {
        let prices: Vec<f64> =
            serde_json::from_str(&row.prices).map_err(|e| AppError::Internal(e.to_string()))?;
        let quantities: Vec<f64> =
            serde_json::from_str(&row.quantities).map_err(|e| AppError::Internal(e.to_string()))?;
        answers.push((prices, quantities));
    }
    Ok(answers)
}

/// One pass of the planner: close local rounds whose answers are all in, and answer for local
/// participants that answer automatically and have not answered the current iteration.
pub async fn planner_pass(state: &AppState) -> Result<(), AppError> {
    for row in state.db.open_plan_rounds().await? {
        if let Err(e) = pass_round(state, &row.id, row.is_local == 1).await {
            tracing::warn!(round = %row.id, error = %e, "planning round pass failed");
        }
    }
    Ok(())
}

async fn pass_round(state: &AppState, round: &str, is_local: bool) -> Result<(), AppError> {
    if is_local {
        close_iteration(state, round, false).await?;
    }
    let Some(row) = state.db.plan_round(round).await? else {
        return Ok(());
    };
    let doc = parse_doc(&row)?;
    if doc.plan_status != PlanStatus::Open {
        return Ok(());
    }
    for p in state.db.local_participants(round).await? {
        if p.auto_answer != 1 || p.last_answered >= i64::from(doc.iteration) {
            continue;
        }
        let Some(local) = state.db.local_actor(&p.actor_id).await? else {
            continue;
        };
        let participant = convert::local_actor(&local, &state.settings);
        if let Some((produce, consume)) = automatic_answer(state, &doc, &participant).await? {
            answer(state, &doc, &participant, produce, consume).await?;
        }
    }
    Ok(())
}

/// The planner worker: a pass whenever a round changes, and every 30 seconds.
pub async fn run(federation: FederationConfig<AppState>) {
    let state: AppState = (*federation).clone();
    let wake = state.planner_handle();
    loop {
        if let Err(e) = planner_pass(&state).await {
            tracing::warn!(error = %e, "planning pass failed");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
        }
    }
}

/// What a person of this node may see and do in a round.
#[derive(Debug, Default)]
pub struct Viewer {
    /// The round's board, if it is on this node and the person acts for it.
    pub board: Option<KnownActor>,
    /// Participants on this node the person acts for.
    pub acts_for: Vec<KnownActor>,
    /// Councils in the round the person belongs to, and may propose to.
    pub member_of: Vec<KnownActor>,
}

impl Viewer {
    pub fn may_see(&self) -> bool {
        self.board.is_some() || !self.acts_for.is_empty() || !self.member_of.is_empty()
    }
}

/// Rounds are shown only to the people of the co-ops taking part and of the board.
pub async fn viewer(
    state: &AppState,
    user: &crate::core::store::users::UserRow,
    doc: &PlanDoc,
) -> Result<Viewer, AppError> {
    let mut viewer = Viewer::default();
    let belongs = state.db.coops_belonged_to(user.id).await?;
    if state.settings.is_local(&doc.attributed_to)
        && crate::features::coops::may_act_for(&state.db, user, doc.attributed_to.as_str()).await?
    {
        if let Some(row) = state.db.local_actor(doc.attributed_to.as_str()).await? {
            viewer.board = Some(convert::local_actor(&row, &state.settings));
        }
    }
    for p in &doc.participants {
        if !state.settings.is_local(&p.actor) {
            continue;
        }
        let Some(row) = state.db.local_actor(p.actor.as_str()).await? else {
            continue;
        };
        let actor = convert::local_actor(&row, &state.settings);
        if crate::features::coops::may_act_for(&state.db, user, p.actor.as_str()).await? {
            viewer.acts_for.push(actor.clone());
        }
        if p.role == ParticipantRole::Council && belongs.iter().any(|c| c == p.actor.as_str()) {
            viewer.member_of.push(actor);
        }
    }
    Ok(viewer)
}

/// A member's own proposal to a council for the current iteration; the council answers again
/// if it answers automatically.
pub async fn member_proposal(
    state: &AppState,
    doc: &PlanDoc,
    council: &KnownActor,
    user_id: i64,
    quantities: Vec<f64>,
) -> Result<(), AppError> {
    if doc.plan_status != PlanStatus::Open {
        return Err(AppError::Conflict("the round has ended".into()));
    }
    planning::check_proposal(
        doc,
        ParticipantRole::Council,
        &vec![0.0; doc.goods.len()],
        &quantities,
    )?;
    state
        .db
        .upsert_member_proposal(
            doc.id.as_str(),
            council.id.as_str(),
            user_id,
            i64::from(doc.iteration),
            &serde_json::to_string(&doc.prices)?,
            &serde_json::to_string(&quantities)?,
            now_ms(),
        )
        .await?;
    let auto = state
        .db
        .local_participants(doc.id.as_str())
        .await?
        .iter()
        .any(|p| p.actor_id == council.id.as_str() && p.auto_answer == 1);
    if auto {
        if let Some((produce, consume)) = automatic_answer(state, doc, council).await? {
            answer(state, doc, council, produce, consume).await?;
        }
    }
    Ok(())
}

/// A participant answers by hand: from now on it is not answered for automatically, until it
/// says so again. A council's answer must fit its budget.
pub async fn manual_answer(
    state: &AppState,
    doc: &PlanDoc,
    participant: &KnownActor,
    produce: Vec<f64>,
    consume: Vec<f64>,
) -> Result<(), AppError> {
    if role_of(participant)? == ParticipantRole::Council {
        let budget = profile_of(state, participant.id.as_str()).await?.budget;
        let spent = planning::cost(doc, &consume);
        if let Some(b) = budget {
            if spent > b * (1.0 + 1e-9) {
                return Err(AppError::bad(format!(
                    "the proposal costs {spent:.2} credits at this iteration's prices; the council's budget is {b:.2}"
                )));
            }
        }
    }
    answer(state, doc, participant, produce, consume).await?;
    state
        .db
        .set_plan_auto_answer(doc.id.as_str(), participant.id.as_str(), false)
        .await?;
    Ok(())
}

/// A participant goes back to answering automatically, at once for the current iteration.
pub async fn answer_automatically(
    state: &AppState,
    doc: &PlanDoc,
    participant: &KnownActor,
) -> Result<(), AppError> {
    state
        .db
        .set_plan_auto_answer(doc.id.as_str(), participant.id.as_str(), true)
        .await?;
    if doc.plan_status == PlanStatus::Open {
        if let Some((produce, consume)) = automatic_answer(state, doc, participant).await? {
            answer(state, doc, participant, produce, consume).await?;
        }
    }
    Ok(())
}

/// A round this node knows, by id.
pub async fn round(state: &AppState, id: &str) -> Result<(PlanRoundRow, PlanDoc), AppError> {
    let row = state.db.plan_round(id).await?.ok_or(AppError::NotFound)?;
    let doc = parse_doc(&row)?;
    Ok((row, doc))
}
