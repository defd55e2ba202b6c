//! A member's `Person` document with the public parts of their profile, as peers and Mastodon
//! read it.

use crate::core::config::Settings;
use coopnet_schemas::actors::ActorDoc;

/// A member's Person actor with the public parts of their profile: general information as the
/// summary, region, skills and resume as profile fields (so Mastodon shows them). `shown` must
/// be what `people::view` gives `Viewer::Anyone`: this document goes to anyone who asks.
pub fn person_with_public_profile(
    mut doc: ActorDoc,
    shown: &crate::features::people::ProfileView,
    settings: &Settings,
) -> ActorDoc {
    let escape = crate::core::text::escape;
    if let Some(html) = &shown.general_html {
        doc.summary = Some(html.clone());
    }
    if let Some(region) = &shown.region {
        doc.region = Some(region.clone());
        doc.attachment.push(coopnet_schemas::actors::property_value(
            "Region",
            &escape(region),
        ));
    }
    if let Some(skills) = &shown.skills {
        doc.attachment.push(coopnet_schemas::actors::property_value(
            "Skills",
            &escape(&skills.join(", ")),
        ));
    }
    let resume = match (&shown.resume_pdf, &shown.resume_html) {
        (Some(pdf), _) => Some(pdf.clone()),
        (None, Some(_)) => Some(
            settings
                .url(&format!("/members/{}", shown.username))
                .to_string(),
        ),
        (None, None) => None,
    };
    if let Some(url) = resume {
        let link = format!(
            "<a href=\"{}\" rel=\"nofollow noopener noreferrer\">{}</a>",
            escape(&url),
            escape(&url)
        );
        doc.attachment
            .push(coopnet_schemas::actors::property_value("Resume", &link));
    }
    doc
}
