//! Analytics: the headline cards with the previous period beside them, visits and click-outs per day, and
//! breakdowns by service, referrer, UTM, country, device, browser, OS and locale; for one release or, for admins,
//! the whole organization.
use crate::pages::auth::capitalized;
use crate::types::{AppError, Breakdown, LinkRow, ReleaseRow, SeriesPoint, StatCards, StatsReport};
use chrono::{Duration, NaiveDate};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "load_stats")]
pub async fn load_stats(
    release_id: Option<i32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<StatsReport, AppError> {
    use crate::server::analytics::stats;
    use crate::server::auth;
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.member()?;
    let days = stats::days_for(from, to, ctx.clock.now().date_naive())?;
    let (target, title) = stats::target_for(&ctx.db, membership, release_id).await?;
    stats::report(&ctx.db, &target, title, days, ctx.clock.now(), 10).await
}

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = use_query_map();
    let release_id = move || query.with(|q| q.get("release").and_then(|id| id.parse::<i32>().ok()));
    // `None` until someone picks a range: the server then reports the last 28 days up to its today. Presets count
    // back from the day the last report ended (the browser's clock is not trusted to agree).
    let (range, set_range) = signal(None::<(NaiveDate, NaiveDate)>);
    let report = crate::components::data(
        move || (release_id(), range.get()),
        |(release, range)| load_stats(release, range.map(|r| r.0), range.map(|r| r.1)),
    );
    let shown = move || {
        report
            .get()
            .and_then(Result::ok)
            .map(|report| (report.from, report.to))
    };
    let preset = move |days: i64| {
        move |_| {
            if let Some((_, to)) = shown() {
                set_range.set(Some((to - Duration::days(days - 1), to)));
            }
        }
    };
    let set_from = move |day: NaiveDate| {
        if let Some((_, to)) = range.get_untracked().or_else(shown) {
            set_range.set(Some((day, to)));
        }
    };
    let set_to = move |day: NaiveDate| {
        if let Some((from, _)) = range.get_untracked().or_else(shown) {
            set_range.set(Some((from, day)));
        }
    };
    view! {
        <leptos_meta::Title text="Analytics · Dropday" />
        <main class="page wide">
            <h1>"Analytics"</h1>
            <div class="tabs" role="group" aria-label="Date range">
                <button type="button" class="tab" on:click=preset(7)>"7 days"</button>
                <button type="button" class="tab" on:click=preset(28)>"28 days"</button>
                <button type="button" class="tab" on:click=preset(90)>"90 days"</button>
                <label class="inline-field">
                    "From"
                    <input
                        type="date"
                        prop:value=move || shown().map(|r| r.0.to_string()).unwrap_or_default()
                        on:change=move |event| {
                            if let Ok(day) = event_target_value(&event).parse::<NaiveDate>() {
                                set_from(day);
                            }
                        }
                    />
                </label>
                <label class="inline-field">
                    "To"
                    <input
                        type="date"
                        prop:value=move || shown().map(|r| r.1.to_string()).unwrap_or_default()
                        on:change=move |event| {
                            if let Ok(day) = event_target_value(&event).parse::<NaiveDate>() {
                                set_to(day);
                            }
                        }
                    />
                </label>
                <a href="/dashboard/analytics/definitions">"What the numbers mean"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading analytics…"</p> }>
                {move || {
                    report
                        .get()
                        .map(|result| match result {
                            Ok(report) => {
                                let query = format!(
                                    "?{}from={}&to={}",
                                    release_id().map(|id| format!("release={id}&")).unwrap_or_default(),
                                    report.from,
                                    report.to,
                                );
                                view! {
                                    <Report report />
                                    <p class="exports">
                                        "Download CSV: "
                                        <a href=format!("/dashboard/export/report.csv{query}") download rel="external">"summary and breakdowns"</a>
                                        " · "
                                        {
                                            let table = if release_id().is_some() { "links" } else { "releases" };
                                            view! { <a href=format!("/dashboard/export/{table}.csv{query}") download rel="external">{table}</a> }
                                        }
                                        " · "
                                        <a href=format!("/dashboard/export/events.csv{query}") download rel="external">"raw events"</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
        </main>
    }
    .into_any()
}

#[component]
fn Report(report: StatsReport) -> impl IntoView {
    let breakdowns = report
        .breakdowns
        .into_iter()
        .map(|breakdown| view! { <BreakdownTable breakdown /> })
        .collect_view();
    view! {
        <h2 data-testid="report-title">{report.title}</h2>
        <p class="muted">
            {format!("{} to {} (UTC)", report.from, report.to)} " · "
            <span data-testid="live-visits">{report.live_visits}</span> " visits in the last 30 minutes"
        </p>
        <Cards cards=report.cards previous=report.previous />
        <SeriesChart series=report.series />
        <ReleasesTable rows=report.releases />
        <LinksTable rows=report.links />
        <div class="breakdowns">{breakdowns}</div>
    }
    .into_any()
}

/// "+12%" against the previous period, or nothing when there is nothing to compare with.
fn change(current: f64, previous: f64) -> Option<String> {
    if previous <= 0.0 {
        return None;
    }
    let percent = (current - previous) / previous * 100.0;
    Some(format!("{percent:+.0}% vs previous period"))
}

#[component]
fn Cards(cards: StatCards, previous: StatCards) -> impl IntoView {
    let card = |label: &'static str, key: &'static str, value: String, now: f64, before: f64| {
        view! {
            <div class="stat" data-stat=key>
                <span class="stat-label">{label}</span>
                <strong class="stat-value">{value}</strong>
                <span class="stat-change muted">{change(now, before)}</span>
            </div>
        }
    };
    let n = |value: u64| value as f64;
    view! {
        <div class="stats">
            {card("Visits", "visits", cards.visits.to_string(), n(cards.visits), n(previous.visits))}
            {card("Unique visitors", "unique_visitors", cards.unique_visitors.to_string(), n(cards.unique_visitors), n(previous.unique_visitors))}
            {card("Service click-outs", "click_outs", cards.click_outs.to_string(), n(cards.click_outs), n(previous.click_outs))}
            {card("Click-through rate", "click_through_rate", percent(cards.click_through_rate), cards.click_through_rate, previous.click_through_rate)}
            {card("Engagement rate", "engagement_rate", percent(cards.engagement_rate), cards.engagement_rate, previous.engagement_rate)}
            {card("Custom button clicks", "custom_clicks", cards.custom_clicks.to_string(), n(cards.custom_clicks), n(previous.custom_clicks))}
            {card("Pre-saves", "pre_saves", cards.pre_saves.to_string(), n(cards.pre_saves), n(previous.pre_saves))}
            {card("Library adds", "library_adds", cards.library_adds.to_string(), n(cards.library_adds), n(previous.library_adds))}
            {card("Follows", "follows", cards.follows.to_string(), n(cards.follows), n(previous.follows))}
            {card("Shares", "shares", cards.shares.to_string(), n(cards.shares), n(previous.shares))}
            {card("Video plays", "video_plays", cards.video_plays.to_string(), n(cards.video_plays), n(previous.video_plays))}
            {card("Filtered (bots, previews)", "filtered", cards.filtered.to_string(), n(cards.filtered), n(previous.filtered))}
        </div>
    }
    .into_any()
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// Every release (and artist page) with activity in the range: for the organization or an artist's releases.
#[component]
fn ReleasesTable(rows: Vec<ReleaseRow>) -> impl IntoView {
    if rows.is_empty() {
        return ().into_any();
    }
    let body = rows
        .into_iter()
        .map(|row| {
            let name = match row.release_id {
                Some(id) => view! {
                    <a href=format!("/dashboard/analytics?release={id}")>{row.title}</a>
                }
                .into_any(),
                None => view! { <span>{row.title}</span> }.into_any(),
            };
            view! {
                <tr>
                    <td>{name}<br /><span class="muted">{row.artist}</span></td>
                    <td class="num">{row.visits}</td>
                    <td class="num">{row.unique_visitors}</td>
                    <td class="num">{row.click_outs}</td>
                    <td class="num">{percent(row.click_through_rate)}</td>
                    <td class="num">{percent(row.engagement_rate)}</td>
                    <td class="num">{row.pre_saves}</td>
                </tr>
            }
        })
        .collect_view();
    let columns = [
        "Unique visitors",
        "Click-outs",
        "Click-through",
        "Engagement",
        "Pre-saves",
    ];
    table_section(
        "releases",
        "Releases",
        ["Release", "Visits"],
        &columns,
        body,
    )
}

/// A titled table: a name column, then numbers.
fn table_section(
    key: &'static str,
    title: &'static str,
    [first, second]: [&'static str; 2],
    more: &[&'static str],
    body: impl IntoView + 'static,
) -> AnyView {
    let headers = more
        .iter()
        .map(|label| view! { <th scope="col" class="num">{*label}</th> })
        .collect_view();
    view! {
        <section class="table-section" data-table=key>
            <h3>{title}</h3>
            <table class="releases">
                <thead>
                    <tr>
                        <th scope="col">{first}</th>
                        <th scope="col" class="num">{second}</th>
                        {headers}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </section>
    }
    .into_any()
}

/// Every link on one release's page, services and custom buttons, with its clicks.
#[component]
fn LinksTable(rows: Vec<LinkRow>) -> impl IntoView {
    if rows.is_empty() {
        return ().into_any();
    }
    let body = rows
        .into_iter()
        .map(|row| {
            view! {
                <tr data-link=row.key>
                    <td>{row.label}<br /><span class="muted url">{row.url}</span></td>
                    <td class="num">{row.clicks}</td>
                    <td class="num">{percent(row.share_of_clicks)}</td>
                    <td class="num">{percent(row.click_through_rate)}</td>
                </tr>
            }
        })
        .collect_view();
    table_section(
        "links",
        "Links",
        ["Link", "Clicks"],
        &["Share of clicks", "Click-through"],
        body,
    )
}

/// Visits and click-outs per day as SVG bars, with the peak and the totals written out (no hovering needed).
#[component]
fn SeriesChart(series: Vec<SeriesPoint>) -> impl IntoView {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 180.0;
    let peak = series
        .iter()
        .map(|p| p.visits.max(p.click_outs))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / series.len().max(1) as f64;
    let bar = (slot / 2.0 - 1.0).max(1.0);
    let height = |value: u64| value as f64 / peak as f64 * (HEIGHT - 20.0);
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let x = i as f64 * slot;
            let visits = height(point.visits);
            let clicks = height(point.click_outs);
            view! {
                <g>
                    <title>{format!("{}: {} visits, {} click-outs", point.day, point.visits, point.click_outs)}</title>
                    <rect class="bar-visits" x=x y=HEIGHT - visits width=bar height=visits />
                    <rect class="bar-clicks" x=x + bar + 1.0 y=HEIGHT - clicks width=bar height=clicks />
                </g>
            }
        })
        .collect_view();
    let first = series
        .first()
        .map(|p| p.day.to_string())
        .unwrap_or_default();
    let last = series.last().map(|p| p.day.to_string()).unwrap_or_default();
    let total_visits: u64 = series.iter().map(|p| p.visits).sum();
    let total_clicks: u64 = series.iter().map(|p| p.click_outs).sum();
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {WIDTH} {}", HEIGHT + 18.0)
                role="img"
                aria-label=format!("Visits and click-outs per day from {first} to {last}")
            >
                <text x="0" y="10" class="axis">{format!("peak {peak} per day")}</text>
                {bars}
                <line x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT class="axis-line" />
                <text x="0" y=HEIGHT + 14.0 class="axis">{first.clone()}</text>
                <text x=WIDTH y=HEIGHT + 14.0 class="axis" text-anchor="end">{last.clone()}</text>
            </svg>
            <figcaption>
                <span class="key key-visits"></span> {format!("Visits ({total_visits})")} " "
                <span class="key key-clicks"></span> {format!("Click-outs ({total_clicks})")}
            </figcaption>
        </figure>
    }
    .into_any()
}

#[component]
fn BreakdownTable(breakdown: Breakdown) -> impl IntoView {
    let dimension = breakdown.dimension;
    let body = if breakdown.rows.is_empty() {
        view! { <tr><td colspan="3" class="muted">"No data in this range."</td></tr> }.into_any()
    } else {
        breakdown
            .rows
            .into_iter()
            .map(|row| {
                let label = if row.value.is_empty() {
                    dimension.empty_label().to_owned()
                } else {
                    row.value
                };
                view! {
                    <tr>
                        <td>{label}</td>
                        <td class="num">{row.visits}</td>
                        <td class="num">{row.click_outs}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="breakdown" data-dimension=dimension.as_str()>
            <h3>{dimension.label()}</h3>
            <table class="releases">
                <thead>
                    <tr>
                        <th scope="col">{dimension.label()}</th>
                        <th scope="col" class="num">"Visits"</th>
                        <th scope="col" class="num">"Click-outs"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </section>
    }
    .into_any()
}

/// What each number means, in the words artists use.
#[component]
pub fn DefinitionsPage() -> impl IntoView {
    let definitions = [
        ("Visits", "Every time a person opens a fan page. Bots, link previews (Instagram, WhatsApp, iMessage, Slack, Discord...), prefetches and HEAD requests are not visits; they are counted apart as Filtered."),
        ("Unique visitors", "Different people who visited, counted per day without cookies: a hash of the address, the browser and a random salt that changes every day and is deleted after 48 hours. The same person on two days counts twice; several people behind one address with the same phone model may count once."),
        ("Service click-outs", "A fan pressing a streaming service's button, recorded by the server before sending them on, so ad blockers, iOS and in-app browsers cannot hide it. This is the number that shows intent: where listeners actually go."),
        ("Click-through rate", "Service click-outs divided by visits. A page that sends 40 of 100 visitors to a service has a 40% click-through rate."),
        ("Sessions and engagement rate", "A session is one person's time on one page: their visit and whatever they do next, until ten minutes pass without anything. A session is engaged when it holds an action (a service click-out, a custom button, a share, a video play, a pre-save, an add or a follow), not just looking. Engagement rate is engaged sessions divided by sessions. Sessions end at midnight UTC, when visitor hashes change."),
        ("Releases and links tables", "Per release: the same numbers for each release (and artist page) with visits or clicks in the range. Per link: each button on a release's page, its clicks, its share of all the page's clicks, and its clicks divided by the page's visits."),
        ("Custom button clicks", "Clicks on the artist's own buttons: tickets, merch, pre-orders."),
        ("Pre-saves", "Fans who authorized a pre-save before the release moment."),
        ("Library adds and follows", "What pre-saves delivered on release day: the release saved to the fan's library, and the artist followed."),
        ("Shares and video plays", "Fans pressing Share, and starting the embedded video."),
        ("Filtered", "Requests that were not people looking: crawlers, link-preview fetchers, prefetches. Shown so you can see them, never mixed into the other numbers."),
        ("Time zone", "Days are UTC days. The previous period is the same number of days just before the chosen range."),
    ];
    let items = definitions
        .into_iter()
        .map(|(term, meaning)| view! { <dt>{term}</dt> <dd>{meaning}</dd> })
        .collect_view();
    view! {
        <leptos_meta::Title text="What the numbers mean · Dropday" />
        <main class="page narrow">
            <p><a href="/dashboard/analytics">"← Analytics"</a></p>
            <h1>"What the numbers mean"</h1>
            <dl class="definitions">{items}</dl>
        </main>
    }
    .into_any()
}
