//! Applying what Odesli found. The default country's answer adds the services a release does not link to yet;
//! another country's answer stores the links that differ there. Links people set or corrected are never
//! overwritten or given country variants: a lookup only fills gaps.
use super::queue::TaskError;
use super::{spotify_web_url, CatalogClients};
use crate::server::catalog::odesli::OdesliLinks;
use crate::server::entities::{catalog_tasks, release_link_variants, release_links, releases};
use crate::types::{AppError, CountryCode, StreamingService};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

pub(super) async fn run_lookup(
    db: &sea_orm::DatabaseConnection,
    clients: &CatalogClients,
    task: &catalog_tasks::Model,
    now: DateTime<Utc>,
) -> Result<bool, TaskError> {
    let Some(odesli) = &clients.odesli else {
        return Err(TaskError::Permanent(
            "link lookups are not configured on this server".into(),
        ));
    };
    let Some(release_id) = task.release_id else {
        return Err(TaskError::Permanent("the task names no release".into()));
    };
    let Some(release) = releases::Entity::find_by_id(release_id).one(db).await? else {
        return Ok(false);
    };
    let links = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release_id))
        .all(db)
        .await?;
    let source = release
        .spotify_id
        .as_deref()
        .and_then(spotify_web_url)
        .or_else(|| {
            links
                .iter()
                .find(|l| l.service == StreamingService::Spotify.key())
                .or_else(|| links.first())
                .map(|l| l.url.clone())
        })
        .ok_or_else(|| TaskError::Permanent("the release has no link to look up".into()))?;
    let country = match task.country.as_deref() {
        Some(code) => Some(
            CountryCode::parse(code)
                .ok_or_else(|| TaskError::Permanent(format!("bad country {code:?}")))?,
        ),
        None => None,
    };
    let found = odesli
        .links(&source, country.unwrap_or(clients.default_country))
        .await?;
    let txn = crate::server::db::begin_write(db).await?;
    let changed = apply_lookup(&txn, release_id, country, &found).await?;
    if changed {
        let mut active: releases::ActiveModel = release.into();
        active.updated_at = Set(now);
        active.update(&txn).await.map_err(AppError::from)?;
    }
    txn.commit().await.map_err(AppError::from)?;
    Ok(changed)
}

/// Stores one lookup's answer; returns whether the release's links changed.
pub async fn apply_lookup(
    db: &impl ConnectionTrait,
    release_id: i32,
    country: Option<CountryCode>,
    found: &OdesliLinks,
) -> Result<bool, AppError> {
    let existing: HashMap<String, release_links::Model> = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.eq(release_id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| (link.service.clone(), link))
        .collect();
    let mut changed = false;
    match country {
        None => {
            let mut position = existing.values().map(|l| l.position).max().unwrap_or(-1);
            for (service, url) in &found.links {
                if existing.contains_key(service.key()) {
                    continue;
                }
                position += 1;
                release_links::ActiveModel {
                    release_id: Set(release_id),
                    service: Set(service.key().to_owned()),
                    url: Set(url.clone()),
                    position: Set(position),
                    hidden: Set(false),
                    show_before_release: Set(false),
                    set_by_hand: Set(false),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                changed = true;
            }
        }
        Some(country) => {
            let variants: HashMap<String, release_link_variants::Model> =
                release_link_variants::Entity::find()
                    .filter(release_link_variants::Column::ReleaseId.eq(release_id))
                    .filter(release_link_variants::Column::Country.eq(country.as_str()))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|v| (v.service.clone(), v))
                    .collect();
            for (service, url) in &found.links {
                // A link someone set or corrected is the one fans get everywhere.
                let Some(default) = existing.get(service.key()).filter(|l| !l.set_by_hand) else {
                    continue;
                };
                let variant = variants.get(service.key());
                if default.url == *url {
                    if let Some(variant) = variant {
                        release_link_variants::Entity::delete_by_id(variant.id)
                            .exec(db)
                            .await?;
                        changed = true;
                    }
                    continue;
                }
                match variant {
                    Some(variant) if variant.url == *url => {}
                    Some(variant) => {
                        let mut active: release_link_variants::ActiveModel = variant.clone().into();
                        active.url = Set(url.clone());
                        active.update(db).await?;
                        changed = true;
                    }
                    None => {
                        release_link_variants::ActiveModel {
                            release_id: Set(release_id),
                            service: Set(service.key().to_owned()),
                            country: Set(country.as_str().to_owned()),
                            url: Set(url.clone()),
                            ..Default::default()
                        }
                        .insert(db)
                        .await?;
                        changed = true;
                    }
                }
            }
        }
    }
    Ok(changed)
}
