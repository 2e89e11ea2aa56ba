//! An organization's platform rules: which services its fan pages may show (allowed, blocked) and which go
//! first. They override what artists and team members choose: the editor only offers admitted services, and
//! every fan page and click-out applies them again, so a newly blocked service disappears from old pages too.
use crate::server::entities::organizations;
use crate::server::fan::ordering::PlatformRules;
use crate::types::{AppError, PlatformRulesForm, StreamingService};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

fn parse_list(stored: &str) -> Vec<StreamingService> {
    // Unknown keys (a service removed from a later version) are skipped, not fatal.
    stored
        .split(',')
        .filter_map(|key| key.trim().parse().ok())
        .collect()
}

fn write_list(services: &[StreamingService]) -> String {
    services
        .iter()
        .map(|service| service.key())
        .collect::<Vec<_>>()
        .join(",")
}

/// The rules as the organization's row stores them.
pub fn form_of(organization: &organizations::Model) -> PlatformRulesForm {
    PlatformRulesForm {
        allowed: organization
            .allowed_services
            .as_deref()
            .map(parse_list)
            .unwrap_or_default(),
        blocked: parse_list(&organization.blocked_services),
        priority: parse_list(&organization.service_priority),
    }
}

/// The rules fan pages apply.
pub fn of(organization: &organizations::Model) -> PlatformRules {
    let form = form_of(organization);
    PlatformRules {
        allowed: (!form.allowed.is_empty()).then(|| form.allowed.into_iter().collect()),
        blocked: form.blocked.into_iter().collect(),
        priority: form.priority,
    }
}

pub async fn for_organization(
    db: &impl ConnectionTrait,
    organization_id: i32,
) -> Result<PlatformRules, AppError> {
    Ok(organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .map(|organization| of(&organization))
        .unwrap_or_default())
}

/// The rules of the organization `artist_id` belongs to, in one query.
pub async fn for_artist(
    db: &impl ConnectionTrait,
    artist_id: i32,
) -> Result<PlatformRules, AppError> {
    use crate::server::entities::artists;
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect, RelationTrait};
    Ok(organizations::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            organizations::Relation::Artists.def(),
        )
        .filter(artists::Column::Id.eq(artist_id))
        .one(db)
        .await?
        .map(|organization| of(&organization))
        .unwrap_or_default())
}

/// Checks a form and returns it without repeats: a service allowed and blocked at once, or first on pages but not
/// admitted, is a contradiction the admin should resolve, not one we silently pick a side of.
pub fn validate(form: &PlatformRulesForm) -> Result<PlatformRulesForm, AppError> {
    fn unique(services: &[StreamingService]) -> Vec<StreamingService> {
        let mut seen = Vec::with_capacity(services.len());
        for service in services {
            if !seen.contains(service) {
                seen.push(*service);
            }
        }
        seen
    }
    let clean = PlatformRulesForm {
        allowed: unique(&form.allowed),
        blocked: unique(&form.blocked),
        priority: unique(&form.priority),
    };
    if let Some(both) = clean.allowed.iter().find(|s| clean.blocked.contains(s)) {
        return Err(AppError::BadRequest(format!(
            "{} is both allowed and blocked: choose one",
            both.name()
        )));
    }
    if let Some(first) = clean.priority.iter().find(|s| !clean.admits(**s)) {
        return Err(AppError::BadRequest(format!(
            "{} cannot go first on pages: it is not allowed",
            first.name()
        )));
    }
    if clean.allowed.is_empty() && clean.blocked.len() >= StreamingService::ALL.len() {
        return Err(AppError::BadRequest(
            "every service is blocked: fan pages would have no buttons".into(),
        ));
    }
    Ok(clean)
}

pub async fn save(
    db: &impl ConnectionTrait,
    organization: organizations::Model,
    form: &PlatformRulesForm,
) -> Result<PlatformRulesForm, AppError> {
    let clean = validate(form)?;
    let mut active: organizations::ActiveModel = organization.into();
    active.allowed_services = Set((!clean.allowed.is_empty()).then(|| write_list(&clean.allowed)));
    active.blocked_services = Set(write_list(&clean.blocked));
    active.service_priority = Set(write_list(&clean.priority));
    active.update(db).await?;
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use StreamingService as S;

    #[test]
    fn contradictions_are_refused_with_the_service_named() {
        let both = PlatformRulesForm {
            allowed: vec![S::Spotify, S::Tidal],
            blocked: vec![S::Tidal],
            priority: vec![],
        };
        assert_eq!(
            validate(&both).unwrap_err().to_string(),
            "TIDAL is both allowed and blocked: choose one"
        );
        let first_but_blocked = PlatformRulesForm {
            allowed: vec![],
            blocked: vec![S::Deezer],
            priority: vec![S::Spotify, S::Deezer],
        };
        assert_eq!(
            validate(&first_but_blocked).unwrap_err().to_string(),
            "Deezer cannot go first on pages: it is not allowed"
        );
        let first_not_in_allowed = PlatformRulesForm {
            allowed: vec![S::Spotify],
            blocked: vec![],
            priority: vec![S::AppleMusic],
        };
        assert!(validate(&first_not_in_allowed).is_err());
        let repeats = PlatformRulesForm {
            allowed: vec![],
            blocked: vec![S::Napster, S::Napster],
            priority: vec![S::Tidal, S::Spotify, S::Tidal],
        };
        let clean = validate(&repeats).unwrap();
        assert_eq!(clean.blocked, vec![S::Napster]);
        assert_eq!(clean.priority, vec![S::Tidal, S::Spotify]);
        assert_eq!(parse_list(&write_list(&clean.priority)), clean.priority);
        assert_eq!(
            parse_list("spotify,,gone_service,tidal"),
            vec![S::Spotify, S::Tidal]
        );
    }
}
