//! What each co-op declares of its inputs and outputs per period: part of its public profile in
//! the directory, and what planning rounds answer from.

use crate::core::error::AppError;
use serde::{Deserialize, Serialize};

/// What a co-op declares for planning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanningProfile {
    /// A workplace's output per period.
    #[serde(default)]
    pub output: Option<Flow>,
    /// A workplace's inputs per period for that output.
    #[serde(default)]
    pub inputs: Vec<Flow>,
    /// Further outputs a workplace declares for its profile; planning rounds answer with
    /// `output` only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_outputs: Vec<Flow>,
    /// How far beyond its declared output a workplace can go, as a multiple (1.25 by default).
    #[serde(default)]
    pub capacity: Option<f64>,
    /// A council's budget of credits for a period.
    #[serde(default)]
    pub budget: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub good: String,
    pub quantity: f64,
    /// What the quantity counts (kg, hours, kWh); profiles saved before units read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<FlowCategory>,
}

impl Flow {
    pub fn new(good: &str, quantity: f64) -> Flow {
        Flow {
            good: good.to_string(),
            quantity,
            unit: None,
            category: None,
        }
    }
}

/// What kind of input or output a flow is, as a co-op's profile shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowCategory {
    NaturalResource,
    Capital,
    Labour,
    Material,
    Other,
}

impl FlowCategory {
    pub const ALL: [FlowCategory; 5] = [
        FlowCategory::NaturalResource,
        FlowCategory::Capital,
        FlowCategory::Labour,
        FlowCategory::Material,
        FlowCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlowCategory::NaturalResource => "natural-resource",
            FlowCategory::Capital => "capital",
            FlowCategory::Labour => "labour",
            FlowCategory::Material => "material",
            FlowCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<FlowCategory, AppError> {
        FlowCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::bad(format!(
                    "{s:?} is not a category: use natural-resource, capital, labour, material or other"
                ))
            })
    }
}

impl PlanningProfile {
    pub fn check(&self) -> Result<(), AppError> {
        for flow in self
            .output
            .iter()
            .chain(&self.inputs)
            .chain(&self.other_outputs)
        {
            check_text("good name", &flow.good, 100)?;
            check_number(&format!("quantity of {}", flow.good), flow.quantity, false)?;
            if let Some(unit) = &flow.unit {
                check_text("unit", unit, 40)?;
            }
        }
        if self.inputs.len() > MAX_GOODS || self.other_outputs.len() > MAX_GOODS {
            return Err(AppError::bad("too many inputs or outputs"));
        }
        if let Some(c) = self.capacity {
            if !(c.is_finite() && (1.0..=10.0).contains(&c)) {
                return Err(AppError::bad(
                    "capacity is between 1 and 10 times the output",
                ));
            }
        }
        if let Some(b) = self.budget {
            check_number("budget", b, true)?;
        }
        Ok(())
    }

    /// Reads flows written one per line: `good, quantity[, unit[, category]]`.
    pub fn parse_flows(text: &str) -> Result<Vec<Flow>, AppError> {
        let mut flows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() < 2 || fields.len() > 4 {
                return Err(AppError::bad(format!(
                    "line {}: write the good, its quantity and, if you like, its unit and category, separated by commas",
                    n + 1
                )));
            }
            let quantity = fields[1].parse::<f64>().map_err(|_| {
                AppError::bad(format!("line {}: the quantity is not a number", n + 1))
            })?;
            flows.push(Flow {
                good: fields[0].to_string(),
                quantity,
                unit: fields
                    .get(2)
                    .filter(|u| !u.is_empty())
                    .map(|u| u.to_string()),
                category: fields
                    .get(3)
                    .filter(|c| !c.is_empty())
                    .map(|c| FlowCategory::parse(c))
                    .transpose()?,
            });
        }
        Ok(flows)
    }

    /// Flows written back one per line, as `parse_flows` reads them.
    pub fn write_flows(flows: &[Flow]) -> String {
        flows
            .iter()
            .map(|f| {
                let mut line = format!("{}, {}", f.good, f.quantity);
                if f.unit.is_some() || f.category.is_some() {
                    line.push_str(&format!(", {}", f.unit.as_deref().unwrap_or("")));
                }
                if let Some(c) = f.category {
                    line.push_str(&format!(", {}", c.as_str()));
                }
                line.push('\n');
                line
            })
            .collect()
    }

    /// Everything a workplace produces: the planned output first.
    pub fn outputs(&self) -> Vec<Flow> {
        self.output
            .iter()
            .chain(&self.other_outputs)
            .cloned()
            .collect()
    }
}

use crate::core::AppState;

pub async fn profile_of(state: &AppState, coop: &str) -> Result<PlanningProfile, AppError> {
    Ok(match state.db.planning_profile(coop).await? {
        Some(text) => serde_json::from_str(&text).map_err(|e| AppError::Internal(e.to_string()))?,
        None => PlanningProfile::default(),
    })
}

pub const MAX_GOODS: usize = 50;

/// Largest quantity or price anyone may state.
pub(crate) const MAX_QUANTITY: f64 = 1e12;

pub(crate) fn check_text(what: &str, value: &str, max: usize) -> Result<(), AppError> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(AppError::bad(format!(
            "the {what} needs between 1 and {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::bad(format!("the {what} has control characters")));
    }
    Ok(())
}

pub(crate) fn check_number(what: &str, value: f64, zero_ok: bool) -> Result<(), AppError> {
    let low_ok = if zero_ok { value >= 0.0 } else { value > 0.0 };
    if !(value.is_finite() && low_ok && value <= MAX_QUANTITY) {
        return Err(AppError::bad(format!(
            "{what} must be a number between 0 and 10^12, got {value}"
        )));
    }
    Ok(())
}
