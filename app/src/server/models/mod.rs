//! Domain queries and commands over the entities: free functions taking a connection, testable without HTTP.
pub mod accounts;
pub mod activity;
pub mod api_tokens;
pub mod artists;
pub mod members;
pub mod organizations;
pub mod outbox;
pub mod release_edits;
pub mod releases;
pub mod visitor_salts;

use crate::types::AppError;

/// Accepts only absolute http(s) URLs: anything a fan can be sent to or an image can load from.
pub fn validate_web_url(field: &str, url: &str) -> Result<String, AppError> {
    let trimmed = url.trim();
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| {
            AppError::BadRequest(format!("{field} must start with https:// or http://"))
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_ok = !host.is_empty()
        && !host.contains('@')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::BadRequest(format!(
            "{field} is not a valid web address"
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::validate_web_url;

    #[test]
    fn web_urls() {
        assert!(validate_web_url("url", "https://open.spotify.com/album/1").is_ok());
        assert!(validate_web_url("url", " http://127.0.0.1:8080/x ").is_ok());
        for bad in [
            "javascript:alert(1)",
            "//evil.example",
            "https://",
            "https://a b",
            "https://user@evil.example",
            "ftp://x",
        ] {
            assert!(
                validate_web_url("url", bad).is_err(),
                "{bad} should be refused"
            );
        }
    }
}
