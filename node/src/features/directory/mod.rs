//! The co-op directory as data: what a co-op tells about itself (its profile, versioned), and
//! the listings co-ops publish: training courses, research reports with their ratings, sources
//! of finance, campaigns and groups. Everything a user or a peer sends is checked here once, and
//! turned into types the store and the converters can rely on.
//!
//! Federation lives in [`crate::activitypub::directory`], SQL in [`crate::store::directory`].

pub mod api;
pub mod flows;
pub mod portal;
pub mod store;
pub mod wire;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::core::error::AppError;
use crate::core::store::parse_time;
use crate::core::text;

/// Longest listing body, in characters of Markdown (or bytes of a peer's HTML).
pub const MAX_BODY: usize = 20_000;
/// Most ratings one report may give.
pub const MAX_RATINGS: usize = 200;
/// Most suggestions one report may make.
pub const MAX_SUGGESTIONS: usize = 50;
/// Longest free-text profile field.
pub const MAX_PROFILE_TEXT: usize = 5_000;

/// The kinds of directory listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListingKind {
    Course,
    Report,
    Finance,
    Campaign,
}

impl ListingKind {
    pub const ALL: [ListingKind; 4] = [
        ListingKind::Course,
        ListingKind::Report,
        ListingKind::Finance,
        ListingKind::Campaign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListingKind::Course => "course",
            ListingKind::Report => "report",
            ListingKind::Finance => "finance",
            ListingKind::Campaign => "campaign",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ListingKind::Course => "Training course",
            ListingKind::Report => "Research report",
            ListingKind::Finance => "Source of finance",
            ListingKind::Campaign => "Campaign or group",
        }
    }

    /// Courses are events; the rest are notes, which Mastodon shows in full.
    pub fn object_type(self) -> &'static str {
        match self {
            ListingKind::Course => "Event",
            _ => "Note",
        }
    }
}

impl FromStr for ListingKind {
    type Err = AppError;

    fn from_str(s: &str) -> Result<ListingKind, AppError> {
        ListingKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::bad(format!(
                    "unknown listing kind {s:?}: use course, report, finance or campaign"
                ))
            })
    }
}

impl fmt::Display for ListingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Topics the portal suggests; any short text is accepted.
pub const TOPICS: [&str; 9] = [
    "setting up a co-op",
    "legal questions",
    "tax and accounting",
    "grading tasks",
    "dispute resolution",
    "claiming spaces",
    "grants and loans",
    "tax incentives",
    "participatory budgeting",
];

/// What campaigns are about.
pub const CAMPAIGN_KINDS: [&str; 6] = [
    "claiming-spaces",
    "grants-and-loans",
    "tax-incentives",
    "participatory-budgeting",
    "political-group",
    "other",
];

/// Criteria the portal suggests; a team may rate by criteria of its own.
pub const CRITERIA: [&str; 2] = ["worker-standards", "environment"];

/// A rating's score: a whole number from 0 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Score(u8);

impl Score {
    pub fn new(n: i64) -> Result<Score, AppError> {
        if (0..=5).contains(&n) {
            Ok(Score(n as u8))
        } else {
            Err(AppError::bad(format!(
                "a score is a whole number from 0 to 5, not {n}"
            )))
        }
    }

    pub fn get(self) -> i64 {
        self.0 as i64
    }
}

impl TryFrom<i64> for Score {
    type Error = AppError;
    fn try_from(n: i64) -> Result<Score, AppError> {
        Score::new(n)
    }
}

impl From<Score> for i64 {
    fn from(s: Score) -> i64 {
        s.get()
    }
}

/// One checked rating.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub subject: Url,
    pub criterion: String,
    pub score: Score,
    pub comment: String,
}

/// A rating as a user or a peer gives it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RatingInput {
    /// An item's id or a workplace's actor id.
    pub subject: String,
    pub criterion: String,
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

impl RatingInput {
    pub fn check(&self) -> Result<Rating, AppError> {
        let subject = Url::parse(self.subject.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| {
                AppError::bad(format!(
                    "the rated subject {:?} is not an item's or a workplace's address",
                    self.subject
                ))
            })?;
        let criterion = self.criterion.trim().to_ascii_lowercase();
        check_line("a criterion", &criterion, 1, 60)?;
        check_text("a rating's comment", &self.comment, 0, 1_000)?;
        Ok(Rating {
            subject,
            criterion,
            score: Score::new(self.score)?,
            comment: self.comment.trim().to_string(),
        })
    }
}

/// The kind-specific parts of a listing, kept as JSON with its row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListingDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrol_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lends_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// A listing as a user writes it (API body; the portal's form is turned into one).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListingFields {
    pub kind: String,
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub topic: String,
    /// RFC 3339, or a form's `YYYY-MM-DDTHH:MM` (UTC).
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub online_url: String,
    #[serde(default)]
    pub enrol_url: String,
    #[serde(default)]
    pub lender: String,
    #[serde(default)]
    pub lends_for: String,
    #[serde(default)]
    pub campaign_kind: String,
    #[serde(default)]
    pub ratings: Vec<RatingInput>,
    #[serde(default)]
    pub suggestions: Vec<String>,
}

/// A listing checked and ready to store: the body is both Markdown (ours) and sanitised HTML.
#[derive(Debug, Clone)]
pub struct ListingDraft {
    pub kind: ListingKind,
    pub title: String,
    pub body_md: Option<String>,
    pub body_html: String,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub details: ListingDetails,
    pub ratings: Vec<Rating>,
}

fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

fn check_text(what: &str, value: &str, min: usize, max: usize) -> Result<(), AppError> {
    let n = value.trim().chars().count();
    if n < min || n > max {
        return Err(AppError::bad(if min == 0 {
            format!("{what} may have at most {max} characters")
        } else {
            format!("{what} needs between {min} and {max} characters")
        }));
    }
    if has_control(value) {
        return Err(AppError::bad(format!("{what} has control characters")));
    }
    Ok(())
}

/// One line of plain text: no line breaks and no markup, since titles and names are shown
/// as they are everywhere, Mastodon included.
fn check_line(what: &str, value: &str, min: usize, max: usize) -> Result<(), AppError> {
    check_text(what, value, min, max)?;
    if value.contains(['\n', '\r', '<', '>']) {
        return Err(AppError::bad(format!(
            "{what} is one line of plain text, without < or >"
        )));
    }
    Ok(())
}

fn optional(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

fn web_address(what: &str, value: &str) -> Result<Option<String>, AppError> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    match Url::parse(&value) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && value.len() <= 2_000 => {
            Ok(Some(u.to_string()))
        }
        _ => Err(AppError::bad(format!(
            "{what} must be an http or https address"
        ))),
    }
}

/// Reads a time as RFC 3339 or as a form's `YYYY-MM-DDTHH:MM`, taken as UTC.
pub fn read_time(what: &str, value: &str) -> Result<Option<i64>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(t) = parse_time(value) {
        return Ok(Some(t));
    }
    chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .map(|t| Some(t.and_utc().timestamp_millis()))
        .map_err(|_| {
            AppError::bad(format!(
                "{what} is not a time: write it as 2030-05-01T18:00 or in RFC 3339"
            ))
        })
}

impl ListingFields {
    /// Checks everything and renders the Markdown body.
    pub fn check(&self) -> Result<ListingDraft, AppError> {
        let kind: ListingKind = self.kind.parse()?;
        let draft = self.check_common(kind)?;
        let body_html = text::markdown_to_html(&self.body);
        Ok(ListingDraft {
            body_md: Some(self.body.trim().to_string()),
            body_html,
            ..draft
        })
    }

    /// Checks everything but the body, which the caller fills in (a peer's comes as HTML).
    pub fn check_common(&self, kind: ListingKind) -> Result<ListingDraft, AppError> {
        check_line("the title", &self.title, 1, 200)?;
        check_text("the description", &self.body, 0, MAX_BODY)?;
        check_line("the region", &self.region, 0, 100)?;
        check_line("the topic", &self.topic, 0, 100)?;
        let mut details = ListingDetails::default();
        let mut ratings = Vec::new();
        // Links are checked whatever the kind, so none that is not a web address is ever kept.
        let online_url = web_address("the online link", &self.online_url)?;
        let enrol_url = web_address("the enrolment link", &self.enrol_url)?;
        match kind {
            ListingKind::Course => {
                details.starts_at = read_time("the start", &self.starts)?;
                details.ends_at = read_time("the end", &self.ends)?;
                let Some(start) = details.starts_at else {
                    return Err(AppError::bad("a course needs a start time"));
                };
                if details.ends_at.is_some_and(|end| end < start) {
                    return Err(AppError::bad("a course cannot end before it starts"));
                }
                check_line("the place", &self.location, 0, 300)?;
                details.location = optional(&self.location);
                details.online_url = online_url;
                details.enrol_url = enrol_url;
                if details.location.is_none() && details.online_url.is_none() {
                    return Err(AppError::bad("a course needs a place or an online link"));
                }
            }
            ListingKind::Finance => {
                check_line("the lender", &self.lender, 0, 200)?;
                check_text("what it lends for", &self.lends_for, 1, 1_000)?;
                details.lender = optional(&self.lender);
                details.lends_for = optional(&self.lends_for);
            }
            ListingKind::Campaign => {
                let campaign_kind = self.campaign_kind.trim();
                if !CAMPAIGN_KINDS.contains(&campaign_kind) {
                    return Err(AppError::bad(format!(
                        "a campaign is one of {}",
                        CAMPAIGN_KINDS.join(", ")
                    )));
                }
                details.campaign_kind = Some(campaign_kind.to_string());
            }
            ListingKind::Report => {
                if self.ratings.is_empty() || self.ratings.len() > MAX_RATINGS {
                    return Err(AppError::bad(format!(
                        "a report gives between 1 and {MAX_RATINGS} ratings"
                    )));
                }
                ratings = self
                    .ratings
                    .iter()
                    .map(RatingInput::check)
                    .collect::<Result<_, _>>()?;
                if self.suggestions.len() > MAX_SUGGESTIONS {
                    return Err(AppError::bad(format!(
                        "a report makes at most {MAX_SUGGESTIONS} suggestions"
                    )));
                }
                for s in &self.suggestions {
                    check_text("a suggestion", s, 1, 1_000)?;
                }
                details.suggestions = self
                    .suggestions
                    .iter()
                    .map(|s| s.trim().to_string())
                    .collect();
            }
        }
        if kind != ListingKind::Report && !self.ratings.is_empty() {
            return Err(AppError::bad("only research reports give ratings"));
        }
        Ok(ListingDraft {
            kind,
            title: self.title.trim().to_string(),
            body_md: None,
            body_html: String::new(),
            region: optional(&self.region),
            topic: optional(&self.topic).map(|t| t.to_lowercase()),
            details,
            ratings,
        })
    }
}

/// The directory's filters as a page or the API receives them.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryParams {
    pub kind: Option<String>,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub q: Option<String>,
}

impl DirectoryParams {
    /// Checks the filters: an unknown kind is an error, not an empty list.
    pub fn query(&self) -> Result<crate::features::directory::store::ListingQuery, AppError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| crate::core::text::limit(s.to_string(), 200))
        };
        let kind = given(&self.kind)
            .map(|k| k.parse::<ListingKind>())
            .transpose()?;
        Ok(crate::features::directory::store::ListingQuery {
            kind: kind.map(|k| k.as_str().to_string()),
            region: given(&self.region),
            topic: given(&self.topic),
            words: given(&self.q),
            owner: None,
        })
    }
}

/// Reads ratings written one per line: `subject | criterion | score | comment`.
pub fn parse_ratings(text: &str) -> Result<Vec<RatingInput>, AppError> {
    let mut ratings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.splitn(4, '|').map(str::trim).collect();
        if fields.len() < 3 {
            return Err(AppError::bad(format!(
                "ratings, line {}: write the subject's address, the criterion and the score, separated by |",
                n + 1
            )));
        }
        let score = fields[2].parse::<i64>().map_err(|_| {
            AppError::bad(format!(
                "ratings, line {}: the score is a whole number from 0 to 5",
                n + 1
            ))
        })?;
        ratings.push(RatingInput {
            subject: fields[0].to_string(),
            criterion: fields[1].to_string(),
            score,
            comment: fields.get(3).unwrap_or(&"").to_string(),
        });
    }
    Ok(ratings)
}

/// What a co-op says about itself beyond its name, region and industry. Inputs and outputs
/// come from its planning profile.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ProfileText {
    #[serde(default)]
    pub working_conditions: String,
    #[serde(default)]
    pub decision_making: String,
    #[serde(default)]
    pub remuneration: String,
    #[serde(default)]
    pub production: String,
    #[serde(default)]
    pub participants: Option<u64>,
    #[serde(default)]
    pub decisions: String,
    #[serde(default)]
    pub external_factors: String,
}

impl ProfileText {
    pub fn check(&self) -> Result<(), AppError> {
        for (what, value) in [
            ("working conditions", &self.working_conditions),
            ("how decisions are made", &self.decision_making),
            (
                "how remuneration and tasks are balanced",
                &self.remuneration,
            ),
            ("how the products are made", &self.production),
            ("decisions taken", &self.decisions),
            ("external factors", &self.external_factors),
        ] {
            check_text(what, value, 0, MAX_PROFILE_TEXT)?;
        }
        if self.participants.is_some_and(|p| p > 100_000_000) {
            return Err(AppError::bad("the number of participants is too large"));
        }
        Ok(())
    }
}

/// The average of scores for one subject and criterion, in tenths (4.5 is 45).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Average {
    pub criterion: String,
    pub tenths: i64,
    pub count: i64,
}

impl Average {
    /// Rounded half up, in integers.
    pub fn of(criterion: &str, sum: i64, count: i64) -> Average {
        let tenths = if count == 0 {
            0
        } else {
            (sum * 20 + count) / (count * 2)
        };
        Average {
            criterion: criterion.to_string(),
            tenths,
            count,
        }
    }

    pub fn display(&self) -> String {
        format!("{}.{}", self.tenths / 10, self.tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_outside_zero_to_five_are_refused() {
        assert!(Score::new(9).is_err());
        assert!(Score::new(-1).is_err());
        assert_eq!(Score::new(5).unwrap().get(), 5);
    }

    #[test]
    fn averages_round_half_up_in_tenths() {
        assert_eq!(Average::of("x", 9, 2).display(), "4.5");
        assert_eq!(Average::of("x", 10, 3).display(), "3.3");
        assert_eq!(Average::of("x", 5, 3).display(), "1.7");
    }

    #[test]
    fn titles_are_plain_text() {
        let fields = ListingFields {
            kind: "finance".into(),
            title: "<script>alert(1)</script>".into(),
            lends_for: "housing".into(),
            ..Default::default()
        };
        assert!(fields.check().is_err());
    }

    #[test]
    fn ratings_read_one_per_line() {
        let r = parse_ratings("https://b.example/items/1 | environment | 4 | organic\n").unwrap();
        assert_eq!(r[0].score, 4);
        assert!(r[0].check().is_ok());
        assert!(parse_ratings("x | y | nine").is_err());
    }
}
