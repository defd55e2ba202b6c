//! Orders: what a buyer (a person, or a consumer council) asks of a workplace, and the states an
//! order passes through. The state machine lives here; storage and federation call it.

use std::fmt;

use crate::core::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Sent to a workplace on another node; no answer yet.
    Requested,
    Accepted,
    Rejected,
    Dispatched,
    Fulfilled,
    Cancelled,
}

/// Which side of an order someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Buyer,
    Seller,
}

impl OrderState {
    pub const ALL: [OrderState; 6] = [
        OrderState::Requested,
        OrderState::Accepted,
        OrderState::Rejected,
        OrderState::Dispatched,
        OrderState::Fulfilled,
        OrderState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Requested => "requested",
            OrderState::Accepted => "accepted",
            OrderState::Rejected => "rejected",
            OrderState::Dispatched => "dispatched",
            OrderState::Fulfilled => "fulfilled",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<OrderState, AppError> {
        OrderState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| AppError::bad(format!("{s:?} is not an order state")))
    }

    /// The states from which `party` may move an order to `self`. Acceptance and rejection are
    /// the seller node's own answer to an order, not a later move.
    pub fn reachable_from(self, party: Party) -> &'static [&'static str] {
        match (self, party) {
            (OrderState::Dispatched, Party::Seller) => &["accepted"],
            (OrderState::Fulfilled, Party::Seller) => &["dispatched"],
            (OrderState::Cancelled, Party::Seller) => &["accepted", "dispatched"],
            (OrderState::Cancelled, Party::Buyer) => &["requested", "accepted"],
            _ => &[],
        }
    }

    /// Moving to this state returns the order's goods to stock.
    pub fn restocks(self) -> bool {
        self == OrderState::Cancelled
    }

    /// Checks a move by `party` from `from` and returns the states it may come from.
    pub fn check_move(
        self,
        from: OrderState,
        party: Party,
        reason: Option<&str>,
    ) -> Result<&'static [&'static str], AppError> {
        let allowed = self.reachable_from(party);
        if !allowed.contains(&from.as_str()) {
            return Err(AppError::Conflict(format!(
                "the {} cannot mark an order that is {from} as {self}",
                match party {
                    Party::Buyer => "buyer",
                    Party::Seller => "workplace",
                }
            )));
        }
        if self == OrderState::Cancelled && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(AppError::bad("cancelling an order needs a reason"));
        }
        Ok(allowed)
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_party_moves_an_order() {
        use OrderState::*;
        assert!(Dispatched.check_move(Accepted, Party::Seller, None).is_ok());
        assert!(Dispatched.check_move(Accepted, Party::Buyer, None).is_err());
        assert!(Fulfilled.check_move(Accepted, Party::Seller, None).is_err());
        assert!(Fulfilled
            .check_move(Dispatched, Party::Seller, None)
            .is_ok());
        assert!(Cancelled
            .check_move(Dispatched, Party::Buyer, Some("late"))
            .is_err());
        assert!(Cancelled
            .check_move(Accepted, Party::Buyer, Some("not needed"))
            .is_ok());
        assert!(
            Cancelled.check_move(Accepted, Party::Seller, None).is_err(),
            "needs a reason"
        );
        assert!(Accepted.check_move(Requested, Party::Seller, None).is_err());
        assert!(Cancelled
            .check_move(Fulfilled, Party::Seller, Some("x"))
            .is_err());
    }
}
