//! Service icons inlined into fan pages (no extra requests; `currentColor` follows the theme). The same files are
//! served from `/icons/` for the dashboard.
use crate::types::StreamingService;

pub fn service_icon(service: StreamingService) -> &'static str {
    match service {
        StreamingService::Spotify => include_str!("../../../../public/icons/spotify.svg"),
        StreamingService::AppleMusic => include_str!("../../../../public/icons/apple_music.svg"),
        StreamingService::YoutubeMusic => {
            include_str!("../../../../public/icons/youtube_music.svg")
        }
        StreamingService::Youtube => include_str!("../../../../public/icons/youtube.svg"),
        StreamingService::AmazonMusic => include_str!("../../../../public/icons/amazon_music.svg"),
        StreamingService::Deezer => include_str!("../../../../public/icons/deezer.svg"),
        StreamingService::Tidal => include_str!("../../../../public/icons/tidal.svg"),
        StreamingService::Soundcloud => include_str!("../../../../public/icons/soundcloud.svg"),
        StreamingService::Bandcamp => include_str!("../../../../public/icons/bandcamp.svg"),
        StreamingService::Audiomack => include_str!("../../../../public/icons/audiomack.svg"),
        StreamingService::Pandora => include_str!("../../../../public/icons/pandora.svg"),
        StreamingService::Anghami => include_str!("../../../../public/icons/anghami.svg"),
        StreamingService::Boomplay => include_str!("../../../../public/icons/boomplay.svg"),
        StreamingService::Qobuz => include_str!("../../../../public/icons/qobuz.svg"),
        StreamingService::Beatport => include_str!("../../../../public/icons/beatport.svg"),
        StreamingService::ItunesStore => include_str!("../../../../public/icons/itunes_store.svg"),
        StreamingService::Napster => include_str!("../../../../public/icons/napster.svg"),
        StreamingService::Audius => include_str!("../../../../public/icons/audius.svg"),
    }
}

pub const LINK_ICON: &str = include_str!("../../../../public/icons/link.svg");
pub const SHARE_ICON: &str = include_str!("../../../../public/icons/share.svg");
