//! The music the fakes know: artists, albums with their tracks, and playlists, shared by the fake Spotify and
//! the fake Odesli and changeable while they run. `FakeCatalog::demo()` is a small label's worth of releases.
use super::control::lock;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::{Mutex, MutexGuard};

/// "Nova Lights": the demo artist, with every kind of release Spotify has.
pub const DEMO_ARTIST_ID: &str = "0NovaLightsDemoArtist0";
pub const DEMO_ARTIST_NAME: &str = "Nova Lights";
/// Nova Lights' albums, singles, EPs and compilations (`include_groups=album,single,compilation`), not counting
/// `DEMO_APPEARS_ON_ALBUM_ID`.
pub const DEMO_RELEASE_COUNT: usize = 14;
/// "Afterglow Atlas": album, 10 tracks, released 2024-09-20, with a UPC.
pub const DEMO_ALBUM_ID: &str = "0AfterglowAtlasAlbum00";
pub const DEMO_ALBUM_NAME: &str = "Afterglow Atlas";
pub const DEMO_ALBUM_UPC: &str = "197341882010";
/// "Midnight Signal": a one-track single released 2025-10-03.
pub const DEMO_SINGLE_ALBUM_ID: &str = "0MidnightSignalSingle0";
pub const DEMO_SINGLE_TRACK_ID: &str = "0MidnightSignalTrack00";
pub const DEMO_SINGLE_ISRC: &str = "QZNL72500101";
/// "Low Orbit EP": a five-track single (Spotify's EPs are singles of 4–6 tracks).
pub const DEMO_EP_ALBUM_ID: &str = "0LowOrbitEpSingle00000";
/// "Early Works 2016–2020": a compilation.
pub const DEMO_COMPILATION_ALBUM_ID: &str = "0EarlyWorksCompilation";
/// "First Light": the debut album, dated by year only ("2016") and without `external_ids`.
pub const DEMO_YEAR_ALBUM_ID: &str = "0FirstLightYearAlbum00";
/// "Tidal Hours": announced for 2027-03-19, for pre-saves; few services have it yet.
pub const DEMO_UPCOMING_ALBUM_ID: &str = "0TidalHoursUpcoming000";
/// "Late Night Drive, Vol. 3" by Various Artists, with one Nova Lights track: `appears_on`, never imported.
pub const DEMO_APPEARS_ON_ALBUM_ID: &str = "0LateNightDriveVol3000";
/// "Marisol Vega": a second artist with two releases (and a feature on "Afterglow Atlas").
pub const DEMO_SECOND_ARTIST_ID: &str = "0MarisolVegaArtist0000";
pub const DEMO_SECOND_ARTIST_NAME: &str = "Marisol Vega";
pub const DEMO_SECOND_ARTIST_RELEASE_COUNT: usize = 2;
pub const DEMO_VARIOUS_ARTISTS_ID: &str = "0VariousArtistsDemo000";
/// "Night Drive (Dropday demo)", a playlist by the user "Dropday Demo".
pub const DEMO_PLAYLIST_ID: &str = "0NightDriveDemoList000";

const LABEL: &str = "Dropday Demo Records";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumType {
    Album,
    Single,
    Compilation,
}

impl AlbumType {
    pub fn as_str(self) -> &'static str {
        match self {
            AlbumType::Album => "album",
            AlbumType::Single => "single",
            AlbumType::Compilation => "compilation",
        }
    }
}

/// How an album relates to the artist whose discography lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumGroup {
    Album,
    Single,
    Compilation,
    /// Someone else's release with one of the artist's tracks on it.
    AppearsOn,
}

impl AlbumGroup {
    pub fn parse(group: &str) -> Option<AlbumGroup> {
        Some(match group {
            "album" => AlbumGroup::Album,
            "single" => AlbumGroup::Single,
            "compilation" => AlbumGroup::Compilation,
            "appears_on" => AlbumGroup::AppearsOn,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AlbumGroup::Album => "album",
            AlbumGroup::Single => "single",
            AlbumGroup::Compilation => "compilation",
            AlbumGroup::AppearsOn => "appears_on",
        }
    }

    /// Spotify's default for `include_groups`, and the order it lists groups in.
    pub const ALL: [AlbumGroup; 4] = [
        AlbumGroup::Album,
        AlbumGroup::Single,
        AlbumGroup::Compilation,
        AlbumGroup::AppearsOn,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeArtist {
    pub id: String,
    pub name: String,
    pub genres: Vec<String>,
    /// Artists without a picture have an empty `images` list on Spotify.
    pub has_image: bool,
}

impl FakeArtist {
    pub fn new(id: &str, name: &str) -> FakeArtist {
        FakeArtist {
            id: id.to_owned(),
            name: name.to_owned(),
            genres: Vec::new(),
            has_image: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTrack {
    pub id: String,
    pub name: String,
    pub artist_ids: Vec<String>,
    pub duration_ms: u32,
    pub explicit: bool,
    pub isrc: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAlbum {
    pub id: String,
    pub name: String,
    pub album_type: AlbumType,
    pub artist_ids: Vec<String>,
    /// `2024-09-20`, `2021-08` or `2016`, matching `release_date_precision`.
    pub release_date: String,
    pub release_date_precision: &'static str,
    /// `external_ids.upc`; `None` leaves `external_ids` out, as 2026's development mode may.
    pub upc: Option<String>,
    pub label: String,
    pub tracks: Vec<FakeTrack>,
    /// Odesli platform keys (`tidal`, `youtubeMusic`, …) that do not have this release.
    pub missing_on: Vec<String>,
}

impl FakeAlbum {
    /// A release by `artist_id` whose ids, UPC, ISRCs and durations derive from the artist and name, so a
    /// catalog built twice is the same catalog. The date's precision follows its length.
    pub fn new(
        artist_id: &str,
        name: &str,
        album_type: AlbumType,
        release_date: &str,
        track_names: &[&str],
    ) -> FakeAlbum {
        let seed = format!("{artist_id}/{name}");
        let year = release_date.get(2..4).unwrap_or("25");
        let tracks = track_names
            .iter()
            .enumerate()
            .map(|(index, track_name)| {
                let track_seed = format!("{seed}/{index}/{track_name}");
                FakeTrack {
                    id: fake_id(&track_seed),
                    name: (*track_name).to_owned(),
                    artist_ids: vec![artist_id.to_owned()],
                    duration_ms: 150_000 + (seeded_number(&track_seed) % 120_000) as u32,
                    explicit: false,
                    isrc: Some(format!(
                        "QZNL7{year}{:05}",
                        seeded_number(&track_seed) % 100_000
                    )),
                }
            })
            .collect();
        FakeAlbum {
            id: fake_id(&seed),
            name: name.to_owned(),
            album_type,
            artist_ids: vec![artist_id.to_owned()],
            release_date: release_date.to_owned(),
            release_date_precision: match release_date.len() {
                4 => "year",
                7 => "month",
                _ => "day",
            },
            upc: Some(upc(&seed)),
            label: LABEL.to_owned(),
            tracks,
            missing_on: Vec::new(),
        }
    }

    pub fn with_id(mut self, id: &str) -> FakeAlbum {
        self.id = id.to_owned();
        self
    }

    pub fn with_upc(mut self, upc: &str) -> FakeAlbum {
        self.upc = Some(upc.to_owned());
        self
    }

    /// No UPC on the album and no ISRCs on its tracks.
    pub fn without_external_ids(mut self) -> FakeAlbum {
        self.upc = None;
        for track in &mut self.tracks {
            track.isrc = None;
        }
        self
    }

    pub fn missing_on(mut self, platforms: &[&str]) -> FakeAlbum {
        self.missing_on = platforms.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Adds `artist_id` to track `index` (a feature).
    pub fn featuring(mut self, index: usize, artist_id: &str) -> FakeAlbum {
        if let Some(track) = self.tracks.get_mut(index) {
            track.artist_ids.push(artist_id.to_owned());
        }
        self
    }

    fn with_track_id(mut self, index: usize, id: &str, isrc: &str) -> FakeAlbum {
        if let Some(track) = self.tracks.get_mut(index) {
            track.id = id.to_owned();
            track.isrc = Some(isrc.to_owned());
        }
        self
    }

    /// The key its cover art is served under.
    pub fn image_seed(&self) -> String {
        image_seed(&self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePlaylist {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_id: String,
    pub owner_name: Option<String>,
    pub track_ids: Vec<String>,
}

/// The catalog, behind a lock so tests can change it while fakes serve it.
#[derive(Debug, Default)]
pub struct FakeCatalog {
    data: Mutex<CatalogData>,
}

#[derive(Debug, Default)]
struct CatalogData {
    artists: Vec<FakeArtist>,
    albums: Vec<FakeAlbum>,
    playlists: Vec<FakePlaylist>,
}

impl FakeCatalog {
    pub fn new() -> FakeCatalog {
        FakeCatalog::default()
    }

    /// Adds or replaces (by id) an artist.
    pub fn add_artist(&self, artist: FakeArtist) {
        let mut data = self.data();
        data.artists.retain(|known| known.id != artist.id);
        data.artists.push(artist);
    }

    /// Adds or replaces (by id) an album; it shows up in its artists' discographies at once.
    pub fn add_album(&self, album: FakeAlbum) {
        let mut data = self.data();
        data.albums.retain(|known| known.id != album.id);
        data.albums.push(album);
    }

    /// Takes an album down; true if it was there.
    pub fn remove_album(&self, id: &str) -> bool {
        let mut data = self.data();
        let before = data.albums.len();
        data.albums.retain(|album| album.id != id);
        data.albums.len() != before
    }

    pub fn add_playlist(&self, playlist: FakePlaylist) {
        let mut data = self.data();
        data.playlists.retain(|known| known.id != playlist.id);
        data.playlists.push(playlist);
    }

    pub fn artist(&self, id: &str) -> Option<FakeArtist> {
        self.data().artists.iter().find(|a| a.id == id).cloned()
    }

    pub fn album(&self, id: &str) -> Option<FakeAlbum> {
        self.data().albums.iter().find(|a| a.id == id).cloned()
    }

    /// A track and the album it is on.
    pub fn track(&self, id: &str) -> Option<(FakeTrack, FakeAlbum)> {
        let data = self.data();
        data.albums.iter().find_map(|album| {
            let track = album.tracks.iter().find(|track| track.id == id)?;
            Some((track.clone(), album.clone()))
        })
    }

    pub fn playlist(&self, id: &str) -> Option<FakePlaylist> {
        self.data().playlists.iter().find(|p| p.id == id).cloned()
    }

    /// Names for artist ids (unknown ids keep the id as their name, as a broken catalog would show them).
    pub fn artist_names(&self, ids: &[String]) -> Vec<(String, String)> {
        let data = self.data();
        ids.iter()
            .map(|id| {
                let name = data
                    .artists
                    .iter()
                    .find(|artist| artist.id == *id)
                    .map_or_else(|| id.clone(), |artist| artist.name.clone());
                (id.clone(), name)
            })
            .collect()
    }

    /// The artist's releases in `groups`, as Spotify lists them: by group (album, single, compilation,
    /// appears_on), newest first within a group.
    pub fn artist_albums(&self, artist_id: &str, groups: &[AlbumGroup]) -> Vec<FakeAlbum> {
        let data = self.data();
        let mut listed: Vec<(usize, &FakeAlbum)> = data
            .albums
            .iter()
            .filter_map(|album| {
                let group = if album.artist_ids.iter().any(|id| id == artist_id) {
                    match album.album_type {
                        AlbumType::Album => AlbumGroup::Album,
                        AlbumType::Single => AlbumGroup::Single,
                        AlbumType::Compilation => AlbumGroup::Compilation,
                    }
                } else if album
                    .tracks
                    .iter()
                    .any(|track| track.artist_ids.iter().any(|id| id == artist_id))
                {
                    AlbumGroup::AppearsOn
                } else {
                    return None;
                };
                let rank = AlbumGroup::ALL.iter().position(|g| *g == group)?;
                groups.contains(&group).then_some((rank, album))
            })
            .collect();
        // ISO dates of any precision sort as text; newest first.
        listed.sort_by(|(rank_a, a), (rank_b, b)| {
            rank_a
                .cmp(rank_b)
                .then_with(|| b.release_date.cmp(&a.release_date))
        });
        listed.into_iter().map(|(_, album)| album.clone()).collect()
    }

    fn data(&self) -> MutexGuard<'_, CatalogData> {
        lock(&self.data)
    }

    /// Nova Lights' 14 releases (4 albums, one of them announced for 2027; 6 singles; 3 EPs; a compilation)
    /// and a guest spot on a Various Artists compilation; Marisol Vega's two releases; one playlist.
    pub fn demo() -> FakeCatalog {
        let catalog = FakeCatalog::new();
        let nova = DEMO_ARTIST_ID;
        let marisol = DEMO_SECOND_ARTIST_ID;
        let kite_theory = fake_id("artist/Kite Theory");
        let sundial_club = fake_id("artist/Sundial Club");
        catalog.add_artist(FakeArtist {
            genres: vec!["indie pop".to_owned(), "synthwave".to_owned()],
            ..FakeArtist::new(nova, DEMO_ARTIST_NAME)
        });
        catalog.add_artist(FakeArtist {
            genres: vec!["latin pop".to_owned()],
            ..FakeArtist::new(marisol, DEMO_SECOND_ARTIST_NAME)
        });
        catalog.add_artist(FakeArtist {
            has_image: false,
            ..FakeArtist::new(DEMO_VARIOUS_ARTISTS_ID, "Various Artists")
        });
        catalog.add_artist(FakeArtist::new(&kite_theory, "Kite Theory"));
        catalog.add_artist(FakeArtist {
            has_image: false,
            ..FakeArtist::new(&sundial_club, "Sundial Club")
        });

        use AlbumType::{Album, Compilation, Single};
        let releases = [
            FakeAlbum::new(
                nova,
                DEMO_ALBUM_NAME,
                Album,
                "2024-09-20",
                &[
                    "Afterglow",
                    "Atlas of Small Hours",
                    "Mirage (feat. Marisol Vega)",
                    "Coastline Radio",
                    "Velvet Static",
                    "Northbound",
                    "Lighthouse Keeper",
                    "Parallel",
                    "Ember & Echo",
                    "Home Before Dawn",
                ],
            )
            .with_id(DEMO_ALBUM_ID)
            .with_upc(DEMO_ALBUM_UPC)
            .featuring(2, marisol),
            FakeAlbum::new(
                nova,
                "Neon Cartography",
                Album,
                "2022-03-11",
                &[
                    "Grid Lines",
                    "Neon Cartography",
                    "Subway Constellations",
                    "Rooftop Weather",
                    "Signal Fires",
                    "Overpass",
                    "Sodium Light",
                    "All-Night Diner",
                    "Compass Rose",
                    "Terminal",
                    "Last Train Home",
                ],
            )
            .missing_on(&["audius", "bandcamp"]),
            FakeAlbum::new(
                nova,
                "First Light",
                Album,
                "2016",
                &[
                    "First Light",
                    "Morning Static",
                    "Paper Planes",
                    "Hollow Bay",
                    "Slow Bloom",
                    "Glasshouse",
                    "Violet Hour",
                    "Undertow",
                    "Daybreak",
                ],
            )
            .with_id(DEMO_YEAR_ALBUM_ID)
            .without_external_ids()
            .missing_on(&["tidal", "soundcloud", "audiomack", "boomplay", "napster"]),
            FakeAlbum::new(
                nova,
                "Tidal Hours",
                Album,
                "2027-03-19",
                &[
                    "High Water",
                    "Tidal Hours",
                    "Salt & Static",
                    "Moonpull",
                    "Undercurrent",
                    "Harbor Lights",
                    "Low Tide",
                    "Return",
                ],
            )
            .with_id(DEMO_UPCOMING_ALBUM_ID)
            // Announced: the stores that take pre-orders have it, streaming-only services do not yet.
            .missing_on(&[
                "youtube",
                "youtubeMusic",
                "tidal",
                "soundcloud",
                "pandora",
                "napster",
                "audiomack",
                "audius",
                "bandcamp",
                "anghami",
                "boomplay",
                "yandex",
            ]),
            FakeAlbum::new(
                nova,
                "Midnight Signal",
                Single,
                "2025-10-03",
                &["Midnight Signal"],
            )
            .with_id(DEMO_SINGLE_ALBUM_ID)
            .with_track_id(0, DEMO_SINGLE_TRACK_ID, DEMO_SINGLE_ISRC),
            FakeAlbum::new(
                nova,
                "Glass Harbor",
                Single,
                "2025-06-13",
                &["Glass Harbor", "Glass Harbor (Instrumental)"],
            ),
            FakeAlbum::new(
                nova,
                "Static Bloom",
                Single,
                "2024-05-10",
                &["Static Bloom"],
            )
            .missing_on(&["youtube", "youtubeMusic"]),
            FakeAlbum::new(
                nova,
                "Satellite Hearts",
                Single,
                "2023-11-17",
                &[
                    "Satellite Hearts (Radio Edit)",
                    "Satellite Hearts",
                    "Satellite Hearts (Marisol Vega Remix)",
                ],
            )
            .featuring(2, marisol),
            FakeAlbum::new(nova, "Polar Drift", Single, "2023-02-24", &["Polar Drift"])
                .without_external_ids(),
            FakeAlbum::new(nova, "Lanterns", Single, "2021-08", &["Lanterns"]),
            FakeAlbum::new(
                nova,
                "Low Orbit EP",
                Single,
                "2024-01-26",
                &[
                    "Low Orbit",
                    "Apogee",
                    "Weightless",
                    "Ground Control Blues",
                    "Re-entry",
                ],
            )
            .with_id(DEMO_EP_ALBUM_ID),
            FakeAlbum::new(
                nova,
                "Paper Moons EP",
                Single,
                "2020-10-02",
                &["Paper Moons", "Cut-Out Stars", "Cardboard Sky", "Fold"],
            )
            .without_external_ids(),
            FakeAlbum::new(
                nova,
                "Night Swim EP",
                Single,
                "2019-07-12",
                &[
                    "Night Swim",
                    "Chlorine",
                    "Deep End",
                    "Poolside at 3 AM",
                    "Lifeguard Off Duty",
                    "Towel",
                ],
            ),
            FakeAlbum::new(
                nova,
                "Early Works 2016–2020",
                Compilation,
                "2021-12-03",
                &[
                    "First Light",
                    "Paper Planes",
                    "Undertow",
                    "Night Swim",
                    "Deep End",
                    "Paper Moons",
                    "Fold",
                    "Morning Static",
                    "Glasshouse",
                    "Chlorine",
                    "Cut-Out Stars",
                    "Daybreak",
                ],
            )
            .with_id(DEMO_COMPILATION_ALBUM_ID),
            // Various Artists' compilation: on Nova Lights' and Marisol Vega's `appears_on` lists only.
            FakeAlbum::new(
                DEMO_VARIOUS_ARTISTS_ID,
                "Late Night Drive, Vol. 3",
                Compilation,
                "2025-02-14",
                &["Paper Kites", "Coastline Radio", "Sal y Luz", "Sundial"],
            )
            .with_id(DEMO_APPEARS_ON_ALBUM_ID)
            .with_artists(0, &kite_theory)
            .with_artists(1, nova)
            .with_artists(2, marisol)
            .with_artists(3, &sundial_club),
            FakeAlbum::new(
                marisol,
                "Cartas al Mar",
                Album,
                "2023-05-19",
                &[
                    "Cartas al Mar",
                    "Sal y Luz (Acústico)",
                    "Faro",
                    "Marea Alta",
                    "Brisa",
                    "Puerto Viejo",
                    "Espuma",
                    "Horizonte",
                ],
            ),
            FakeAlbum::new(marisol, "Sal y Luz", Single, "2025-08-29", &["Sal y Luz"]),
            FakeAlbum::new(
                &kite_theory,
                "Paper Kites",
                Single,
                "2024-11-08",
                &["Paper Kites"],
            ),
        ];
        for album in releases {
            catalog.add_album(album);
        }

        let mut night_drive = vec![DEMO_SINGLE_TRACK_ID.to_owned()];
        for album_id in [DEMO_ALBUM_ID, DEMO_APPEARS_ON_ALBUM_ID, DEMO_EP_ALBUM_ID] {
            if let Some(album) = catalog.album(album_id) {
                night_drive.extend(album.tracks.iter().take(3).map(|t| t.id.clone()));
            }
        }
        catalog.add_playlist(FakePlaylist {
            id: DEMO_PLAYLIST_ID.to_owned(),
            name: "Night Drive (Dropday demo)".to_owned(),
            description: "Synths for empty highways.".to_owned(),
            owner_id: "dropdaydemo".to_owned(),
            owner_name: Some("Dropday Demo".to_owned()),
            track_ids: night_drive,
        });
        catalog
    }
}

impl FakeAlbum {
    /// Track `index` is by `artist_id` alone.
    fn with_artists(mut self, index: usize, artist_id: &str) -> FakeAlbum {
        if let Some(track) = self.tracks.get_mut(index) {
            track.artist_ids = vec![artist_id.to_owned()];
        }
        self
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A Spotify-style id (22 base-62 characters) derived from `seed`.
pub fn fake_id(seed: &str) -> String {
    Sha256::digest(seed.as_bytes())
        .iter()
        .take(22)
        .map(|byte| BASE62[usize::from(*byte) % BASE62.len()] as char)
        .collect()
}

/// A number derived from `seed`, for catalogue numbers and durations.
pub fn seeded_number(seed: &str) -> u64 {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// The 24 hex digits that, after a size prefix, name an entity's image (as in `i.scdn.co/image/…`).
pub fn image_seed(id: &str) -> String {
    hex::encode(&Sha256::digest(format!("image/{id}").as_bytes())[..12])
}

/// A valid UPC-A (11 digits and the check digit) derived from `seed`.
fn upc(seed: &str) -> String {
    let body = format!("19{:09}", seeded_number(seed) % 1_000_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(index, digit)| u32::from(digit - b'0') * if index % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

// Spotify's image URLs start with a prefix that names the size; the fakes serve the same scheme.
pub(crate) const ALBUM_640: &str = "ab67616d0000b273";
pub(crate) const ALBUM_300: &str = "ab67616d00001e02";
pub(crate) const ALBUM_64: &str = "ab67616d00004851";
pub(crate) const ARTIST_640: &str = "ab6761610000e5eb";
pub(crate) const ARTIST_320: &str = "ab67616100005174";
pub(crate) const ARTIST_160: &str = "ab6761610000f178";
pub(crate) const PLAYLIST: &str = "ab67706c0000da84";

/// `GET /image/{prefix}{24 hex}`: the cover (or artist picture) as a PNG of the size the prefix names.
pub(crate) async fn cover(Path(key): Path<String>) -> Response {
    const SIZES: [(&str, u32); 7] = [
        (ALBUM_640, 640),
        (ALBUM_300, 300),
        (ALBUM_64, 64),
        (ARTIST_640, 640),
        (ARTIST_320, 320),
        (ARTIST_160, 160),
        (PLAYLIST, 640),
    ];
    let found = SIZES.iter().find_map(|(prefix, size)| {
        let seed = key.strip_prefix(prefix)?;
        (seed.len() == 24 && seed.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| (seed.to_owned(), *size))
    });
    let Some((seed, size)) = found else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A 640-pixel gradient is a few milliseconds of arithmetic; keep it off the async workers.
    match tokio::task::spawn_blocking(move || cover_png(&seed, size)).await {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            png,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Cover art: a PNG of `size`² pixels, a diagonal gradient between two colours taken from `seed`, so every
/// release has its own recognisable cover and the sandbox's pages have real images to show.
pub fn cover_png(seed: &str, size: u32) -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    use std::io::Write as _;

    let digest = Sha256::digest(seed.as_bytes());
    let (from, to) = (
        [digest[0], digest[1], digest[2]],
        [digest[3], digest[4], digest[5]],
    );
    let size = size.clamp(1, 1024);
    let mut raw = Vec::with_capacity((size as usize * 3 + 1) * size as usize);
    for y in 0..size {
        raw.push(0); // filter: none
        for x in 0..size {
            let t = (x + y) as f32 / (2 * size) as f32;
            for channel in 0..3 {
                let value = f32::from(from[channel]) * (1.0 - t) + f32::from(to[channel]) * t;
                raw.push(value as u8);
            }
        }
    }
    let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(&raw);
    let compressed = encoder.finish().unwrap_or_default();

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    png_chunk(&mut png, b"IHDR", &header);
    png_chunk(&mut png, b"IDAT", &compressed);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.sum().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_spotify_id(id: &str) -> bool {
        id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    #[test]
    fn the_demo_catalog_is_consistent() {
        let catalog = FakeCatalog::demo();
        let data = catalog.data();
        let mut ids: Vec<&str> = data.artists.iter().map(|a| a.id.as_str()).collect();
        ids.extend(data.albums.iter().map(|a| a.id.as_str()));
        ids.extend(
            data.albums
                .iter()
                .flat_map(|a| a.tracks.iter().map(|t| t.id.as_str())),
        );
        ids.extend(data.playlists.iter().map(|p| p.id.as_str()));
        for id in &ids {
            assert!(is_spotify_id(id), "{id}");
        }
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "ids are unique");
        for album in &data.albums {
            for artist in album
                .artist_ids
                .iter()
                .chain(album.tracks.iter().flat_map(|t| &t.artist_ids))
            {
                assert!(
                    data.artists.iter().any(|a| a.id == *artist),
                    "{artist} on {}",
                    album.name
                );
            }
            if let Some(upc) = &album.upc {
                assert_eq!(upc.len(), 12, "{upc}");
            }
        }
        drop(data);

        let groups = [
            AlbumGroup::Album,
            AlbumGroup::Single,
            AlbumGroup::Compilation,
        ];
        let nova = catalog.artist_albums(DEMO_ARTIST_ID, &groups);
        assert_eq!(nova.len(), DEMO_RELEASE_COUNT);
        assert!(nova
            .iter()
            .all(|album| album.id != DEMO_APPEARS_ON_ALBUM_ID));
        let eps = nova
            .iter()
            .filter(|a| a.album_type == AlbumType::Single && (4..=6).contains(&a.tracks.len()))
            .count();
        assert_eq!(eps, 3);
        assert_eq!(
            nova[0].id, DEMO_UPCOMING_ALBUM_ID,
            "albums first, newest first"
        );
        let with_appears_on = catalog.artist_albums(DEMO_ARTIST_ID, &AlbumGroup::ALL);
        assert_eq!(
            with_appears_on.last().map(|a| a.id.as_str()),
            Some(DEMO_APPEARS_ON_ALBUM_ID)
        );
        assert_eq!(
            catalog.artist_albums(DEMO_SECOND_ARTIST_ID, &groups).len(),
            DEMO_SECOND_ARTIST_RELEASE_COUNT
        );
        let album = catalog.album(DEMO_ALBUM_ID).unwrap();
        assert_eq!(
            (album.tracks.len(), album.upc.as_deref()),
            (10, Some(DEMO_ALBUM_UPC))
        );
        let (track, single) = catalog.track(DEMO_SINGLE_TRACK_ID).unwrap();
        assert_eq!(single.id, DEMO_SINGLE_ALBUM_ID);
        assert_eq!(track.isrc.as_deref(), Some(DEMO_SINGLE_ISRC));
        assert_eq!(
            catalog
                .album(DEMO_YEAR_ALBUM_ID)
                .unwrap()
                .release_date_precision,
            "year"
        );
    }

    #[test]
    fn upcs_carry_a_valid_check_digit() {
        for upc in [upc("a"), upc("b"), DEMO_ALBUM_UPC.to_owned()] {
            let digits: Vec<u32> = upc.bytes().map(|b| u32::from(b - b'0')).collect();
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| d * if i % 2 == 0 { 3 } else { 1 })
                .sum();
            assert_eq!(sum % 10, 0, "{upc}");
        }
    }

    #[test]
    fn covers_are_pngs() {
        let png = cover_png("seed", 64);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[16..20], &64u32.to_be_bytes());
        assert_eq!(cover_png("seed", 64), png, "deterministic");
        assert_ne!(cover_png("other", 64), png);
    }
}
