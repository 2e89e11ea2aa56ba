//! The streaming services a release can link to. The key is what the database stores.
use serde::{Deserialize, Serialize};
use std::str::FromStr;

macro_rules! services {
    ($($variant:ident => $key:literal, $name:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum StreamingService { $($variant),* }

        impl StreamingService {
            pub const ALL: &'static [StreamingService] = &[$(StreamingService::$variant),*];

            /// The stable key stored in the database and used in URLs.
            pub fn key(self) -> &'static str {
                match self { $(StreamingService::$variant => $key),* }
            }

            /// The service's name as fans know it.
            pub fn name(self) -> &'static str {
                match self { $(StreamingService::$variant => $name),* }
            }
        }
    };
}

services! {
    Spotify => "spotify", "Spotify";
    AppleMusic => "apple_music", "Apple Music";
    YoutubeMusic => "youtube_music", "YouTube Music";
    Youtube => "youtube", "YouTube";
    AmazonMusic => "amazon_music", "Amazon Music";
    Deezer => "deezer", "Deezer";
    Tidal => "tidal", "TIDAL";
    Soundcloud => "soundcloud", "SoundCloud";
    Bandcamp => "bandcamp", "Bandcamp";
    Audiomack => "audiomack", "Audiomack";
    Pandora => "pandora", "Pandora";
    Anghami => "anghami", "Anghami";
    Boomplay => "boomplay", "Boomplay";
    Qobuz => "qobuz", "Qobuz";
    Beatport => "beatport", "Beatport";
    ItunesStore => "itunes_store", "iTunes Store";
    Napster => "napster", "Napster";
    Audius => "audius", "Audius";
}

impl StreamingService {
    /// The icon's path under the site root; every service has its own SVG in `public/icons/`.
    pub fn icon_path(self) -> String {
        format!("/icons/{}.svg", self.key())
    }
}

impl FromStr for StreamingService {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StreamingService::ALL
            .iter()
            .copied()
            .find(|service| service.key() == s)
            .ok_or_else(|| format!("unknown streaming service {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_unique() {
        let mut keys: Vec<_> = StreamingService::ALL.iter().map(|s| s.key()).collect();
        for service in StreamingService::ALL {
            assert_eq!(service.key().parse::<StreamingService>(), Ok(*service));
        }
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), StreamingService::ALL.len());
        assert!("myspace".parse::<StreamingService>().is_err());
    }
}
