//! What a fan allowed, and the ad platforms' click and browser ids, read from the request. Pure functions: the
//! fan routes call them on the hot path only for pages that have pixels.
use super::clients::Platform;

/// The consent cookie: one letter per platform and 1 (allowed) or 0 (refused), e.g. `m1t0g1`. Set by the fan page's
/// script when the fan answers the banner; a platform not in it was never asked about.
pub const CONSENT_COOKIE: &str = "dropday_consent";
/// The page view's event id, handed from the server's event to the browser pixel's (see `pixels.js`).
pub const PAGE_VIEW_COOKIE: &str = "dropday_pv";

/// The cookie letter of a platform.
pub fn letter(platform: Platform) -> char {
    match platform {
        Platform::Meta => 'm',
        Platform::Tiktok => 't',
        Platform::Ga4 => 'g',
    }
}

/// Whether the fan's consent cookie allows `platform`.
pub fn allows(cookie: Option<&str>, platform: Platform) -> bool {
    let Some(value) = cookie else { return false };
    let wanted = letter(platform);
    let bytes = value.as_bytes();
    bytes
        .windows(2)
        .any(|pair| pair[0] == wanted as u8 && pair[1] == b'1')
}

/// Whether events for `platform` may be sent for this fan: their consent, or their organization's decision that
/// consent is not required.
pub fn permitted(consent_required: bool, cookie: Option<&str>, platform: Platform) -> bool {
    !consent_required || allows(cookie, platform)
}

/// An event id from a browser (`?eid=`) when it is plausible: 8 to 64 letters, digits and dashes. Anything else is
/// ignored and the server makes its own.
pub fn browser_event_id(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let plausible = (8..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then(|| value.to_owned())
}

/// A new random event id (UUID v4 form, as `crypto.randomUUID()` makes in the browser).
pub fn new_event_id() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Meta's `fbc` from a click id seen at `seen_ms` (milliseconds): `fb.1.<ms>.<fbclid>`, the click id unchanged
/// (it is case-sensitive). Subdomain index 1, as Meta asks of values made on a server.
pub fn fbc_from_click_id(fbclid: &str, seen_ms: i64) -> Option<String> {
    let fbclid = fbclid.trim();
    let usable = !fbclid.is_empty()
        && fbclid.len() <= 500
        && fbclid
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b';' && b != b',');
    usable.then(|| format!("fb.1.{seen_ms}.{fbclid}"))
}

/// A cookie value that may be passed on as it is (`_fbp`, `_fbc`, `_ttp`, `ttclid`): printable, short.
pub fn cookie_id(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let usable =
        !value.is_empty() && value.len() <= 500 && value.bytes().all(|b| b.is_ascii_graphic());
    usable.then(|| value.to_owned())
}

/// GA4's client id from the `_ga` cookie (`GA1.1.1234567890.1700000000` → `1234567890.1700000000`).
pub fn ga_client_id(ga_cookie: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = ga_cookie?.trim().split('.').collect();
    if parts.len() < 4 {
        return None;
    }
    let (random, timestamp) = (parts[parts.len() - 2], parts[parts.len() - 1]);
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(random) && digits(timestamp)).then(|| format!("{random}.{timestamp}"))
}

/// GA4's session id from the `_ga_<container>` cookie (`GS1.1.1700000000.3.1…` or `GS2.1.s1700000000$o3…`).
pub fn ga_session_id(session_cookie: Option<&str>) -> Option<String> {
    let value = session_cookie?.trim();
    let after_prefix = value.splitn(3, '.').nth(2)?;
    let start = after_prefix.strip_prefix('s').unwrap_or(after_prefix);
    let digits: String = start.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty() && digits.len() <= 20).then_some(digits)
}

/// A client id for GA4 when the fan has no `_ga` cookie (its script blocked): random, in GA's own shape, so the
/// event still counts (as a new user).
pub fn new_ga_client_id(now_secs: i64) -> String {
    use rand::Rng as _;
    let random: u32 = rand::rng().random_range(1_000_000_000..u32::MAX);
    format!("{random}.{now_secs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_is_per_platform_and_absent_means_not_asked() {
        assert!(allows(Some("m1t0g1"), Platform::Meta));
        assert!(!allows(Some("m1t0g1"), Platform::Tiktok));
        assert!(allows(Some("m1t0g1"), Platform::Ga4));
        assert!(!allows(Some("m1"), Platform::Tiktok));
        assert!(!allows(None, Platform::Meta));
        assert!(!allows(Some(""), Platform::Meta));
        assert!(permitted(false, None, Platform::Meta));
        assert!(!permitted(true, Some("m0"), Platform::Meta));
    }

    #[test]
    fn browser_event_ids_are_checked() {
        assert_eq!(
            browser_event_id(Some("0b7f2c1e-9a1d-4c1f-8f00-1234567890ab")).as_deref(),
            Some("0b7f2c1e-9a1d-4c1f-8f00-1234567890ab")
        );
        assert_eq!(browser_event_id(Some("short")), None);
        assert_eq!(browser_event_id(Some("<script>alert(1)</script>")), None);
        assert_eq!(browser_event_id(Some(&"a".repeat(65))), None);
        let made = new_event_id();
        assert_eq!(made.len(), 36);
        assert_eq!(browser_event_id(Some(&made)), Some(made.clone()));
        assert_ne!(made, new_event_id());
    }

    #[test]
    fn fbc_keeps_the_click_id_exactly() {
        assert_eq!(
            fbc_from_click_id(
                "IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgE",
                1_700_000_000_123
            )
            .as_deref(),
            Some(
                "fb.1.1700000000123.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgE"
            )
        );
        assert_eq!(fbc_from_click_id("", 1), None);
        assert_eq!(fbc_from_click_id("a;b", 1), None);
    }

    #[test]
    fn ga_cookies_give_client_and_session_ids() {
        assert_eq!(
            ga_client_id(Some("GA1.1.1234567890.1700000000")).as_deref(),
            Some("1234567890.1700000000")
        );
        assert_eq!(ga_client_id(Some("GA1.1.x.1700000000")), None);
        assert_eq!(ga_client_id(None), None);
        assert_eq!(
            ga_session_id(Some("GS1.1.1700000123.3.1.1700000200.0.0.0")).as_deref(),
            Some("1700000123")
        );
        assert_eq!(
            ga_session_id(Some("GS2.1.s1700000123$o3$g1$t1700000200")).as_deref(),
            Some("1700000123")
        );
        let made = new_ga_client_id(1_700_000_000);
        assert!(
            ga_client_id(Some(&format!("GA1.1.{made}"))).is_some(),
            "{made}"
        );
    }
}
