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

impl StreamingService {
    /// The web hosts this service's links live on (a host matches itself and its subdomains). Empty: any host,
    /// for services where artists use their own domains (Bandcamp).
    pub fn link_hosts(self) -> &'static [&'static str] {
        use StreamingService::*;
        match self {
            Spotify => &["open.spotify.com", "play.spotify.com", "spotify.link"],
            AppleMusic => &["music.apple.com", "itunes.apple.com", "geo.music.apple.com"],
            ItunesStore => &[
                "itunes.apple.com",
                "music.apple.com",
                "geo.itunes.apple.com",
            ],
            YoutubeMusic => &["music.youtube.com"],
            Youtube => &["youtube.com", "youtu.be"],
            AmazonMusic => &[
                "music.amazon.com",
                "music.amazon.co.uk",
                "music.amazon.de",
                "music.amazon.fr",
                "music.amazon.it",
                "music.amazon.es",
                "music.amazon.co.jp",
                "music.amazon.com.br",
                "music.amazon.ca",
                "music.amazon.com.au",
                "music.amazon.in",
                "music.amazon.com.mx",
                "amazon.com",
                "amazon.co.uk",
                "amazon.de",
                "amazon.fr",
                "amazon.co.jp",
                "amzn.to",
            ],
            Deezer => &[
                "deezer.com",
                "deezer.page.link",
                "link.deezer.com",
                "dzr.page.link",
            ],
            Tidal => &["tidal.com", "listen.tidal.com"],
            Soundcloud => &[
                "soundcloud.com",
                "on.soundcloud.com",
                "soundcloud.app.goo.gl",
            ],
            Bandcamp => &[],
            Audiomack => &["audiomack.com"],
            Pandora => &["pandora.com", "pandora.app.link"],
            Anghami => &["anghami.com"],
            Boomplay => &["boomplay.com", "boomplaymusic.com"],
            Qobuz => &["qobuz.com"],
            Beatport => &["beatport.com"],
            Napster => &["napster.com"],
            Audius => &["audius.co"],
        }
    }

    /// Whether a link's host belongs to this service (a pasted Spotify link in the Deezer row does not).
    pub fn accepts_host(self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host = host.split(':').next().unwrap_or_default();
        let hosts = self.link_hosts();
        hosts.is_empty()
            || hosts.iter().any(|known| {
                host == *known
                    || host
                        .strip_suffix(known)
                        .is_some_and(|prefix| prefix.ends_with('.'))
            })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_hosts_belong_to_their_service() {
        use StreamingService::*;
        assert!(Spotify.accepts_host("open.spotify.com"));
        assert!(Deezer.accepts_host("www.deezer.com"));
        assert!(AmazonMusic.accepts_host("music.amazon.de"));
        assert!(!Deezer.accepts_host("open.spotify.com"));
        assert!(!Spotify.accepts_host("evilspotify.com"));
        assert!(!Spotify.accepts_host("open.spotify.com.evil.example"));
        assert!(Bandcamp.accepts_host("music.some-artist.net"));
    }

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
