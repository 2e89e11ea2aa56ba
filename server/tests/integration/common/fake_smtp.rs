//! A fake SMTP server on 127.0.0.1:0 that speaks enough real SMTP for lettre (greeting, EHLO/HELO, MAIL FROM,
//! RCPT TO, DATA with dot-stuffing, RSET, NOOP, QUIT), records every accepted message, and can be told to refuse
//! the next N transactions with a given reply code (451 transient, 550 permanent, ...) at RCPT TO.
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One message the fake accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    /// The MAIL FROM reverse path, without angle brackets.
    pub mail_from: String,
    /// The RCPT TO forward paths, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The DATA content with dot-stuffing undone and lines joined with `\n`.
    pub data: String,
}

impl ReceivedMessage {
    /// The value of the first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for line in self.data.lines() {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((key, value)) = line.split_once(':') {
                if key.eq_ignore_ascii_case(name) {
                    found = Some(value.trim().to_owned());
                }
            }
        }
        found
    }

    /// Everything after the blank line that ends the headers.
    pub fn body(&self) -> &str {
        self.data
            .split_once("\n\n")
            .map(|(_, body)| body)
            .unwrap_or("")
    }
}

#[derive(Default)]
struct Inner {
    messages: Vec<ReceivedMessage>,
    /// Reply codes for the next transactions, one per transaction, refused at RCPT TO.
    failures: VecDeque<u16>,
    /// MAIL FROM commands seen: every delivery attempt, accepted or not.
    transactions: usize,
}

pub struct FakeSmtp {
    pub address: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    received: Arc<Notify>,
    accept_loop: JoinHandle<()>,
}

impl FakeSmtp {
    pub async fn start() -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake SMTP server");
        let address = listener.local_addr().expect("fake SMTP address");
        let inner = Arc::new(Mutex::new(Inner::default()));
        let received = Arc::new(Notify::new());
        let accept_loop = {
            let inner = inner.clone();
            let received = received.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let inner = inner.clone();
                    let received = received.clone();
                    tokio::spawn(async move {
                        let _ = session(stream, inner, received).await;
                    });
                }
            })
        };
        FakeSmtp {
            address,
            inner,
            received,
            accept_loop,
        }
    }

    /// The `--smtp-url` for this fake (plain SMTP, allowed because it is loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.address)
    }

    /// Refuse the next `transactions` transactions with `code` at RCPT TO.
    pub fn fail_next(&self, transactions: usize, code: u16) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .failures
            .extend(std::iter::repeat_n(code, transactions));
    }

    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.inner.lock().unwrap().messages.clone()
    }

    /// Every delivery attempt that reached MAIL FROM, accepted or refused.
    pub fn transactions(&self) -> usize {
        self.inner.lock().unwrap().transactions
    }

    /// Waits until at least `count` messages arrived; panics after `timeout`.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.received.notified();
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "the fake SMTP server got {} of {count} messages within {timeout:?}",
                    self.messages().len()
                );
            }
        }
    }
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

fn reply_text(code: u16) -> &'static str {
    match code {
        421 => "4.3.2 Service not available, closing channel",
        450 | 451 => "4.7.1 Please try again later",
        452 => "4.5.3 Insufficient system storage",
        550 => "5.1.1 No such user here",
        551..=559 => "5.7.1 Refused",
        _ => "Refused",
    }
}

/// Strips `FROM:`/`TO:` and angle brackets: `MAIL FROM:<a@b> SIZE=1` → `a@b`.
fn path_argument(arguments: &str) -> String {
    let after_colon = arguments
        .split_once(':')
        .map_or("", |(_, rest)| rest)
        .trim();
    let path = after_colon.split_whitespace().next().unwrap_or("");
    path.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

async fn session(
    stream: TcpStream,
    inner: Arc<Mutex<Inner>>,
    received: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 fake.smtp.test ESMTP ready\r\n")
        .await?;

    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut refusing: Option<u16> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command_line = line.trim_end_matches(['\r', '\n']);
        let (verb, arguments) = command_line.split_once(' ').unwrap_or((command_line, ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => "250-fake.smtp.test greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n".into(),
            "HELO" => "250 fake.smtp.test\r\n".into(),
            "MAIL" => {
                let mut state = inner.lock().unwrap();
                state.transactions += 1;
                refusing = state.failures.pop_front();
                mail_from = Some(path_argument(arguments));
                rcpt_to.clear();
                "250 2.1.0 Ok\r\n".into()
            }
            "RCPT" if mail_from.is_none() => "503 5.5.1 MAIL first\r\n".into(),
            "RCPT" => match refusing {
                Some(code) => format!("{code} {}\r\n", reply_text(code)),
                None => {
                    rcpt_to.push(path_argument(arguments));
                    "250 2.1.5 Ok\r\n".into()
                }
            },
            "DATA" if rcpt_to.is_empty() => "503 5.5.1 RCPT first\r\n".into(),
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data_lines: Vec<String> = Vec::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(()); // the client went away mid-message: nothing accepted
                    }
                    let data_line = line.trim_end_matches(['\r', '\n']);
                    if data_line == "." {
                        break;
                    }
                    // Undo dot-stuffing (RFC 5321 4.5.2).
                    let data_line = data_line.strip_prefix('.').unwrap_or(data_line);
                    data_lines.push(data_line.to_owned());
                }
                let message = ReceivedMessage {
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data: data_lines.join("\n"),
                };
                inner.lock().unwrap().messages.push(message);
                received.notify_waiters();
                "250 2.0.0 Ok: queued\r\n".into()
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                refusing = None;
                "250 2.0.0 Ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 Ok\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}
