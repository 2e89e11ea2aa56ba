//! Sending email over SMTP. The [`Mailer`] is built once from `--smtp-url` and `--mail-from`; the outbox worker
//! (`jobs::outbox`) is its only caller, so a message is always a database row before it is an SMTP transaction.
//!
//! Accepted URLs:
//! - `smtp://user:pass@host:587`: STARTTLS, required (no credentials or mail go out in clear text);
//! - `smtps://user:pass@host:465`: TLS from the first byte (implicit TLS);
//! - `smtp://host:port?tls=none`: no TLS at all, only for loopback hosts (a local relay, a test fake).
//!
//! User name and password may be percent-encoded (`%40` for `@`).
use app::server::models::outbox::OutgoingEmail;
use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use std::net::IpAddr;
use std::time::Duration;

/// How long one SMTP command (connect, EHLO, DATA, ...) may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a whole delivery (connect, TLS, authentication, the transaction, QUIT) may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

pub const DEFAULT_MAIL_FROM: &str = "Dropday <no-reply@localhost>";

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connect, then STARTTLS; refusing to continue without it.
    StartTls,
    /// TLS from the first byte (`smtps://`, usually port 465).
    ImplicitTls,
    /// No TLS (`?tls=none`): loopback hosts only.
    None,
}

/// A parsed `--smtp-url`. Its `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub security: SmtpSecurity,
    pub host: String,
    pub port: u16,
    /// User name and password, percent-decoded.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "user",
                &self.credentials.as_ref().map(|(user, _)| user.as_str()),
            )
            .finish()
    }
}

impl std::fmt::Display for SmtpUrl {
    /// The URL without credentials, for logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.security {
            SmtpSecurity::StartTls => write!(f, "smtp://{host}:{} (STARTTLS)", self.port),
            SmtpSecurity::ImplicitTls => write!(f, "smtps://{host}:{}", self.port),
            SmtpSecurity::None => write!(f, "smtp://{host}:{}?tls=none", self.port),
        }
    }
}

/// Why a `--smtp-url` or `--mail-from` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailConfigError(String);

fn config_error(message: impl Into<String>) -> MailConfigError {
    MailConfigError(message.into())
}

impl std::str::FromStr for SmtpUrl {
    type Err = MailConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (scheme, rest) = text.split_once("://").ok_or_else(|| {
            config_error(
                "--smtp-url must look like smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465",
            )
        })?;
        let implicit_tls = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(config_error(format!(
                    "--smtp-url: unsupported scheme {other:?}; use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
                )))
            }
        };
        if rest.contains('#') {
            return Err(config_error("--smtp-url must not contain a fragment (#)"));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(slash) => before_query.split_at(slash),
            None => (before_query, ""),
        };
        if !path.is_empty() && path != "/" {
            return Err(config_error(format!(
                "--smtp-url takes no path, got {path:?}"
            )));
        }
        // The password may contain '@' only percent-encoded, but be lenient: the host follows the last '@'.
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let credentials = userinfo
            .map(|userinfo| {
                let (user, password) = userinfo.split_once(':').ok_or_else(|| {
                    config_error(
                        "--smtp-url: credentials need a user name and a password (user:pass@host)",
                    )
                })?;
                let user = percent_decode(user)?;
                let password = percent_decode(password)?;
                if user.is_empty() || password.is_empty() {
                    return Err(config_error(
                        "--smtp-url: credentials need a user name and a password (user:pass@host)",
                    ));
                }
                Ok((user, password))
            })
            .transpose()?;
        let (host, port) = split_host_port(host_port)?;

        let mut tls_none = false;
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            match pair.split_once('=') {
                Some(("tls", "none")) if !implicit_tls => tls_none = true,
                Some(("tls", "required" | "starttls")) if !implicit_tls => tls_none = false,
                Some(("tls", value)) => {
                    return Err(config_error(format!(
                        "--smtp-url: tls={value} is not supported with {scheme}://; smtp:// means STARTTLS (or \
                         tls=none for a loopback relay), smtps:// means implicit TLS"
                    )))
                }
                _ => {
                    return Err(config_error(format!(
                        "--smtp-url: unknown parameter {pair:?} (only tls=none is understood)"
                    )))
                }
            }
        }
        if tls_none && !is_loopback(&host) {
            return Err(config_error(format!(
                "--smtp-url: tls=none is only allowed for a loopback host (localhost, 127.0.0.1, ::1), not {host:?}; \
                 use STARTTLS (smtp://) or implicit TLS (smtps://)"
            )));
        }
        let security = match (implicit_tls, tls_none) {
            (true, _) => SmtpSecurity::ImplicitTls,
            (false, true) => SmtpSecurity::None,
            (false, false) => SmtpSecurity::StartTls,
        };
        let port = port.unwrap_or(match security {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::ImplicitTls => 465,
            SmtpSecurity::None => 25,
        });
        Ok(SmtpUrl {
            security,
            host,
            port,
            credentials,
        })
    }
}

fn split_host_port(text: &str) -> Result<(String, Option<u16>), MailConfigError> {
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| config_error("--smtp-url: unclosed '[' in the host"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(config_error(format!(
                "--smtp-url: {host:?} is not an IPv6 address"
            )));
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| {
                config_error("--smtp-url: expected :port after the IPv6 address")
            })?),
        };
        (host, port)
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.contains(':')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')));
    if !host_ok {
        return Err(config_error(format!(
            "--smtp-url: {host:?} is not a valid host name"
        )));
    }
    let port = port
        .map(|port| {
            port.parse::<u16>()
                .ok()
                .filter(|port| *port != 0)
                .ok_or_else(|| config_error(format!("--smtp-url: {port:?} is not a valid port")))
        })
        .transpose()?;
    Ok((host.to_ascii_lowercase(), port))
}

fn percent_decode(text: &str) -> Result<String, MailConfigError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| {
                    config_error("--smtp-url: invalid percent-encoding in the credentials")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| config_error("--smtp-url: the credentials are not valid UTF-8"))
}

/// `localhost` or a loopback address: the only hosts mail may go to without TLS.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why a delivery failed, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// A 4xx answer, a connection, TLS or timeout problem: try again later.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// A 5xx answer or a message that cannot be built (a malformed address): retrying cannot help.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }

    /// Permanent for a 5xx reply; everything else (4xx, connection, TLS, timeouts, garbled replies) is transient.
    fn from_smtp(error: lettre::transport::smtp::Error) -> SendError {
        let text = error_chain(&error);
        if error.is_permanent() {
            SendError::Permanent(text)
        } else {
            SendError::Transient(text)
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Sends plain-text mail through one configured SMTP server. Opens a connection per message (invitations and
/// notices are rare), with timeouts on every step.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    url: SmtpUrl,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("url", &self.url)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// `hello_name` is the name announced in EHLO (the public URL's host is a good choice); `None` sends an
    /// address literal.
    pub fn new(
        url: SmtpUrl,
        from: &str,
        hello_name: Option<&str>,
    ) -> Result<Mailer, MailConfigError> {
        let from = parse_from(from)?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
            .port(url.port)
            .timeout(Some(COMMAND_TIMEOUT));
        builder = match url.security {
            SmtpSecurity::None => builder.tls(Tls::None),
            SmtpSecurity::StartTls | SmtpSecurity::ImplicitTls => {
                let parameters = TlsParameters::new(url.host.clone()).map_err(|error| {
                    config_error(format!(
                        "--smtp-url: cannot set up TLS for {:?}: {error}",
                        url.host
                    ))
                })?;
                builder.tls(if url.security == SmtpSecurity::StartTls {
                    Tls::Required(parameters)
                } else {
                    Tls::Wrapper(parameters)
                })
            }
        };
        if let Some((user, password)) = &url.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        if let Some(name) = hello_name.map(str::trim).filter(|name| !name.is_empty()) {
            builder = builder.hello_name(match name.parse::<IpAddr>() {
                Ok(IpAddr::V4(ip)) => ClientId::Ipv4(ip),
                Ok(IpAddr::V6(ip)) => ClientId::Ipv6(ip),
                Err(_) => ClientId::Domain(name.to_owned()),
            });
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            url,
        })
    }

    /// The mailer `--smtp-url` and `--mail-from` describe, or `None` when no SMTP server is configured.
    pub fn from_config(config: &crate::config::Config) -> Result<Option<Mailer>, MailConfigError> {
        let Some(text) = config
            .smtp_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
        else {
            return Ok(None);
        };
        let url: SmtpUrl = text.parse()?;
        let hello = config
            .public_url()
            .ok()
            .and_then(|public| public_host(&public));
        Mailer::new(url, &config.mail_from, hello.as_deref()).map(Some)
    }

    pub fn url(&self) -> &SmtpUrl {
        &self.url
    }

    pub fn from_address(&self) -> &Mailbox {
        &self.from
    }

    /// Delivers `email`. `message_key` becomes the Message-ID's left part (`<key@from-domain>`): give the same key
    /// to every attempt of one message so a receiver can spot a duplicate; `date` fills the Date header.
    pub async fn send(
        &self,
        email: &OutgoingEmail,
        message_key: &str,
        date: DateTime<Utc>,
    ) -> Result<(), SendError> {
        let message = self.message(email, message_key, date)?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(error)) => Err(SendError::from_smtp(error)),
            Err(_) => Err(SendError::Transient(format!(
                "no answer from {} within {} s",
                self.url,
                SEND_TIMEOUT.as_secs()
            ))),
        }
    }

    /// The MIME message for `email`: plain text, UTF-8, headers encoded by lettre (so a line break in a subject
    /// cannot add a header).
    fn message(
        &self,
        email: &OutgoingEmail,
        message_key: &str,
        date: DateTime<Utc>,
    ) -> Result<Message, SendError> {
        let to: Mailbox = email.to.trim().parse().map_err(|error| {
            SendError::Permanent(format!("the recipient address is not valid: {error}"))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!(
                "<{message_key}@{}>",
                self.from.email.domain()
            )))
            .date(date.into())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body_text.clone())
            .map_err(|error| SendError::Permanent(format!("cannot build the message: {error}")))
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailConfigError> {
    from.trim().parse::<Mailbox>().map_err(|error| {
        config_error(format!(
            "--mail-from: {from:?} is not a valid sender ({error}); use e.g. `Dropday <no-reply@example.com>`"
        ))
    })
}

/// `https://links.example.com:8443/x` → `links.example.com`.
fn public_host(public_url: &str) -> Option<String> {
    let rest = public_url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split_once(']')?.0
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<SmtpUrl, MailConfigError> {
        url.parse()
    }

    #[test]
    fn parses_good_urls() {
        let starttls = parse("smtp://mailer:s3cret@smtp.example.com:587").unwrap();
        assert_eq!(starttls.security, SmtpSecurity::StartTls);
        assert_eq!(starttls.host, "smtp.example.com");
        assert_eq!(starttls.port, 587);
        assert_eq!(
            starttls.credentials,
            Some(("mailer".to_owned(), "s3cret".to_owned()))
        );

        let implicit = parse("smtps://apikey:p%40ss%3Aw0rd@Smtp.Example.com").unwrap();
        assert_eq!(implicit.security, SmtpSecurity::ImplicitTls);
        assert_eq!(implicit.host, "smtp.example.com");
        assert_eq!(implicit.port, 465);
        assert_eq!(
            implicit.credentials,
            Some(("apikey".to_owned(), "p@ss:w0rd".to_owned()))
        );

        let default_port = parse("smtp://relay.example.com/").unwrap();
        assert_eq!(
            (default_port.security, default_port.port),
            (SmtpSecurity::StartTls, 587)
        );
        assert_eq!(default_port.credentials, None);

        let local = parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (local.security, local.host.as_str(), local.port),
            (SmtpSecurity::None, "127.0.0.1", 2525)
        );
        assert_eq!(
            parse("smtp://localhost?tls=none").unwrap().security,
            SmtpSecurity::None
        );
        let v6 = parse("smtp://[::1]:25?tls=none").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 25));
        assert_eq!(
            parse("smtp://relay.example.com?tls=required")
                .unwrap()
                .security,
            SmtpSecurity::StartTls
        );
    }

    #[test]
    fn refuses_bad_urls() {
        for (url, expected) in [
            ("http://smtp.example.com", "unsupported scheme"),
            ("smtp.example.com:587", "must look like"),
            ("smtp://smtp.example.com:587?tls=none", "loopback"),
            ("smtp://10.0.0.5?tls=none", "loopback"),
            ("smtp://127.0.0.1.example.com?tls=none", "loopback"),
            ("smtps://127.0.0.1?tls=none", "not supported"),
            ("smtp://smtp.example.com?tls=opportunistic", "not supported"),
            ("smtp://smtp.example.com?foo=bar", "unknown parameter"),
            ("smtp://user@smtp.example.com", "user name and a password"),
            ("smtp://:pw@smtp.example.com", "user name and a password"),
            ("smtp://smtp.example.com:0", "not a valid port"),
            ("smtp://smtp.example.com:99999", "not a valid port"),
            ("smtp://smtp.example.com:587/inbox", "no path"),
            ("smtp://", "not a valid host"),
            ("smtp://bad host", "not a valid host"),
            ("smtp://u:p%zz@smtp.example.com", "percent-encoding"),
        ] {
            let error = parse(url).expect_err(url).to_string();
            assert!(error.contains(expected), "{url}: {error}");
        }
    }

    #[test]
    fn debug_and_display_hide_the_password() {
        let url = parse("smtps://mailer:hunter2@smtp.example.com").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
        assert_eq!(url.to_string(), "smtps://smtp.example.com:465");
        let mailer = Mailer::new(url, DEFAULT_MAIL_FROM, None).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }

    #[test]
    fn from_address_is_checked() {
        let url = parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert!(Mailer::new(url.clone(), "Dropday <no-reply@example.com>", None).is_ok());
        let error = Mailer::new(url, "not an address", None).unwrap_err();
        assert!(error.to_string().contains("--mail-from"), "{error}");
    }

    #[test]
    fn config_without_smtp_has_no_mailer() {
        let config = crate::config::Config::for_tests("sqlite::memory:".into());
        assert!(Mailer::from_config(&config).unwrap().is_none());
        assert_eq!(config.mail_from, DEFAULT_MAIL_FROM);
        let mut config = config;
        config.smtp_url = Some("smtp://mail.example.com?tls=none".into());
        assert!(Mailer::from_config(&config).is_err());
        config.smtp_url = Some("smtp://u:p@mail.example.com".into());
        let mailer = Mailer::from_config(&config).unwrap().unwrap();
        assert_eq!(mailer.url().port, 587);
    }

    #[test]
    fn messages_resist_header_injection_and_bad_recipients() {
        let url = parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        let mailer = Mailer::new(url, "Dropday <no-reply@dropday.test>", None).unwrap();
        let email = OutgoingEmail {
            to: "fan@example.com".into(),
            subject: "Hello\r\nBcc: victim@example.com".into(),
            body_text: "Body".into(),
        };
        let date = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 2, 3, 4, 5).unwrap();
        let message = mailer.message(&email, "outbox.7.1", date).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(
            !text
                .lines()
                .any(|line| line.to_ascii_lowercase().starts_with("bcc:")),
            "{text}"
        );
        assert!(
            text.contains("Message-ID: <outbox.7.1@dropday.test>"),
            "{text}"
        );
        assert!(
            text.contains("Date: Fri, 02 Jan 2026 03:04:05 +0000"),
            "{text}"
        );
        assert_eq!(message.envelope().to().len(), 1);

        for bad in [
            "not-an-address",
            "a@b.example, c@d.example",
            "x@y.example\r\nRCPT TO:<z@z.example>",
        ] {
            let email = OutgoingEmail {
                to: bad.into(),
                ..email.clone()
            };
            let error = mailer.message(&email, "k", date).unwrap_err();
            assert!(error.is_permanent(), "{bad}: {error}");
        }
    }

    #[test]
    fn public_host_for_ehlo() {
        assert_eq!(
            public_host("https://links.example.com:8443/x").as_deref(),
            Some("links.example.com")
        );
        assert_eq!(
            public_host("http://127.0.0.1:3000").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(public_host("http://[::1]:3000").as_deref(), Some("::1"));
    }
}
