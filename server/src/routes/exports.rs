//! CSV exports of analytics for a signed-in member: the report's tables and the raw events of a date range.
//! Spreadsheet formula injection is defused: a cell that starts with `=`, `+`, `-` or `@` gets a leading `'`.
use crate::state::AppState;
use app::server::analytics::stats::{self, Days, Target};
use app::server::auth::caller;
use app::types::AppError;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard/export/{table}", get(export))
}

#[derive(Debug, serde::Deserialize)]
struct ExportQuery {
    release: Option<i32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// Raw events are read in pages of this many rows, so an export of millions never sits in memory at once.
const PAGE: u64 = 5_000;

async fn export(
    State(state): State<AppState>,
    Path(table): Path<String>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Response {
    build(&state, &table, query, &headers)
        .await
        .unwrap_or_else(crate::error::dashboard_error)
}

async fn build(
    state: &AppState,
    table: &str,
    query: ExportQuery,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let ctx = state.server_ctx();
    let caller = caller::from_headers(&ctx, headers)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let membership = caller.member()?;
    let now = ctx.clock.now();
    let days = stats::days_for(query.from, query.to, now.date_naive())?;
    let (target, _) = stats::target_for(&ctx.db, membership, query.release).await?;
    let (name, body) = match table.strip_suffix(".csv") {
        Some("events") => (
            "events",
            Body::from_stream(events_csv(state.db.clone(), target, days)),
        ),
        Some("report") => (
            "report",
            Body::from(report_csv(&ctx.db, &target, days, now).await?),
        ),
        Some("releases") => (
            "releases",
            Body::from(releases_csv(&ctx.db, &target, days, now).await?),
        ),
        Some("links") => (
            "links",
            Body::from(links_csv(&ctx.db, &target, days, now).await?),
        ),
        // The fans who opted in to the artist's emails on this release's page (all time).
        Some("fans") => {
            let release_id = query.release.ok_or_else(|| {
                AppError::BadRequest("the fans export needs ?release=<id>".into())
            })?;
            ("fans", Body::from(fans_csv(&ctx.db, release_id).await?))
        }
        _ => return Err(AppError::NotFound),
    };
    let filename = format!(
        "dropday-{name}-{}{}-{}.csv",
        query
            .release
            .map(|id| format!("release-{id}-"))
            .unwrap_or_default(),
        days.from,
        days.to
    );
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn fans_csv(db: &sea_orm::DatabaseConnection, release_id: i32) -> Result<String, AppError> {
    let rows = app::server::presave::report::email_opt_ins(db, release_id).await?;
    let mut csv = csv_line(&[
        "email",
        "spotify_name",
        "country",
        "consented_at",
        "consent_text",
    ]);
    for row in rows {
        csv.push_str(&csv_line(&[
            row.email,
            row.spotify_name.unwrap_or_default(),
            row.country.unwrap_or_default(),
            row.consented_at.to_rfc3339(),
            row.consent_text,
        ]));
    }
    Ok(csv)
}

/// One CSV line.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cell = cell.as_ref();
        let defused = match cell.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
            _ => cell.to_owned(),
        };
        if defused.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&defused.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&defused);
        }
    }
    line.push_str("\r\n");
    line
}

const EVENT_COLUMNS: [&str; 20] = [
    "id",
    "occurred_at",
    "kind",
    "artist_id",
    "release_id",
    "service",
    "referrer_domain",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "device_class",
    "browser",
    "os",
    "country",
    "locale",
    "visitor_hash",
    "is_bot",
    "filtered",
];

fn events_csv(
    db: sea_orm::DatabaseConnection,
    target: Target,
    days: Days,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::unfold(Some((db, target, 0_i64, true)), move |state| async move {
        let (db, target, after, first) = state?;
        let mut chunk = String::new();
        if first {
            chunk.push_str(&csv_line(&EVENT_COLUMNS));
        }
        match stats::raw_events(&db, &target, days, after, PAGE).await {
            Ok(rows) if rows.is_empty() => {
                if first {
                    Some((Ok(chunk), None))
                } else {
                    None
                }
            }
            Ok(rows) => {
                let last = rows.last().map(|row| row.id).unwrap_or(after);
                for row in rows {
                    let opt = |value: Option<String>| value.unwrap_or_default();
                    chunk.push_str(&csv_line(&[
                        row.id.to_string(),
                        row.occurred_at.to_rfc3339(),
                        row.kind,
                        row.artist_id.map(|id| id.to_string()).unwrap_or_default(),
                        row.release_id.map(|id| id.to_string()).unwrap_or_default(),
                        opt(row.service),
                        opt(row.referrer_domain),
                        opt(row.utm_source),
                        opt(row.utm_medium),
                        opt(row.utm_campaign),
                        opt(row.utm_content),
                        opt(row.utm_term),
                        opt(row.device_class),
                        opt(row.browser),
                        opt(row.os),
                        opt(row.country),
                        opt(row.locale),
                        opt(row.visitor_hash),
                        row.is_bot.to_string(),
                        if row.is_bot { "1" } else { "0" }.to_owned(),
                    ]));
                }
                Some((Ok(chunk), Some((db, target, last, false))))
            }
            Err(error) => {
                tracing::error!(%error, "events export failed part-way");
                Some((
                    Err(std::io::Error::other("the export failed part-way")),
                    None,
                ))
            }
        }
    })
}

/// The report's tables in one file: a `section` column says which table a row belongs to.
async fn report_csv(
    db: &sea_orm::DatabaseConnection,
    target: &Target,
    days: Days,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    let report = stats::report(db, target, String::new(), days, now, usize::MAX).await?;
    let cards = report.cards;
    let mut out = csv_line(&["section", "key", "visits", "click_outs", "value"]);
    for (key, value) in [
        ("visits", cards.visits.to_string()),
        ("unique_visitors", cards.unique_visitors.to_string()),
        ("click_outs", cards.click_outs.to_string()),
        (
            "click_through_rate",
            format!("{:.4}", cards.click_through_rate),
        ),
        ("sessions", cards.sessions.to_string()),
        ("engaged_sessions", cards.engaged_sessions.to_string()),
        ("engagement_rate", format!("{:.4}", cards.engagement_rate)),
        ("custom_clicks", cards.custom_clicks.to_string()),
        ("pre_saves", cards.pre_saves.to_string()),
        ("library_adds", cards.library_adds.to_string()),
        ("follows", cards.follows.to_string()),
        ("shares", cards.shares.to_string()),
        ("video_plays", cards.video_plays.to_string()),
        ("filtered", cards.filtered.to_string()),
    ] {
        out.push_str(&csv_line(&["total", key, "", "", &value]));
    }
    for point in report.series {
        out.push_str(&csv_line(&[
            "day".to_owned(),
            point.day.to_string(),
            point.visits.to_string(),
            point.click_outs.to_string(),
            String::new(),
        ]));
    }
    for breakdown in report.breakdowns {
        for row in breakdown.rows {
            out.push_str(&csv_line(&[
                breakdown.dimension.as_str().to_owned(),
                row.value,
                row.visits.to_string(),
                row.click_outs.to_string(),
                String::new(),
            ]));
        }
    }
    Ok(out)
}

/// The per-release table of a report over several releases (just the header for one release).
async fn releases_csv(
    db: &sea_orm::DatabaseConnection,
    target: &Target,
    days: Days,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    let mut out = csv_line(&[
        "artist",
        "release_id",
        "release",
        "visits",
        "unique_visitors",
        "click_outs",
        "click_through_rate",
        "engagement_rate",
        "pre_saves",
    ]);
    for row in stats::releases_table(db, target, days, now).await? {
        out.push_str(&csv_line(&[
            row.artist,
            row.release_id.map(|id| id.to_string()).unwrap_or_default(),
            row.title,
            row.visits.to_string(),
            row.unique_visitors.to_string(),
            row.click_outs.to_string(),
            format!("{:.4}", row.click_through_rate),
            format!("{:.4}", row.engagement_rate),
            row.pre_saves.to_string(),
        ]));
    }
    Ok(out)
}

/// The per-link table of one release (just the header for several).
async fn links_csv(
    db: &sea_orm::DatabaseConnection,
    target: &Target,
    days: Days,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    let visits = stats::cards(db, target, days, now).await?.visits;
    let mut out = csv_line(&[
        "link",
        "label",
        "url",
        "clicks",
        "share_of_clicks",
        "click_through_rate",
    ]);
    for row in stats::links_table(db, target, days, visits, now).await? {
        out.push_str(&csv_line(&[
            row.key,
            row.label,
            row.url,
            row.clicks.to_string(),
            format!("{:.4}", row.share_of_clicks),
            format!("{:.4}", row.click_through_rate),
        ]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::csv_line;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(
            csv_line(&["a", "b,c", "say \"hi\""]),
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(
            csv_line(&["=HYPERLINK(\"x\")"]),
            "\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
        assert_eq!(csv_line(&["+1", "@x", "-2"]), "'+1,'@x,'-2\r\n");
        assert_eq!(csv_line(&["line\nbreak"]), "\"line\nbreak\"\r\n");
    }
}
