//! The one configuration struct. Every setting is a command-line flag and an environment variable of the same
//! name (`--database-url` / `DROPDAY_DATABASE_URL`), with one default.
use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "dropday",
    version,
    about = "Dropday: one link per release, pre-save page to smart link"
)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address the HTTP server listens on.
    #[arg(long, env = "DROPDAY_LISTEN_ADDR", default_value = "127.0.0.1:3000")]
    pub listen_addr: SocketAddr,

    /// The URL fans and the dashboard reach this server at (used in canonical links, OAuth callbacks, cookies).
    #[arg(
        long,
        env = "DROPDAY_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,

    /// `sqlite://path/to/file.db?mode=rwc` or `postgres://user:pass@host/db`. Default: a SQLite file in the data
    /// directory, created on first start.
    #[arg(long, env = "DROPDAY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where the default SQLite database and the development secret key live.
    #[arg(long, env = "DROPDAY_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// 32 bytes as 64 hex characters; encrypts tokens and signs sessions. Required in production; in development
    /// it is generated on first start and kept in `<data-dir>/secret.key`.
    #[arg(long, env = "DROPDAY_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// `development` seeds demo data into an empty database and generates a secret key; `production` does
    /// neither.
    #[arg(long, env = "DROPDAY_ENVIRONMENT", value_enum, default_value_t = Environment::Development)]
    pub environment: Environment,

    /// Seed the demo organization, artist and releases (skipped when already present).
    #[arg(long, env = "DROPDAY_DEMO")]
    pub demo: bool,

    /// Whether anyone may create an account (and with it their own organization) at /sign-up. Set to `false` to
    /// admit people by invitation only.
    #[arg(long, env = "DROPDAY_OPEN_SIGN_UP", default_value_t = true, action = clap::ArgAction::Set)]
    pub open_sign_up: bool,

    /// Log filter, e.g. `info` or `info,server=debug,sqlx=warn`.
    #[arg(long, env = "DROPDAY_LOG", default_value = "info")]
    pub log: String,

    #[arg(long, env = "DROPDAY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// How long in-flight requests and background work get to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "DROPDAY_SHUTDOWN_TIMEOUT_SECS", default_value_t = 10)]
    pub shutdown_timeout_secs: u64,

    /// A request header your CDN or proxy sets to the visitor's country (e.g. `CF-IPCountry`). Only set this
    /// behind a proxy that overwrites it: fans could send it themselves.
    #[arg(long, env = "DROPDAY_COUNTRY_HEADER")]
    pub country_header: Option<String>,

    /// A MaxMind-format country database (GeoLite2-Country.mmdb, DB-IP country lite, ...) used when no country
    /// header is present.
    #[arg(long, env = "DROPDAY_GEOIP_DATABASE")]
    pub geoip_database: Option<PathBuf>,

    /// Behind a proxy: the header carrying the client address (e.g. `X-Forwarded-For`; its last entry is used).
    #[arg(long, env = "DROPDAY_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// How long a rendered fan page is served from memory before rendering again (edits on this instance and
    /// release moments take effect at once regardless).
    #[arg(long, env = "DROPDAY_PAGE_CACHE_TTL_SECS", default_value_t = 60)]
    pub page_cache_ttl_secs: u64,

    /// Analytics events that may wait in memory for the batch writer; beyond this they are dropped and counted.
    #[arg(long, env = "DROPDAY_EVENT_BUFFER", default_value_t = 50_000)]
    pub event_buffer: usize,

    /// A bearer token for `/metrics` (Prometheus text). Unset: only requests straight from this machine (loopback,
    /// without proxy headers) may read it.
    #[arg(long, env = "DROPDAY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// The built site (WASM, CSS, public assets) that cargo-leptos writes.
    #[arg(long, env = "DROPDAY_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// The SMTP server for outgoing email (invitations): `smtp://user:pass@host:587` (STARTTLS, required),
    /// `smtps://user:pass@host:465` (implicit TLS), or `smtp://127.0.0.1:2525?tls=none` (loopback only). Unset:
    /// emails wait in the database outbox and nothing is sent.
    #[arg(long, env = "DROPDAY_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of outgoing email.
    #[arg(long, env = "DROPDAY_MAIL_FROM", default_value = crate::mail::DEFAULT_MAIL_FROM)]
    pub mail_from: String,

    /// A Spotify app's client id (developer.spotify.com): reads releases and discographies from Spotify's
    /// catalog. Without it, releases are made by hand (and development runs use the local sandbox).
    #[arg(long, env = "DROPDAY_SPOTIFY_CLIENT_ID")]
    pub spotify_client_id: Option<String>,

    #[arg(long, env = "DROPDAY_SPOTIFY_CLIENT_SECRET", hide_env_values = true)]
    pub spotify_client_secret: Option<String>,

    #[arg(
        long,
        env = "DROPDAY_SPOTIFY_ACCOUNTS_URL",
        default_value = "https://accounts.spotify.com"
    )]
    pub spotify_accounts_url: String,

    #[arg(
        long,
        env = "DROPDAY_SPOTIFY_API_URL",
        default_value = "https://api.spotify.com/v1"
    )]
    pub spotify_api_url: String,

    /// Odesli (song.link), which finds a release's links on the other services.
    #[arg(
        long,
        env = "DROPDAY_ODESLI_URL",
        default_value = "https://api.song.link"
    )]
    pub odesli_url: String,

    /// An Odesli API key raises its limit from 10 to 60 requests a minute.
    #[arg(long, env = "DROPDAY_ODESLI_API_KEY", hide_env_values = true)]
    pub odesli_api_key: Option<String>,

    /// Odesli requests per minute; default 10, or 60 with a key. Lookups queue rather than exceed it.
    #[arg(long, env = "DROPDAY_ODESLI_REQUESTS_PER_MINUTE")]
    pub odesli_requests_per_minute: Option<u32>,

    /// The country whose Odesli answer fills in a release's services.
    #[arg(long, env = "DROPDAY_LINK_DEFAULT_COUNTRY", default_value = "US")]
    pub link_default_country: String,

    /// Further countries asked for links that differ there (Apple Music and Amazon storefronts), comma-separated.
    /// Each costs one Odesli request per release.
    #[arg(long, env = "DROPDAY_LINK_COUNTRIES", default_value = "GB,DE,FR,JP,BR")]
    pub link_countries: String,

    /// Which Spotify endpoints write pre-saves to fans' libraries: `unified` (`PUT /me/library`, the only one a
    /// development-mode app has since 2026) or `type-specific` (`/me/albums`, `/me/following`, ...: extended-quota
    /// apps).
    #[arg(long, env = "DROPDAY_SPOTIFY_LIBRARY_API", value_enum, default_value_t = LibraryApiChoice::Unified)]
    pub spotify_library_api: LibraryApiChoice,

    /// Spotify Web API requests per second for pre-save delivery, shared by all instances. Spotify does not
    /// publish its limit (a rolling 30-second window, higher for extended-quota apps); 429s slow delivery down
    /// by their `Retry-After` either way.
    #[arg(
        long,
        env = "DROPDAY_SPOTIFY_REQUESTS_PER_SECOND",
        default_value_t = 5.0
    )]
    pub spotify_requests_per_second: f64,

    /// How long one request to Spotify may take before it counts as failed.
    #[arg(long, env = "DROPDAY_SPOTIFY_TIMEOUT_SECS", default_value_t = 10)]
    pub spotify_timeout_secs: u64,

    /// How long a delivery worker holds the fans it took; after a crash their pre-saves wait this long. At least
    /// three times `--spotify-timeout-secs`: a request must finish inside the lease that covers it.
    #[arg(long, env = "DROPDAY_PRESAVE_LEASE_SECS", default_value_t = 60)]
    pub presave_lease_secs: u64,

    /// Earlier secret keys (comma-separated, 64 hex characters each), kept after a rotation so that tokens they
    /// sealed still open; each token is sealed anew under the current key at its next refresh.
    #[arg(long, env = "DROPDAY_PREVIOUS_SECRET_KEYS", hide_env_values = true)]
    pub previous_secret_keys: Option<String>,

    /// Meta's Graph API, where Conversions API events go (`{url}/{version}/{pixel}/events`).
    #[arg(
        long,
        env = "DROPDAY_META_API_URL",
        default_value = "https://graph.facebook.com"
    )]
    pub meta_api_url: String,

    #[arg(long, env = "DROPDAY_META_API_VERSION", default_value = "v21.0")]
    pub meta_api_version: String,

    /// TikTok's Business API, where Events API events go.
    #[arg(
        long,
        env = "DROPDAY_TIKTOK_API_URL",
        default_value = "https://business-api.tiktok.com"
    )]
    pub tiktok_api_url: String,

    /// Google Analytics' Measurement Protocol host.
    #[arg(
        long,
        env = "DROPDAY_GA4_API_URL",
        default_value = "https://www.google-analytics.com"
    )]
    pub ga4_api_url: String,

    /// The Meta Pixel script fans' browsers load (after consent).
    #[arg(
        long,
        env = "DROPDAY_META_PIXEL_SCRIPT",
        default_value = "https://connect.facebook.net/en_US/fbevents.js"
    )]
    pub meta_pixel_script: String,

    /// The TikTok Pixel script fans' browsers load (after consent).
    #[arg(
        long,
        env = "DROPDAY_TIKTOK_PIXEL_SCRIPT",
        default_value = "https://analytics.tiktok.com/i18n/pixel/events.js"
    )]
    pub tiktok_pixel_script: String,

    /// The gtag.js script fans' browsers load for GA4 (after consent).
    #[arg(
        long,
        env = "DROPDAY_GA4_SCRIPT",
        default_value = "https://www.googletagmanager.com/gtag/js"
    )]
    pub ga4_script: String,

    /// How long one request to an ad platform may take before it counts as failed (and is retried).
    #[arg(long, env = "DROPDAY_ADS_TIMEOUT_SECS", default_value_t = 10)]
    pub ads_timeout_secs: u64,

    /// Stripe's API, for selling packages and base fees through Stripe Checkout.
    #[arg(
        long,
        env = "DROPDAY_STRIPE_API_URL",
        default_value = "https://api.stripe.com"
    )]
    pub stripe_api_url: String,

    /// Stripe secret key (`sk_live_…` or `sk_test_…`). Without it (and outside the sandbox) nothing is sold:
    /// organizations can still grant access by hand.
    #[arg(long, env = "DROPDAY_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// The signing secret (`whsec_…`) of the webhook endpoint `<public-url>/webhooks/stripe`.
    #[arg(long, env = "DROPDAY_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// Run local fake Spotify, Odesli and ad platforms (Meta, TikTok, GA4) and use them: `true` for demos and
    /// tests. Default: on in development when no Spotify credentials are set, off otherwise.
    #[arg(long, env = "DROPDAY_SANDBOX", action = clap::ArgAction::Set)]
    pub sandbox: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an organization, artist and release from a JSON file (`-` reads standard input); prints the fan
    /// page's path. See README.md for the format.
    Import {
        /// The JSON document, or `-` for standard input.
        file: PathBuf,
    },
    /// Manage accounts from the server's shell (the first admin, a lost password).
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AdminCommand {
    /// Create an organization and its first admin. The password is read from `--password-file` (`-` for standard
    /// input), or generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        /// The admin's name as their team sees it.
        #[arg(long, default_value = "Admin")]
        name: String,
        /// The organization's name (a label, distributor or artist team).
        #[arg(long)]
        organization: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Give an account a new password (generated and printed, or from `--password-file`) and end its sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LibraryApiChoice {
    Unified,
    TypeSpecific,
}

impl From<LibraryApiChoice> for app::server::presave::spotify_user::LibraryApi {
    fn from(choice: LibraryApiChoice) -> Self {
        match choice {
            LibraryApiChoice::Unified => Self::Unified,
            LibraryApiChoice::TypeSpecific => Self::TypeSpecific,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The server's secret key material.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn parse(hex_text: &str) -> anyhow::Result<Self> {
        let bytes = hex::decode(hex_text.trim()).context("the secret key must be hex")?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            anyhow::anyhow!("the secret key must be exactly 32 bytes (64 hex characters)")
        })?;
        Ok(SecretKey(bytes))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl Config {
    /// Defaults only, as if started without flags or environment (for tests).
    pub fn for_tests(database_url: String) -> Self {
        let mut config = Config::parse_from(["dropday"]);
        config.database_url = Some(database_url);
        config.listen_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.secret_key = Some("00".repeat(32));
        config
    }

    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("dropday.db").display()
        ))
    }

    /// The public URL without its trailing slash.
    pub fn public_url(&self) -> anyhow::Result<String> {
        let url = self.public_url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("--public-url must start with http:// or https://, got {url:?}");
        }
        Ok(url.to_owned())
    }

    /// Whether the local fake Spotify and Odesli run and stand in for the real ones.
    pub fn sandbox(&self) -> bool {
        self.sandbox.unwrap_or(
            self.environment == Environment::Development && self.spotify_client_id.is_none(),
        )
    }

    /// The link lookup countries: the default one, then the others (duplicates dropped).
    pub fn link_countries(
        &self,
    ) -> anyhow::Result<(app::types::CountryCode, Vec<app::types::CountryCode>)> {
        use app::types::CountryCode;
        let default = CountryCode::parse(&self.link_default_country).with_context(|| {
            format!(
                "--link-default-country: {:?} is not a country code",
                self.link_default_country
            )
        })?;
        let mut others = Vec::new();
        for code in self
            .link_countries
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let country = CountryCode::parse(code)
                .with_context(|| format!("--link-countries: {code:?} is not a country code"))?;
            if country != default && !others.contains(&country) {
                others.push(country);
            }
        }
        Ok((default, others))
    }

    /// The keys of `--previous-secret-keys`.
    pub fn previous_secret_keys(&self) -> anyhow::Result<Vec<SecretKey>> {
        self.previous_secret_keys
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(|key| SecretKey::parse(key).context("DROPDAY_PREVIOUS_SECRET_KEYS"))
            .collect()
    }

    pub fn secret_key(&self) -> anyhow::Result<SecretKey> {
        match (&self.secret_key, self.environment) {
            (Some(text), _) => SecretKey::parse(text).context("DROPDAY_SECRET_KEY"),
            (None, Environment::Production) => bail!(
                "DROPDAY_SECRET_KEY is required in production: 64 hex characters, e.g. from `openssl rand -hex 32`"
            ),
            (None, Environment::Development) => development_secret_key(&self.data_dir),
        }
    }
}

/// Reads `<data_dir>/secret.key`, creating it with fresh random bytes (readable by the owner only) on first start.
fn development_secret_key(data_dir: &Path) -> anyhow::Result<SecretKey> {
    let path = data_dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return SecretKey::parse(&text).with_context(|| format!("the key in {}", path.display()));
    }
    std::fs::create_dir_all(data_dir)?;
    let key: [u8; 32] = rand::random();
    let text = hex::encode(key);
    write_private(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a development secret key");
    Ok(SecretKey(key))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_defaults() {
        let config = Config::parse_from([
            "dropday",
            "--listen-addr",
            "0.0.0.0:8080",
            "--log-format",
            "json",
        ]);
        assert_eq!(config.listen_addr, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.public_url().unwrap(), "http://127.0.0.1:3000");
    }

    #[test]
    fn production_requires_a_secret_key() {
        let config = Config::parse_from(["dropday", "--environment", "production"]);
        let error = config.secret_key().unwrap_err().to_string();
        assert!(error.contains("DROPDAY_SECRET_KEY is required"), "{error}");
        let short = Config::parse_from(["dropday", "--secret-key", "abcd"]);
        assert!(format!("{:#}", short.secret_key().unwrap_err()).contains("exactly 32 bytes"));
    }

    #[test]
    fn development_key_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse_from(["dropday", "--data-dir", dir.path().to_str().unwrap()]);
        let first = config.secret_key().unwrap();
        let second = config.secret_key().unwrap();
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn rejects_a_public_url_without_scheme() {
        let config = Config::parse_from(["dropday", "--public-url", "links.example.com"]);
        assert!(config.public_url().is_err());
    }
}
