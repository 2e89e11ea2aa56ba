//! Fan pages and what they link to: `/{artist}` (hub), `/{artist}/{release}` (pre-save page or smart link),
//! `/go/...` (click-outs: record, then 302 to a stored URL), `/t/...` (share and video beacons), plus
//! `sitemap.xml` and `robots.txt`. Server-rendered, cached in memory, no WASM.
use crate::analytics::{self, EventKind, NewEvent, Utm};
use crate::error::HttpError;
use crate::fan::cache::{CachedPage, PageKey};
use crate::fan::cookie;
use crate::state::AppState;
use app::pages::fan::{self, seo, FanPage, HubInput, ReleasePageInput};
use app::server::billing::rules as platform_rules;
use app::server::conversions::clients::ConversionKind;
use app::server::conversions::consent::{self, PAGE_VIEW_COOKIE};
use app::server::conversions::settings::{self as pixel_settings, ReleasePixels};
use app::server::models::{artists, releases};
use app::types::{CountryCode, StreamingService};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// The cookie a fan opts into with "remember my choice": the key of their service, nothing else.
const REMEMBER_COOKIE: &str = "dropday_service";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/robots.txt", get(robots_txt))
        .route("/sitemap.xml", get(sitemap_xml))
        .route("/go/link/{link_id}", get(custom_click))
        .route("/go/{release_id}/{service}", get(click_out))
        .route("/t/{release_id}/{kind}", post(beacon))
        .route("/{artist}", get(artist_hub))
        .route("/{artist}/{release}", get(release_page))
}

#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    #[serde(flatten)]
    utm: Utm,
    /// `?choose=1`: show the page even to a fan who asked to be sent straight to their service, and forget it.
    choose: Option<String>,
}

/// Requests that are not a person looking: HEAD (link scanners) and browser prefetch/prerender.
fn is_speculative(method: &Method, headers: &HeaderMap) -> bool {
    let purpose = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("prefetch") || v.contains("prerender"))
    };
    method == Method::HEAD || purpose("sec-purpose") || purpose("purpose") || purpose("x-moz")
}

/// An event of this request. Speculative requests (prefetch, HEAD) are recorded too, flagged, so they are counted
/// apart with the bots and never as visits or clicks.
fn event(
    state: &AppState,
    kind: EventKind,
    request: (&Method, &HeaderMap, SocketAddr),
    country: Option<CountryCode>,
) -> NewEvent {
    let (method, headers, peer) = request;
    NewEvent {
        occurred_at: state.clock.now(),
        kind,
        referrer_domain: analytics::referrer_domain(headers),
        country,
        locale: analytics::locale(headers),
        client: Some(analytics::ClientRequest::from_headers(
            headers,
            state.country.client_ip(headers, peer.ip()),
        )),
        speculative: is_speculative(method, headers),
        ..Default::default()
    }
}

async fn release_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((artist_slug, release_slug)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
    RawQuery(raw_query): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let country = state.country.resolve(&headers, peer.ip());
    let now = state.clock.now();
    let key = PageKey {
        path: format!(
            "/{}/{}",
            artist_slug.to_ascii_lowercase(),
            release_slug.to_ascii_lowercase()
        ),
        country,
    };
    let cached = match state.pages.get(&key, now) {
        Some(page) => page,
        None => match releases::lookup_published(&state.db, &artist_slug, &release_slug).await? {
            releases::ReleaseLookup::Found(found) => {
                let presave_origin = state.presaves.as_ref().map(|p| p.accounts_origin());
                let pixels = release_pixels(&state, found.release.id).await?;
                // The organization's rules apply at every render, so a newly blocked service leaves old pages too.
                let rules =
                    platform_rules::for_organization(&state.db, found.artist.organization_id)
                        .await?;
                let rendered = fan::render_release_page(ReleasePageInput {
                    release: &found,
                    country,
                    now,
                    public_url: &state.public_url,
                    rules: &rules,
                    presave: presave_origin
                        .as_deref()
                        .filter(|_| rules.admits(StreamingService::Spotify))
                        .map(|accounts_origin| fan::PresaveSetup { accounts_origin }),
                    ads: pixels
                        .as_deref()
                        .map(|pixels| ads_setup(&state, pixels, true, None)),
                });
                let page = Arc::new(
                    CachedPage::new(
                        rendered.page,
                        found.artist.id,
                        Some(found.release.id),
                        rendered.services,
                        state.pages.expiry(now, rendered.next_change),
                    )
                    .with_pixels(pixels),
                );
                state.pages.insert(key, page.clone());
                page
            }
            releases::ReleaseLookup::Moved {
                artist_slug,
                release_slug,
            } => {
                return Ok(permanent_redirect(&format!(
                    "/{artist_slug}/{release_slug}"
                )));
            }
            releases::ReleaseLookup::Missing => return Err(HttpError::NotFound),
        },
    };

    let mut base = event(
        &state,
        EventKind::PageView,
        (&method, &headers, peer),
        country,
    );
    let speculative = base.speculative;
    base.artist_id = Some(cached.artist_id);
    base.release_id = cached.release_id;
    base.utm = query.utm.cleaned();
    let raw_query = raw_query.unwrap_or_default();

    // A returning fan who asked to be remembered goes straight to their service (counted as a click-out too).
    let choose = query.choose.is_some();
    if !choose && !speculative {
        if let Some(remembered) = cookie(&headers, REMEMBER_COOKIE) {
            if let Some((service, url)) = cached.services.iter().find(|(key, _)| *key == remembered)
            {
                let conversions = match &cached.pixels {
                    Some(pixels) => crate::conversions::rows(
                        &state.conversions,
                        pixels,
                        &crate::conversions::FanConversion {
                            kind: ConversionKind::ClickOut,
                            event_id: &consent::new_event_id(),
                            now,
                            source_url: landing_url(&state, pixels, &raw_query),
                            referrer_url: referrer(&headers),
                            service: Some(service.clone()),
                            click_query: &raw_query,
                            headers: &headers,
                            ip: state.country.client_ip(&headers, peer.ip()),
                        },
                    ),
                    None => Vec::new(),
                };
                state.events.record(base.clone());
                state.events.record(NewEvent {
                    kind: EventKind::ClickOut,
                    service: Some(service.clone()),
                    conversions,
                    ..base
                });
                return Ok(found_redirect(url));
            }
        }
    }
    // The page view's server-side conversion events; the page's script fires the browser pixels with the same
    // event id, handed over in a short-lived cookie (the page itself is cached, shared by every fan).
    let mut page_view_id = None;
    if let (Some(pixels), false) = (&cached.pixels, speculative) {
        let event_id = consent::new_event_id();
        base.conversions = crate::conversions::rows(
            &state.conversions,
            pixels,
            &crate::conversions::FanConversion {
                kind: ConversionKind::PageView,
                event_id: &event_id,
                now,
                source_url: landing_url(&state, pixels, &raw_query),
                referrer_url: referrer(&headers),
                service: None,
                click_query: &raw_query,
                headers: &headers,
                ip: state.country.client_ip(&headers, peer.ip()),
            },
        );
        if !base.conversions.is_empty() {
            page_view_id = Some(event_id);
        }
    }
    state.events.record(base);
    let mut response = cached_response(&cached, &headers);
    if let Some(event_id) = page_view_id {
        let secure = if state.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        // Readable by the page's script, which clears it at once.
        let cookie =
            format!("{PAGE_VIEW_COOKIE}={event_id}; Path=/; Max-Age=120; SameSite=Lax{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
            // This answer is this fan's alone: no shared cache may keep it.
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
        }
    }
    if choose {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("dropday_service=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    Ok(response)
}

async fn artist_hub(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(artist_slug): Path<String>,
    Query(query): Query<PageQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let country = state.country.resolve(&headers, peer.ip());
    let now = state.clock.now();
    let key = PageKey {
        path: format!("/{}", artist_slug.to_ascii_lowercase()),
        country,
    };
    let cached = match state.pages.get(&key, now) {
        Some(page) => page,
        None => {
            let artist = match artists::lookup(&state.db, &artist_slug).await? {
                artists::ArtistLookup::Found(artist) => artist,
                artists::ArtistLookup::Moved { current_slug } => {
                    return Ok(permanent_redirect(&format!("/{current_slug}")))
                }
                artists::ArtistLookup::Missing => return Err(HttpError::NotFound),
            };
            let published = releases::published_for_artist(&state.db, artist.id).await?;
            let custom_links = releases::hub_custom_links(&state.db, artist.id).await?;
            let rendered = fan::render_artist_hub(HubInput {
                artist: &artist,
                published: &published,
                custom_links: &custom_links,
                country,
                now,
                public_url: &state.public_url,
            });
            let page = Arc::new(CachedPage::new(
                rendered.page,
                artist.id,
                None,
                Vec::new(),
                state.pages.expiry(now, rendered.next_change),
            ));
            state.pages.insert(key, page.clone());
            page
        }
    };
    let mut view = event(
        &state,
        EventKind::PageView,
        (&method, &headers, peer),
        country,
    );
    view.artist_id = Some(cached.artist_id);
    view.utm = query.utm.cleaned();
    state.events.record(view);
    Ok(cached_response(&cached, &headers))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ClickQuery {
    remember: Option<String>,
    /// The event id the page's script gave the browser pixels' click-out event.
    eid: Option<String>,
}

/// Records the click and sends the fan to the stored URL. Nothing in the request can choose the destination.
async fn click_out(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((release_id, service)): Path<(i32, String)>,
    Query(query): Query<ClickQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let service: StreamingService = service.parse().map_err(|_| HttpError::NotFound)?;
    let now = state.clock.now();
    let country = state.country.resolve(&headers, peer.ip());
    let click = Click {
        service,
        query,
        method,
        headers,
        peer,
    };
    if let Some(target) = state.pages.target(release_id, service, country, now) {
        // Nothing is awaited from here on: the click is recorded however soon the fan leaves.
        return Ok(record_click(&state, &target, click, country, now));
    }
    // The lookup awaits the database. It runs in a task of its own, recording included, so a fan who leaves
    // meanwhile (an in-app browser closing on the redirect) is still counted.
    let task = tokio::spawn(async move {
        let (release, url) = releases::click_target(&state.db, release_id, service, country)
            .await?
            .ok_or(HttpError::NotFound)?;
        // A service the organization blocked since the fan loaded the page leads nowhere.
        if !platform_rules::for_artist(&state.db, release.artist_id)
            .await?
            .admits(service)
        {
            return Err(HttpError::NotFound);
        }
        let pixels = release_pixels(&state, release.id).await?;
        let target = state.pages.insert_target(
            (service, country),
            release.artist_id,
            release.id,
            url,
            pixels,
            now,
        );
        Ok(record_click(&state, &target, click, country, now))
    });
    task.await
        .map_err(|error| HttpError::Internal(format!("click-out task: {error}")))?
}

/// What a click-out request brings besides its target.
struct Click {
    service: StreamingService,
    query: ClickQuery,
    method: Method,
    headers: HeaderMap,
    peer: SocketAddr,
}

fn record_click(
    state: &AppState,
    target: &crate::fan::cache::ClickTarget,
    request: Click,
    country: Option<CountryCode>,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let Click {
        service,
        query,
        method,
        headers,
        peer,
    } = request;
    let url = &target.url;
    let mut click = event(
        state,
        EventKind::ClickOut,
        (&method, &headers, peer),
        country,
    );
    click.artist_id = Some(target.artist_id);
    click.release_id = Some(target.release_id);
    click.service = Some(service.key().to_owned());
    click.utm = utm_from_referrer(&headers);
    if let (Some(pixels), false) = (&target.pixels, click.speculative) {
        let event_id =
            consent::browser_event_id(query.eid.as_deref()).unwrap_or_else(consent::new_event_id);
        click.conversions = crate::conversions::rows(
            &state.conversions,
            pixels,
            &crate::conversions::FanConversion {
                kind: ConversionKind::ClickOut,
                event_id: &event_id,
                now,
                source_url: fan_page_url(state, &headers, pixels),
                referrer_url: None,
                service: Some(service.key().to_owned()),
                click_query: referrer_query(&headers),
                headers: &headers,
                ip: state.country.client_ip(&headers, peer.ip()),
            },
        );
    }
    state.events.record(click);
    let mut response = found_redirect(url);
    if query.remember.as_deref() == Some("1") {
        let secure = if state.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{REMEMBER_COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}",
            service.key()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

async fn custom_click(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(link_id): Path<i32>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let (artist_id, release_id, url) = releases::custom_link_target(&state.db, link_id)
        .await?
        .ok_or(HttpError::NotFound)?;
    let country = state.country.resolve(&headers, peer.ip());
    let mut click = event(
        &state,
        EventKind::CustomClick,
        (&method, &headers, peer),
        country,
    );
    click.artist_id = Some(artist_id);
    click.release_id = release_id;
    click.service = Some(app::server::analytics::stats::custom_link_key(link_id));
    click.utm = utm_from_referrer(&headers);
    state.events.record(click);
    Ok(found_redirect(&url))
}

#[derive(Debug, Default, serde::Deserialize)]
struct BeaconQuery {
    eid: Option<String>,
    /// The platforms (consent letters) the fan allowed on this page just now.
    p: Option<String>,
}

/// `navigator.sendBeacon` target for shares and video plays, and for the page view of a fan who allowed ad
/// measurement on the page (the server could not queue its conversion events when it served the page).
async fn beacon(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((release_id, kind)): Path<(i32, String)>,
    Query(query): Query<BeaconQuery>,
    headers: HeaderMap,
) -> Result<StatusCode, HttpError> {
    let kind = match kind.as_str() {
        "share" => EventKind::Share,
        "video_play" => EventKind::VideoPlay,
        "page_view" => return page_view_beacon(state, peer, release_id, query, headers).await,
        _ => return Err(HttpError::NotFound),
    };
    let release = releases::find_published_by_id(&state.db, release_id)
        .await?
        .ok_or(HttpError::NotFound)?;
    let country = state.country.resolve(&headers, peer.ip());
    let mut beacon = event(&state, kind, (&Method::POST, &headers, peer), country);
    beacon.artist_id = Some(release.artist_id);
    beacon.release_id = Some(release.id);
    beacon.utm = utm_from_referrer(&headers);
    state.events.record(beacon);
    Ok(StatusCode::NO_CONTENT)
}

/// The conversion events of a page view whose fan allowed ad measurement on the page: only the platforms they
/// allowed just now, with the event id the browser pixels used. Counted as nothing else (the page view itself was
/// recorded when the page was served).
async fn page_view_beacon(
    state: AppState,
    peer: SocketAddr,
    release_id: i32,
    query: BeaconQuery,
    headers: HeaderMap,
) -> Result<StatusCode, HttpError> {
    let event_id = consent::browser_event_id(query.eid.as_deref()).ok_or(HttpError::NotFound)?;
    releases::find_published_by_id(&state.db, release_id)
        .await?
        .ok_or(HttpError::NotFound)?;
    let Some(pixels) = release_pixels(&state, release_id).await? else {
        return Ok(StatusCode::NO_CONTENT);
    };
    let allowed_now = query.p.unwrap_or_default();
    let mut only = (*pixels).clone();
    only.pixels
        .retain(|pixel| allowed_now.contains(consent::letter(pixel.platform)));
    let now = state.clock.now();
    let conversions = crate::conversions::rows(
        &state.conversions,
        &only,
        &crate::conversions::FanConversion {
            kind: ConversionKind::PageView,
            event_id: &event_id,
            now,
            source_url: fan_page_url(&state, &headers, &pixels),
            referrer_url: None,
            service: None,
            click_query: referrer_query(&headers),
            headers: &headers,
            ip: state.country.client_ip(&headers, peer.ip()),
        },
    );
    if !conversions.is_empty() {
        state.events.queue_conversions(conversions);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A release's ad pixels, `None` when it has none.
pub(crate) async fn release_pixels(
    state: &AppState,
    release_id: i32,
) -> Result<Option<Arc<ReleasePixels>>, HttpError> {
    Ok(pixel_settings::release_pixels(&state.db, release_id)
        .await?
        .filter(|pixels| !pixels.pixels.is_empty())
        .map(Arc::new))
}

/// What a page needs to run `pixels` (public ids and script addresses only).
pub(crate) fn ads_setup<'a>(
    state: &'a AppState,
    pixels: &ReleasePixels,
    page_view: bool,
    pre_save_event_id: Option<String>,
) -> fan::ads::AdsSetup<'a> {
    fan::ads::AdsSetup {
        release_id: pixels.release_id,
        consent_required: pixels.consent_required,
        pixels: pixels
            .pixels
            .iter()
            .map(|pixel| (pixel.platform, pixel.pixel_id.clone()))
            .collect(),
        scripts: &state.conversions.scripts,
        page_view,
        server_page_views: pixels.pixels.iter().any(|pixel| {
            pixel.server_events
                && pixel.platform != app::server::conversions::clients::Platform::Ga4
        }),
        pre_save_event_id,
    }
}

/// The page a fan landed on, with its query string (campaign tags, ad click ids).
fn landing_url(state: &AppState, pixels: &ReleasePixels, query: &str) -> String {
    let base = format!("{}{}", state.public_url, pixels.page_path);
    with_query(base, &without_click_ids(clip(query, 1000)))
}

fn with_query(base: String, query: &str) -> String {
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

/// A query string without ad click ids: they travel in the events' own fields (`fbc`, `ttclid`), which are
/// deleted once delivered, while page URLs stay in the delivery log.
fn without_click_ids(query: &str) -> String {
    const CLICK_IDS: [&str; 5] = ["fbclid", "ttclid", "gclid", "msclkid", "dclid"];
    if !CLICK_IDS.iter().any(|id| query.contains(id)) {
        return query.to_owned();
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let kept: Vec<_> = pairs
        .into_iter()
        .filter(|(key, _)| !CLICK_IDS.contains(&key.as_str()))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// The fan page a click or beacon came from: the Referer when it is this server's page of the release, else the
/// release's canonical URL.
fn fan_page_url(state: &AppState, headers: &HeaderMap, pixels: &ReleasePixels) -> String {
    let canonical = format!("{}{}", state.public_url, pixels.page_path);
    let from_this_page = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|referrer| referrer.starts_with(&canonical));
    if from_this_page {
        with_query(
            canonical,
            &without_click_ids(clip(referrer_query(headers), 1000)),
        )
    } else {
        canonical
    }
}

/// Where the fan came from to the page, for the platforms' `referrer`/`page_referrer`: the Referer, when it is not
/// this server.
fn referrer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .filter(|referrer| referrer.starts_with("http"))
        .map(|referrer| clip(referrer, 1000).to_owned())
}

fn clip(text: &str, max: usize) -> &str {
    let end = text
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| *end <= max)
        .last()
        .unwrap_or(0);
    &text[..end]
}

async fn sitemap_xml(State(state): State<AppState>) -> Result<Response, HttpError> {
    let entries: Vec<_> = releases::sitemap_paths(&state.db)
        .await?
        .into_iter()
        .map(|(path, last_modified)| seo::SitemapEntry {
            url: format!("{}{path}", state.public_url),
            last_modified,
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        seo::sitemap_xml(&entries),
    )
        .into_response())
}

async fn robots_txt(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        seo::robots_txt(&state.public_url),
    )
        .into_response()
}

/// The campaign of the page a click came from: click-outs are same-origin navigations, so the Referer is the
/// fan page's own URL with its query string.
fn utm_from_referrer(headers: &HeaderMap) -> Utm {
    serde_urlencoded::from_str::<Utm>(referrer_query(headers))
        .unwrap_or_default()
        .cleaned()
}

/// The query string of the page a click came from (its campaign tags and ad click ids).
fn referrer_query(headers: &HeaderMap) -> &str {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referrer| referrer.split_once('?'))
        .map(|(_, query)| query.split('#').next().unwrap_or_default())
        .unwrap_or_default()
}

/// Serves a cached page, gzip when the client accepts it.
fn cached_response(page: &CachedPage, headers: &HeaderMap) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let body = if gzip {
        page.gzip.clone()
    } else {
        page.html.clone()
    };
    let mut response = Response::new(Body::from(body));
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Revalidate every time: the same URL turns from pre-save page into smart link at the release moment.
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Accept-Language"),
    );
    if gzip {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        page.content_security_policy.clone(),
    );
    response
}

/// A click-out: never cached, so every click reaches the server and is counted.
fn found_redirect(url: &str) -> Response {
    let mut response = redirect(StatusCode::FOUND, url);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An old slug: browsers and search engines move to the current address for good.
fn permanent_redirect(path: &str) -> Response {
    redirect(StatusCode::MOVED_PERMANENTLY, path)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

pub fn html_response(status: StatusCode, page: FanPage) -> Response {
    let mut response = (status, page.html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(policy) = HeaderValue::from_str(&page.content_security_policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}
