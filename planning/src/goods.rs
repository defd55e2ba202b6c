//! Goods: what the network plans, each with a kind and a unit.
//!
//! This module owns the catalogue of goods a planning round names. It knows nothing of who
//! proposes what; prices live in [`crate::prices`].

use serde::{Deserialize, Serialize};

use crate::PlanningError;

/// Index of a good in an economy's list of goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GoodId(pub u32);

impl GoodId {
    /// The position of the good in [`crate::Economy::goods`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What sort of good this is, which decides who supplies it and whether the board sets its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GoodKind {
    /// Consumed by councils, produced by workplaces.
    Final,
    /// Produced by workplaces and used up by other workplaces.
    Intermediate,
    /// A natural resource: a fixed amount the network may draw on this period.
    NaturalResource,
    /// A kind of labour: the hours the members offer this period.
    Labour,
    /// The services of capital already in place (machine hours, floor space).
    CapitalServices,
    /// Bought from outside the network at a given price: its price is not planned, and any
    /// quantity proposed is supplied.
    Import,
}

impl GoodKind {
    /// Goods whose supply is a fixed amount the network holds (resources, labour, capital).
    pub fn is_endowment(self) -> bool {
        matches!(
            self,
            GoodKind::NaturalResource | GoodKind::Labour | GoodKind::CapitalServices
        )
    }

    /// Goods workplaces may produce.
    pub fn is_produced(self) -> bool {
        matches!(self, GoodKind::Final | GoodKind::Intermediate)
    }

    /// A short lower-case name, as used in CSV files and charts.
    pub fn as_str(self) -> &'static str {
        match self {
            GoodKind::Final => "final",
            GoodKind::Intermediate => "intermediate",
            GoodKind::NaturalResource => "natural-resource",
            GoodKind::Labour => "labour",
            GoodKind::CapitalServices => "capital-services",
            GoodKind::Import => "import",
        }
    }
}

/// A good named in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Good {
    name: String,
    kind: GoodKind,
    unit: String,
    /// The price paid outside the network, in credits per unit; only imports have one.
    outside_price: Option<f64>,
}

impl Good {
    /// A good of any kind but [`GoodKind::Import`], which needs [`Good::import`].
    pub fn new(
        name: impl Into<String>,
        kind: GoodKind,
        unit: impl Into<String>,
    ) -> Result<Self, PlanningError> {
        if kind == GoodKind::Import {
            return Err(PlanningError::Invalid(
                "an imported good needs its outside price: use Good::import".into(),
            ));
        }
        Ok(Good {
            name: name.into(),
            kind,
            unit: unit.into(),
            outside_price: None,
        })
    }

    /// A good bought from outside the network at `price` credits per unit.
    pub fn import(
        name: impl Into<String>,
        unit: impl Into<String>,
        price: f64,
    ) -> Result<Self, PlanningError> {
        if !(price.is_finite() && price > 0.0) {
            return Err(PlanningError::Invalid(format!(
                "outside price must be positive and finite, got {price}"
            )));
        }
        Ok(Good {
            name: name.into(),
            kind: GoodKind::Import,
            unit: unit.into(),
            outside_price: Some(price),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> GoodKind {
        self.kind
    }

    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// The outside price of an import; `None` for goods the network prices itself.
    pub fn outside_price(&self) -> Option<f64> {
        self.outside_price
    }

    /// Whether the facilitation board adjusts this good's price between rounds.
    pub fn is_planned(&self) -> bool {
        self.kind != GoodKind::Import
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_need_a_positive_price() {
        assert!(Good::new("coffee", GoodKind::Import, "kg").is_err());
        assert!(Good::import("coffee", "kg", 0.0).is_err());
        assert!(Good::import("coffee", "kg", f64::NAN).is_err());
        let coffee = Good::import("coffee", "kg", 4.0).unwrap();
        assert_eq!(coffee.outside_price(), Some(4.0));
        assert!(!coffee.is_planned());
    }
}
