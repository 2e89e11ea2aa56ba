//! The fan's pages around a Spotify pre-save: "open this in your browser" for in-app browsers, "my pre-saves"
//! (the confirmation after login, where a fan can also cancel or disconnect), and login errors. Server-rendered
//! like every fan page; forms are plain POSTs.
use super::ads::AdsSetup;
use super::document::{self, Document, FanPage, Style};
use super::icons::service_icon;
use super::theme::Theme;
use crate::types::StreamingService;
use leptos::prelude::*;

/// For a fan inside Instagram, TikTok, Facebook or Snapchat, whose in-app browser often breaks Spotify's login.
pub struct HandoffPage {
    pub release_title: String,
    pub app_name: &'static str,
    /// The link that continues this login in another browser.
    pub continue_url: String,
    /// Straight to Spotify from here, for fans who want to try anyway.
    pub authorize_url: String,
    /// On Android, an `intent:` link that opens the continue link in Chrome.
    pub android_intent: Option<String>,
}

pub fn render_handoff(page: HandoffPage) -> FanPage {
    let title = format!("Open in your browser · {}", page.release_title);
    document::render(
        Document {
            title: &title,
            meta: None,
            theme: Theme::Midnight,
            json_ld: None,
            script: true,
            style: Style::FanAccount,
            ads: None,
        },
        move || {
            let app = page.app_name;
            view! {
                <main class="card">
                    <h1>"Open this in your browser"</h1>
                    <p>{format!("Spotify's login often fails inside {app}. Open this page in your browser to pre-save {}:", page.release_title)}</p>
                    {page.android_intent.map(|href| view! {
                        <a class="presave" href=href>"Open in Chrome"</a>
                    })}
                    <ol class="steps">
                        <li>{format!("Tap ··· (or the share icon) at the top of {app}.")}</li>
                        <li>"Choose “Open in browser” (or “Open in Safari”)."</li>
                    </ol>
                    <p>"Or copy the link and paste it into your browser:"</p>
                    <input class="copy-link" type="text" readonly value=page.continue_url.clone() aria-label="Link to continue" />
                    <button class="share" type="button" hidden data-copy=page.continue_url>"Copy link"</button>
                    <p class="notice" data-copy-status aria-live="polite"></p>
                    <p class="meta small">
                        <a href=page.authorize_url rel="nofollow">"Continue here anyway"</a>
                    </p>
                </main>
            }
        },
    )
}

/// Continuing a login in another browser: what it was started for, and a button (a same-origin POST, so another
/// site cannot continue someone's login for them).
pub fn render_continue(
    release_title: &str,
    forever_artist: Option<&str>,
    email: Option<&str>,
    action: String,
    accounts_origin: &str,
) -> FanPage {
    let title = format!("Pre-save {release_title}");
    let heading = title.clone();
    let extras: Vec<String> = forever_artist
        .map(|artist| format!("{artist}'s future releases are pre-saved too."))
        .into_iter()
        .chain(email.map(|email| format!("Emails from the artist go to {email}.")))
        .collect();
    let mut page = document::render(
        Document {
            title: &title,
            meta: None,
            theme: Theme::Midnight,
            json_ld: None,
            script: false,
            style: Style::FanAccount,
            ads: None,
        },
        move || {
            view! {
                <main class="card">
                    <h1>{heading}</h1>
                    <p>"Log in with Spotify to finish the pre-save you started."</p>
                    {extras.into_iter().map(|line| view! { <p class="meta">{line}</p> }).collect_view()}
                    <form method="post" action=action>
                        <button class="presave" type="submit">
                            <span class="icon" aria-hidden="true" inner_html=service_icon(StreamingService::Spotify)></span>
                            "Continue to Spotify"
                        </button>
                    </form>
                </main>
            }
        },
    );
    page.allow_form_action(accounts_origin);
    page
}

/// One row of "my pre-saves".
pub struct PresaveRow {
    pub id: i32,
    pub title: String,
    pub artist_name: String,
    pub fan_path: String,
    pub status_label: &'static str,
    /// When it lands, or landed, as the fan reads it.
    pub when: String,
    pub cancellable: bool,
    pub problem: Option<String>,
}

pub struct MyPresavesPage {
    /// The banner after a login: "Pre-saved …" or "Saved …".
    pub banner: Option<String>,
    pub display_name: Option<String>,
    pub rows: Vec<PresaveRow>,
    /// Artists whose future releases are pre-saved: (subscription id, name).
    pub subscriptions: Vec<(i32, String)>,
    pub connected: bool,
}

/// `ads`: the pixels of a release whose pre-save the fan just finished, so the browser's event pairs with the
/// server's.
pub fn render_my_presaves(page: MyPresavesPage, ads: Option<&AdsSetup>) -> FanPage {
    document::render(
        Document {
            title: "My pre-saves · Dropday",
            meta: None,
            theme: Theme::Midnight,
            json_ld: None,
            script: false,
            style: Style::FanAccount,
            ads: ads.map(super::ads::markup),
        },
        move || {
            view! {
                <main class="card presaves">
                    {page.banner.map(|banner| view! {
                        <p class="banner" role="status">
                            <span class="icon" aria-hidden="true" inner_html=service_icon(StreamingService::Spotify)></span>
                            {banner}
                        </p>
                    })}
                    <h1>"My pre-saves"</h1>
                    {page.display_name.map(|name| view! { <p class="meta">"Spotify account: "{name}</p> })}
                    {if page.rows.is_empty() {
                        view! { <p class="meta">"No pre-saves yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="presave-list">
                                {page.rows.into_iter().map(|row| view! {
                                    <li>
                                        <a href=row.fan_path>{row.title}</a>
                                        <span class="meta">" by "{row.artist_name}</span>
                                        <span class="status">{row.status_label}" · "{row.when}</span>
                                        {row.problem.map(|p| view! { <span class="meta small">{p}</span> })}
                                        {row.cancellable.then(|| view! {
                                            <form method="post" action=format!("/presaves/{}/cancel", row.id)>
                                                <button type="submit" class="link-button">"Cancel this pre-save"</button>
                                            </form>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(!page.subscriptions.is_empty()).then(|| view! {
                        <h2>"Future releases"</h2>
                        <ul class="presave-list">
                            {page.subscriptions.into_iter().map(|(id, name)| view! {
                                <li>
                                    {format!("Every new release by {name} is pre-saved for you.")}
                                    <form method="post" action=format!("/presaves/subscriptions/{id}/cancel")>
                                        <button type="submit" class="link-button">"Stop"</button>
                                    </form>
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    {page.connected.then(|| view! {
                        <form method="post" action="/presaves/disconnect">
                            <p class="meta small">"Disconnecting deletes your Spotify tokens here and cancels everything not yet delivered."</p>
                            <button type="submit" class="link-button">"Disconnect Spotify"</button>
                        </form>
                    })}
                </main>
            }
        },
    )
}

/// A login that did not work: what happened, in the fan's words, and the way back.
pub fn render_presave_problem(message: &str, back: Option<&str>) -> FanPage {
    let message = message.to_owned();
    let back = back.map(str::to_owned);
    document::render(
        Document {
            title: "Pre-save · Dropday",
            meta: None,
            theme: Theme::Midnight,
            json_ld: None,
            script: false,
            style: Style::FanAccount,
            ads: None,
        },
        move || {
            view! {
                <main class="card">
                    <h1>"Nothing was saved"</h1>
                    <p role="alert">{message}</p>
                    {back.map(|href| view! { <a class="presave" href=href>"Back to the release"</a> })}
                </main>
            }
        },
    )
}
