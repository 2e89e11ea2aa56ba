//! URL slugs for artists and releases: lower-case, validated, and never one of the paths Dropday itself uses.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Paths the server answers itself; an artist slug may not take them.
pub const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "assets",
    "auth",
    "dashboard",
    "demo",
    "favicon.ico",
    "favicon.svg",
    "go",
    "healthz",
    "icons",
    "invite",
    "login",
    "logout",
    "oauth",
    "pkg",
    "presave",
    "presaves",
    "robots.txt",
    "settings",
    "sign-in",
    "sign-out",
    "sign-up",
    "signin",
    "signup",
    "sitemap.xml",
    "static",
    "t",
    "track",
];

pub const MAX_SLUG_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("the slug is empty")]
    Empty,
    #[error("the slug is longer than {MAX_SLUG_LEN} characters")]
    TooLong,
    #[error(
        "use only letters a-z, digits and single hyphens, not starting or ending with a hyphen"
    )]
    InvalidCharacters,
    #[error("\"{0}\" is reserved by Dropday; choose another")]
    Reserved(String),
}

impl Slug {
    /// Validates a slug typed by a person; upper case is folded because URLs treat slugs case-insensitively.
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let slug = input.trim().to_ascii_lowercase();
        if slug.is_empty() {
            return Err(SlugError::Empty);
        }
        if slug.len() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong);
        }
        let valid_chars = slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(SlugError::InvalidCharacters);
        }
        if RESERVED_SLUGS.contains(&slug.as_str()) {
            return Err(SlugError::Reserved(slug));
        }
        Ok(Slug(slug))
    }

    /// Derives a slug from a title: "Midnight Signal (Remix)" -> "midnight-signal-remix".
    pub fn from_title(title: &str) -> Result<Self, SlugError> {
        let mut slug = String::with_capacity(title.len());
        for ch in title.chars() {
            if ch.is_ascii_alphanumeric() {
                slug.push(ch.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let trimmed: String = slug
            .trim_end_matches('-')
            .chars()
            .take(MAX_SLUG_LEN)
            .collect();
        Slug::parse(trimmed.trim_end_matches('-'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_trims() {
        assert_eq!(
            Slug::parse("  Nova-Lights ").unwrap().as_str(),
            "nova-lights"
        );
    }

    #[test]
    fn rejects_bad_slugs_with_a_reason() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse("a b"), Err(SlugError::InvalidCharacters));
        assert_eq!(Slug::parse("-a"), Err(SlugError::InvalidCharacters));
        assert_eq!(Slug::parse("a--b"), Err(SlugError::InvalidCharacters));
        assert_eq!(Slug::parse("über"), Err(SlugError::InvalidCharacters));
        assert_eq!(Slug::parse(&"a".repeat(65)), Err(SlugError::TooLong));
        assert_eq!(
            Slug::parse("Dashboard"),
            Err(SlugError::Reserved("dashboard".into()))
        );
    }

    #[test]
    fn derives_from_titles() {
        assert_eq!(
            Slug::from_title("Midnight Signal (Remix)")
                .unwrap()
                .as_str(),
            "midnight-signal-remix"
        );
        assert_eq!(Slug::from_title("  ¡Olé!  ").unwrap().as_str(), "ol");
        assert!(Slug::from_title("!!!").is_err());
    }
}
