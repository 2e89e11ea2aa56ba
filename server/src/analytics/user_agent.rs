//! What a User-Agent says about a visit: a bot or a person, and the device class, browser and OS families kept
//! for reports. The full string is never stored.
use std::sync::OnceLock;

/// The families stored with an event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientFamily {
    pub is_bot: bool,
    /// `mobile`, `tablet` or `desktop`.
    pub device_class: Option<&'static str>,
    pub browser: Option<&'static str>,
    pub os: Option<&'static str>,
}

/// Crawlers and link-preview fetchers, from the `isbot` crate's pattern list (a port of the maintained
/// omrilotan/isbot list), plus fetchers that list misses.
fn bots() -> &'static isbot::Bots {
    static BOTS: OnceLock<isbot::Bots> = OnceLock::new();
    BOTS.get_or_init(|| {
        let mut bots = isbot::Bots::default();
        // Preview fetchers that identify themselves without the usual "bot" wording.
        bots.append(&[
            "facebookcatalog",
            "meta-externalagent",
            "iframely",
            "embedly",
            "vkshare",
            "skypeuripreview",
            "google-inspectiontool",
        ]);
        bots
    })
}

pub fn is_bot(user_agent: &str) -> bool {
    // No User-Agent at all is a script, not a browser.
    user_agent.trim().is_empty() || bots().is_bot(user_agent)
}

pub fn classify(user_agent: &str) -> ClientFamily {
    if is_bot(user_agent) {
        return ClientFamily {
            is_bot: true,
            ..Default::default()
        };
    }
    let ua = user_agent.to_ascii_lowercase();
    let has = |needle: &str| ua.contains(needle);
    let os = if has("iphone") || has("ipad") || has("ipod") {
        Some("iOS")
    } else if has("android") {
        Some("Android")
    } else if has("cros") {
        Some("ChromeOS")
    } else if has("windows") {
        Some("Windows")
    } else if has("mac os x") || has("macintosh") {
        Some("macOS")
    } else if has("linux") {
        Some("Linux")
    } else {
        None
    };
    let device_class = if has("ipad") || has("tablet") || (has("android") && !has("mobile")) {
        "tablet"
    } else if has("mobi") || has("iphone") || has("ipod") || has("android") {
        "mobile"
    } else {
        "desktop"
    };
    // In-app browsers first: they also claim to be Safari or Chrome, and they are where fans come from.
    let browser = if has("instagram") {
        "Instagram"
    } else if has("fban") || has("fbav") || has("fb_iab") {
        "Facebook"
    } else if has("bytedancewebview") || has("musical_ly") || has("tiktok") {
        "TikTok"
    } else if has("snapchat") {
        "Snapchat"
    } else if has("twitter") {
        "X"
    } else if has("edg/") || has("edga/") || has("edgios/") {
        "Edge"
    } else if has("opr/") || has("opera") {
        "Opera"
    } else if has("samsungbrowser") {
        "Samsung Internet"
    } else if has("firefox") || has("fxios") {
        "Firefox"
    } else if has("chrome") || has("crios") {
        "Chrome"
    } else if has("safari") {
        "Safari"
    } else {
        "Other"
    };
    ClientFamily {
        is_bot: false,
        device_class: Some(device_class),
        browser: Some(browser),
        os,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const INSTAGRAM_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 334.0.4.32.98 (iPhone15,3; iOS 17_5; en_US; en; scale=3.00; 1290x2796; 609427656)";
    const TIKTOK_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP1A.240505.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.179 Mobile Safari/537.36 trill_350402 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill app_version/35.4.2 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6";
    const FACEBOOK_ANDROID: &str = "Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/462.0.0.43.112;]";
    const DESKTOP_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const MAC_FIREFOX: &str =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0";

    #[test]
    fn people_are_classified_by_device_browser_and_os() {
        let cases = [
            (IPHONE_SAFARI, "mobile", "Safari", Some("iOS")),
            (INSTAGRAM_IOS, "mobile", "Instagram", Some("iOS")),
            (TIKTOK_ANDROID, "mobile", "TikTok", Some("Android")),
            (FACEBOOK_ANDROID, "mobile", "Facebook", Some("Android")),
            (DESKTOP_CHROME, "desktop", "Chrome", Some("Windows")),
            (IPAD, "tablet", "Safari", Some("iOS")),
            (MAC_FIREFOX, "desktop", "Firefox", Some("macOS")),
        ];
        for (ua, device, browser, os) in cases {
            let family = classify(ua);
            assert!(!family.is_bot, "{ua} is a person");
            assert_eq!(family.device_class, Some(device), "{ua}");
            assert_eq!(family.browser, Some(browser), "{ua}");
            assert_eq!(family.os, os, "{ua}");
        }
    }

    #[test]
    fn crawlers_and_link_preview_fetchers_are_bots() {
        for ua in [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            // iMessage's link preview.
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
            "Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "WhatsApp/2.23.20.0 A",
            "TelegramBot (like TwitterBot)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
            "curl/8.5.0",
            "python-requests/2.32.3",
            "",
        ] {
            assert!(classify(ua).is_bot, "{ua:?} is a bot");
        }
    }
}
