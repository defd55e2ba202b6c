//! Work: job posts that workplaces publish, and applications people send to co-ops (for a job,
//! or for membership of a consumer council), moved by the co-op through their states.

pub mod api;
pub mod portal;
pub mod store;
pub mod wire;

use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::text;

/// What a workplace writes in a job post.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobFields {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub hours: String,
    pub pay: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Comma-separated, or a list in JSON.
    #[serde(default)]
    pub skills: Skills,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub closes_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum Skills {
    #[default]
    None,
    Text(String),
    List(Vec<String>),
}

impl Skills {
    fn items(&self) -> Vec<String> {
        match self {
            Skills::None => Vec::new(),
            Skills::Text(t) => t.split(',').map(str::to_string).collect(),
            Skills::List(l) => l.clone(),
        }
    }
}

/// A checked job post.
#[derive(Debug, Clone)]
pub struct JobDraft {
    pub title: String,
    pub description_md: String,
    pub description_html: String,
    pub hours: String,
    pub pay: String,
    pub region: Option<String>,
    /// Lower-case, between commas: `,baking,driving,`.
    pub skills: String,
    pub closes_on: Option<String>,
}

fn short(what: &str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(AppError::bad(format!("the {what} is missing")));
    }
    if v.chars().count() > max {
        return Err(AppError::bad(format!(
            "the {what} has more than {max} characters"
        )));
    }
    if v.chars().any(char::is_control) {
        return Err(AppError::bad(format!("the {what} has control characters")));
    }
    Ok(v.to_string())
}

/// Checks a date written `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<String, AppError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| AppError::bad(format!("{s:?} is not a date written YYYY-MM-DD")))
}

/// Normalises skills to `,a,b,`: lower case, trimmed, at most 20 of at most 40 characters.
pub fn skills_column(items: &[String]) -> Result<String, AppError> {
    let mut skills: Vec<String> = Vec::new();
    for s in items {
        let s = short("skill", s, 40, false)?
            .to_lowercase()
            .replace(',', " ");
        if !s.is_empty() && !skills.contains(&s) {
            skills.push(s);
        }
    }
    if skills.len() > 20 {
        return Err(AppError::bad("a job post names at most 20 skills"));
    }
    Ok(if skills.is_empty() {
        String::new()
    } else {
        format!(",{},", skills.join(","))
    })
}

impl JobFields {
    pub fn check(&self) -> Result<JobDraft, AppError> {
        let description = self.description.trim();
        if description.chars().count() > 20_000 {
            return Err(AppError::bad(
                "the description has more than 20,000 characters",
            ));
        }
        let closes_on = match self.closes_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(parse_date(d)?),
        };
        let region = short("region", self.region.as_deref().unwrap_or(""), 200, false)?;
        Ok(JobDraft {
            title: short("title", &self.title, 200, true)?,
            description_md: description.to_string(),
            description_html: text::markdown_to_html(description),
            hours: short("hours", &self.hours, 200, true)?,
            pay: short("pay or remuneration", &self.pay, 500, true)?,
            region: (!region.is_empty()).then_some(region),
            skills: skills_column(&self.skills.items())?,
            closes_on,
        })
    }
}

/// Where a job post stands.
pub const JOB_STATES: [&str; 3] = ["open", "closed", "filled"];

/// Where an application stands, as the co-op moves it.
pub const APPLICATION_STATES: [&str; 5] =
    ["received", "interview", "offered", "accepted", "declined"];

/// Whether a co-op may move an application from `from` to `to`: forward through interview and
/// offer, to accepted from an offer, to declined from anything not yet ended.
pub fn may_move(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("received", "interview")
            | ("received", "offered")
            | ("interview", "offered")
            | ("offered", "accepted")
            | ("received" | "interview" | "offered", "declined")
    )
}

/// Today, `YYYY-MM-DD`, in UTC.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applications_move_forward_only() {
        assert!(may_move("received", "interview"));
        assert!(may_move("offered", "accepted"));
        assert!(may_move("interview", "declined"));
        assert!(!may_move("accepted", "declined"));
        assert!(!may_move("declined", "received"));
        assert!(!may_move("received", "accepted"));
    }

    #[test]
    fn job_fields_are_checked() {
        let ok = JobFields {
            title: "Baker".into(),
            description: "Early <script>alert(1)</script> starts.".into(),
            hours: "30 hours a week".into(),
            pay: "Equal pay".into(),
            region: Some("Riverside".into()),
            skills: Skills::Text("Baking, Driving, baking".into()),
            closes_on: Some("2027-01-31".into()),
        };
        let draft = ok.check().unwrap();
        assert_eq!(draft.skills, ",baking,driving,");
        assert!(!draft.description_html.contains("<script"));
        let mut bad = ok.clone();
        bad.closes_on = Some("31/01/2027".into());
        assert!(bad.check().is_err());
        let mut bad = ok.clone();
        bad.title = " ".into();
        assert!(bad.check().is_err());
    }
}
