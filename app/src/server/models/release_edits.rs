//! The release editor's reads and writes: a release as one draft, saved whole in one transaction, refused when
//! someone else saved since it was loaded; publishing and unpublishing.
use super::releases::{change_slug, clean_title};
use super::validate_web_url;
use crate::server::entities::{
    custom_links, release_link_variants, release_links, releases, users,
};
use crate::types::{
    AppError, DraftCustomLink, DraftLink, ReleaseDraft, ReleaseStatus, StreamingService,
};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::{HashMap, HashSet};

pub const MAX_SHARE_TEXT_CHARS: usize = 280;
pub const MAX_CUSTOM_LINKS: usize = 6;

/// A release as the editor loads it.
pub async fn load_draft(
    db: &impl ConnectionTrait,
    release: &releases::Model,
) -> Result<ReleaseDraft, AppError> {
    let links = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release.id))
        .order_by_asc(release_links::Column::Position)
        .all(db)
        .await?;
    let mut variant_counts: HashMap<String, u32> = HashMap::new();
    for variant in release_link_variants::Entity::find()
        .filter(release_link_variants::Column::ReleaseId.eq(release.id))
        .all(db)
        .await?
    {
        *variant_counts.entry(variant.service).or_default() += 1;
    }
    let custom = custom_links::Entity::find()
        .filter(custom_links::Column::ReleaseId.eq(release.id))
        .order_by_asc(custom_links::Column::Position)
        .all(db)
        .await?;
    let zone = release
        .time_zone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC);
    let local = release.release_at.map(|at| at.with_timezone(&zone));
    Ok(ReleaseDraft {
        id: release.id,
        version: release.version,
        title: release.title.clone(),
        slug: release.slug.clone(),
        kind: release.kind.parse().map_err(AppError::internal)?,
        artwork_url: release.artwork_url.clone().unwrap_or_default(),
        release_date: local
            .map(|at| at.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        release_time: local
            .map(|at| at.format("%H:%M").to_string())
            .unwrap_or_else(|| "00:00".into()),
        time_zone: release.time_zone.clone(),
        release_mode: release.release_mode.parse().unwrap_or_default(),
        theme: release.theme.clone().unwrap_or_default(),
        video_url: release.video_url.clone().unwrap_or_default(),
        share_text: release.share_text.clone().unwrap_or_default(),
        links: links
            .into_iter()
            .filter_map(|link| {
                let service: StreamingService = link.service.parse().ok()?;
                Some(DraftLink {
                    service,
                    country_variants: variant_counts.get(&link.service).copied().unwrap_or(0),
                    url: link.url,
                    hidden: link.hidden,
                    show_before_release: link.show_before_release,
                })
            })
            .collect(),
        removed_services: Vec::new(),
        presave_follow_artist: release.presave_follow_artist,
        presave_follows: crate::server::presave::parse_follows(&release.presave_follows)
            .iter()
            .map(|item| item.uri())
            .collect(),
        presave_ask_email: release.presave_ask_email,
        custom_links: custom
            .into_iter()
            .map(|link| DraftCustomLink {
                id: Some(link.id),
                label: link.label,
                url: link.url,
            })
            .collect(),
    })
}

/// "Saved by Ana, Sun 22 Nov 2026, 10:04 UTC".
pub async fn last_saved_label(
    db: &impl ConnectionTrait,
    release: &releases::Model,
) -> Result<String, AppError> {
    let when = release.updated_at.format("%a %-d %b %Y, %H:%M UTC");
    Ok(match release.updated_by {
        Some(user_id) => match users::Entity::find_by_id(user_id).one(db).await? {
            Some(user) => format!("Saved by {}, {when}", super::accounts::display_name(&user)),
            None => format!("Saved {when}"),
        },
        None => format!("Saved {when}"),
    })
}

/// A link's URL checked against its service: a web address, on one of the service's hosts.
pub fn validate_service_url(service: StreamingService, url: &str) -> Result<String, AppError> {
    let url = validate_web_url(service.name(), url)?;
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or_default();
    if !service.accepts_host(host) {
        return Err(AppError::BadRequest(format!(
            "{}: this link goes to {host}, not to {}",
            service.name(),
            service.name()
        )));
    }
    Ok(url)
}

/// The release moment from the form's date, time and zone; `None` without a date.
pub fn release_instant(
    date: &str,
    time: &str,
    time_zone: &str,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let zone: chrono_tz::Tz = time_zone.trim().parse().map_err(|_| {
        AppError::BadRequest(format!(
            "unknown time zone \"{time_zone}\" (use a name like Europe/Berlin)"
        ))
    })?;
    let date = date.trim();
    if date.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
        AppError::BadRequest(format!(
            "the release date \"{date}\" is not a date (YYYY-MM-DD)"
        ))
    })?;
    let time = match time.trim() {
        "" => NaiveTime::MIN,
        text => NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| {
            AppError::BadRequest(format!("the release time \"{text}\" is not a time (HH:MM)"))
        })?,
    };
    let local = day.and_time(time);
    let instant = zone.from_local_datetime(&local).earliest().ok_or_else(|| {
        AppError::BadRequest(format!(
            "{local} does not exist in {zone}: the clocks skip it; choose another time"
        ))
    })?;
    Ok(Some(instant.with_timezone(&Utc)))
}

/// The draft checked in full before anything is written, so one bad field saves nothing.
struct CheckedDraft {
    title: String,
    artwork_url: Option<String>,
    release_at: Option<DateTime<Utc>>,
    theme: Option<String>,
    video_url: Option<String>,
    share_text: Option<String>,
    links: Vec<(StreamingService, String, bool, bool)>,
    custom_links: Vec<(Option<i32>, String, String)>,
    presave_follows: String,
}

fn check(draft: &ReleaseDraft, themes: &[&str]) -> Result<CheckedDraft, AppError> {
    let title = clean_title(&draft.title)?;
    let optional = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    let artwork_url = optional(&draft.artwork_url)
        .map(|url| super::artists::validate_image_url(&url))
        .transpose()?;
    let release_at = release_instant(&draft.release_date, &draft.release_time, &draft.time_zone)?;
    let theme = optional(&draft.theme);
    if let Some(theme) = &theme {
        if !themes.contains(&theme.as_str()) {
            return Err(AppError::BadRequest(format!("unknown theme \"{theme}\"")));
        }
    }
    let video_url = optional(&draft.video_url)
        .map(|url| validate_service_url(StreamingService::Youtube, &url))
        .transpose()
        .map_err(|_| {
            AppError::BadRequest(
                "the video must be a YouTube link (youtube.com or youtu.be)".into(),
            )
        })?;
    let share_text = optional(&draft.share_text);
    if share_text
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_SHARE_TEXT_CHARS)
    {
        return Err(AppError::BadRequest(format!(
            "the share text can have at most {MAX_SHARE_TEXT_CHARS} characters"
        )));
    }
    let mut seen = HashSet::new();
    let mut links = Vec::with_capacity(draft.links.len());
    for link in &draft.links {
        if !seen.insert(link.service) {
            return Err(AppError::BadRequest(format!(
                "{} is listed twice",
                link.service.name()
            )));
        }
        let url = validate_service_url(link.service, &link.url)?;
        links.push((link.service, url, link.hidden, link.show_before_release));
    }
    if draft.custom_links.len() > MAX_CUSTOM_LINKS {
        return Err(AppError::BadRequest(format!(
            "a release can have at most {MAX_CUSTOM_LINKS} buttons"
        )));
    }
    let mut custom_links = Vec::with_capacity(draft.custom_links.len());
    for link in &draft.custom_links {
        let label = link.label.trim();
        if label.is_empty() || label.chars().count() > 40 {
            return Err(AppError::BadRequest(
                "a button label needs 1 to 40 characters".into(),
            ));
        }
        let url = validate_web_url(&format!("The button \u{201c}{label}\u{201d}"), &link.url)?;
        custom_links.push((link.id, label.to_owned(), url));
    }
    let presave_follows = crate::server::presave::clean_extra_follows(&draft.presave_follows)
        .map_err(AppError::BadRequest)?;
    Ok(CheckedDraft {
        presave_follows: crate::server::presave::follows_json(&presave_follows),
        title,
        artwork_url,
        release_at,
        theme,
        video_url,
        share_text,
        links,
        custom_links,
    })
}

/// Saves a whole draft inside `txn` and returns the stored release (with its new version). Refused with a
/// conflict naming who saved in between when `draft.version` is not the stored one.
pub async fn save(
    txn: &impl ConnectionTrait,
    release: releases::Model,
    draft: &ReleaseDraft,
    themes: &[&str],
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<releases::Model, AppError> {
    if release.version != draft.version {
        let by = last_saved_label(txn, &release).await?;
        return Err(AppError::Conflict(format!(
            "someone else saved this release while you were editing ({by}). Reload to see their changes, then make yours again."
        )));
    }
    let checked = check(draft, themes)?;
    // Claims the version first: on PostgreSQL a racing save waits on this row, then finds the version moved.
    let claimed = releases::Entity::update_many()
        .col_expr(
            releases::Column::Version,
            sea_orm::sea_query::Expr::value(draft.version + 1),
        )
        .filter(releases::Column::Id.eq(release.id))
        .filter(releases::Column::Version.eq(draft.version))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict(
            "someone else saved this release at the same moment; reload and try again".into(),
        ));
    }
    let release_id = release.id;
    let artist_id = release.artist_id;
    let release = change_slug(txn, release, &draft.slug, now).await?;

    // Links: in the draft's order. Only services the editor removed are deleted (with their country variants);
    // a link a lookup added since the draft was loaded stays, after the draft's.
    let kept: HashSet<StreamingService> =
        checked.links.iter().map(|(service, ..)| *service).collect();
    let removed: Vec<&str> = draft
        .removed_services
        .iter()
        .filter(|service| !kept.contains(service))
        .map(|service| service.key())
        .collect();
    if !removed.is_empty() {
        release_links::Entity::delete_many()
            .filter(release_links::Column::ReleaseId.eq(release_id))
            .filter(release_links::Column::Service.is_in(removed.iter().copied()))
            .exec(txn)
            .await?;
        release_link_variants::Entity::delete_many()
            .filter(release_link_variants::Column::ReleaseId.eq(release_id))
            .filter(release_link_variants::Column::Service.is_in(removed.iter().copied()))
            .exec(txn)
            .await?;
    }
    let mut old_by_service: HashMap<String, release_links::Model> = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release_id))
        .order_by_asc(release_links::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|link| (link.service.clone(), link))
        .collect();
    for (position, (service, url, hidden, before)) in checked.links.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        match old_by_service.remove(service.key()) {
            Some(old) => {
                let corrected = old.url != *url;
                // A corrected link replaces the lookups' per-country guesses for that service, for good.
                if corrected {
                    release_link_variants::Entity::delete_many()
                        .filter(release_link_variants::Column::ReleaseId.eq(release_id))
                        .filter(release_link_variants::Column::Service.eq(service.key()))
                        .exec(txn)
                        .await?;
                }
                let set_by_hand = old.set_by_hand || corrected;
                let mut active: release_links::ActiveModel = old.into();
                active.url = Set(url.clone());
                active.position = Set(position);
                active.hidden = Set(*hidden);
                active.show_before_release = Set(*before);
                active.set_by_hand = Set(set_by_hand);
                active.update(txn).await?;
            }
            None => {
                release_links::ActiveModel {
                    release_id: Set(release_id),
                    service: Set(service.key().to_owned()),
                    url: Set(url.clone()),
                    position: Set(position),
                    hidden: Set(*hidden),
                    show_before_release: Set(*before),
                    set_by_hand: Set(true),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
        }
    }
    // Links the draft did not know about (found meanwhile) go after its own, in their order.
    let mut unseen: Vec<release_links::Model> = old_by_service.into_values().collect();
    unseen.sort_by_key(|link| link.position);
    for (offset, link) in unseen.into_iter().enumerate() {
        let mut active: release_links::ActiveModel = link.into();
        active.position = Set(i32::try_from(checked.links.len() + offset).unwrap_or(i32::MAX));
        active.update(txn).await?;
    }

    // Buttons keep their ids (their click counts are keyed by them).
    let old_custom: HashMap<i32, custom_links::Model> = custom_links::Entity::find()
        .filter(custom_links::Column::ReleaseId.eq(release_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|link| (link.id, link))
        .collect();
    let kept_custom: HashSet<i32> = checked
        .custom_links
        .iter()
        .filter_map(|(id, ..)| *id)
        .collect();
    for id in old_custom.keys() {
        if !kept_custom.contains(id) {
            custom_links::Entity::delete_by_id(*id).exec(txn).await?;
        }
    }
    for (position, (id, label, url)) in checked.custom_links.into_iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        match id.and_then(|id| old_custom.get(&id)) {
            Some(old) => {
                let mut active: custom_links::ActiveModel = old.clone().into();
                active.label = Set(label);
                active.url = Set(url);
                active.position = Set(position);
                active.update(txn).await?;
            }
            None => {
                custom_links::ActiveModel {
                    artist_id: Set(artist_id),
                    release_id: Set(Some(release_id)),
                    label: Set(label),
                    url: Set(url),
                    position: Set(position),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
        }
    }

    let version = release.version + 1;
    let mut active: releases::ActiveModel = release.into();
    active.title = Set(checked.title);
    active.kind = Set(draft.kind.as_str().to_owned());
    active.artwork_url = Set(checked.artwork_url);
    active.release_at = Set(checked.release_at);
    active.time_zone = Set(draft.time_zone.trim().to_owned());
    active.release_mode = Set(draft.release_mode.as_str().to_owned());
    active.theme = Set(checked.theme);
    active.video_url = Set(checked.video_url);
    active.share_text = Set(checked.share_text);
    active.presave_follow_artist = Set(draft.presave_follow_artist);
    active.presave_follows = Set(checked.presave_follows);
    active.presave_ask_email = Set(draft.presave_ask_email);
    active.version = Set(version);
    active.updated_by = Set(Some(user_id));
    active.updated_at = Set(now);
    Ok(active.update(txn).await?)
}

/// The organization's platform rules over a draft: a service they do not admit may be removed, or kept exactly
/// as stored (it stays off fan pages either way), but not added or changed.
pub async fn check_platform_rules(
    db: &impl ConnectionTrait,
    release: &releases::Model,
    draft: &ReleaseDraft,
    rules: &crate::server::fan::ordering::PlatformRules,
) -> Result<(), AppError> {
    let stored: HashMap<String, release_links::Model> = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release.id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| (link.service.clone(), link))
        .collect();
    for link in draft
        .links
        .iter()
        .filter(|link| !rules.admits(link.service))
    {
        let unchanged = stored
            .get(link.service.key())
            .is_some_and(|row| row.url == link.url.trim() && row.hidden == link.hidden);
        if !unchanged {
            return Err(AppError::BadRequest(format!(
                "{} is not allowed by your organization: it cannot be added or changed",
                link.service.name()
            )));
        }
    }
    Ok(())
}

/// Whether a fan page of the release would show at least one service under `rules`.
pub async fn shows_a_service(
    db: &impl ConnectionTrait,
    release_id: i32,
    rules: &crate::server::fan::ordering::PlatformRules,
) -> Result<bool, AppError> {
    Ok(release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release_id))
        .filter(release_links::Column::Hidden.eq(false))
        .all(db)
        .await?
        .iter()
        .filter_map(|link| link.service.parse::<StreamingService>().ok())
        .any(|service| rules.admits(service)))
}

/// Publishes or unpublishes; returns whether anything changed. Publishing needs at least one visible link.
pub async fn set_status(
    txn: &impl ConnectionTrait,
    release: releases::Model,
    status: ReleaseStatus,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if release.status == status.as_str() {
        return Ok(false);
    }
    if status == ReleaseStatus::Published {
        let visible = release_links::Entity::find()
            .filter(release_links::Column::ReleaseId.eq(release.id))
            .filter(release_links::Column::Hidden.eq(false))
            .one(txn)
            .await?
            .is_some();
        if !visible {
            return Err(AppError::BadRequest(
                "add at least one visible service link before publishing".into(),
            ));
        }
    }
    let version = release.version + 1;
    let mut active: releases::ActiveModel = release.into();
    active.status = Set(status.as_str().to_owned());
    active.version = Set(version);
    active.updated_by = Set(Some(user_id));
    active.updated_at = Set(now);
    active.update(txn).await?;
    Ok(true)
}

/// A slug for a new release of `artist_id`: from the title, with `-2`, `-3`… when taken.
pub async fn free_slug(
    db: &impl ConnectionTrait,
    artist_id: i32,
    title: &str,
) -> Result<String, AppError> {
    let base = crate::types::Slug::from_title(title)
        .map(|slug| slug.to_string())
        .unwrap_or_else(|_| "release".to_owned());
    let taken: HashSet<String> = releases::Entity::find()
        .filter(releases::Column::ArtistId.eq(artist_id))
        .all(db)
        .await?
        .into_iter()
        .map(|release| release.slug)
        .chain(
            crate::server::entities::release_slug_redirects::Entity::find()
                .filter(
                    crate::server::entities::release_slug_redirects::Column::ArtistId.eq(artist_id),
                )
                .all(db)
                .await?
                .into_iter()
                .map(|redirect| redirect.old_slug),
        )
        .collect();
    if !taken.contains(&base) {
        return Ok(base);
    }
    let base: String = base.chars().take(56).collect();
    let base = base.trim_end_matches('-');
    (2..10_000)
        .map(|n| format!("{base}-{n}"))
        .find(|slug| !taken.contains(slug))
        .ok_or_else(|| AppError::Conflict("no free slug for this title".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_moment_from_the_form() {
        let at = release_instant("2026-11-27", "00:00", "Europe/Berlin").unwrap();
        assert_eq!(at.unwrap().to_rfc3339(), "2026-11-26T23:00:00+00:00");
        assert_eq!(release_instant("", "10:00", "UTC").unwrap(), None);
        let gap = release_instant("2026-03-29", "02:30", "Europe/Berlin").unwrap_err();
        assert!(gap.to_string().contains("clocks skip it"), "{gap}");
        assert!(release_instant("27/11/2026", "", "UTC").is_err());
        assert!(release_instant("2026-11-27", "25:00", "UTC").is_err());
        assert!(release_instant("2026-11-27", "", "Mars/Olympus").is_err());
    }

    #[test]
    fn service_urls_must_be_on_the_service() {
        assert!(
            validate_service_url(StreamingService::Deezer, "https://www.deezer.com/album/1")
                .is_ok()
        );
        let wrong =
            validate_service_url(StreamingService::Deezer, "https://open.spotify.com/album/1")
                .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "Deezer: this link goes to open.spotify.com, not to Deezer"
        );
        assert!(validate_service_url(StreamingService::Tidal, "tidal.com/album/1").is_err());
    }
}
