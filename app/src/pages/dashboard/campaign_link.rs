//! The UTM link builder: source, medium, campaign, content and term turn a release's link into a tagged one to
//! copy, with a QR code for print and stories. Visits through it show up under those UTM values in analytics.
use crate::pages::auth::FormError;
use crate::types::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLink {
    pub url: String,
    /// The QR code of `url` as an SVG document (made on the server: a QR encoder would grow the WASM).
    pub qr_svg: String,
}

pub const MAX_UTM_CHARS: usize = 100;

#[server(endpoint = "build_campaign_link")]
pub async fn build_campaign_link(
    release_id: i32,
    utm_source: String,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_content: Option<String>,
    utm_term: Option<String>,
) -> Result<CampaignLink, AppError> {
    use crate::server::auth::{self, access};
    use crate::types::Access;
    let (ctx, caller) = auth::signed_in().await?;
    let (release, artist, _) =
        access::release_for(&ctx.db, caller.member()?, release_id, Access::View).await?;
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (name, value, required) in [
        ("utm_source", Some(utm_source), true),
        ("utm_medium", utm_medium, false),
        ("utm_campaign", utm_campaign, false),
        ("utm_content", utm_content, false),
        ("utm_term", utm_term, false),
    ] {
        let value = value.map(|v| v.trim().to_owned()).unwrap_or_default();
        if value.is_empty() {
            if required {
                return Err(AppError::BadRequest(
                    "enter a source, e.g. instagram or newsletter".into(),
                ));
            }
            continue;
        }
        if value.chars().count() > MAX_UTM_CHARS || value.chars().any(char::is_control) {
            return Err(AppError::BadRequest(format!(
                "{name} can have at most {MAX_UTM_CHARS} characters and no control characters"
            )));
        }
        pairs.push((name, value));
    }
    let query = serde_urlencoded::to_string(&pairs).map_err(AppError::internal)?;
    let url = format!(
        "{}/{}/{}?{query}",
        ctx.public_url, artist.slug, release.slug
    );
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(AppError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(CampaignLink { url, qr_svg })
}

#[component]
pub fn CampaignLinkBuilder(release_id: i32) -> impl IntoView {
    let build = ServerAction::<BuildCampaignLink>::new();
    view! {
        <section class="card stack" data-testid="campaign-link">
            <h2>"Campaign link"</h2>
            <p class="muted">"Tag the link you post so analytics can tell your campaigns apart."</p>
            <ActionForm action=build attr:class="stack">
                <input type="hidden" name="release_id" value=release_id.to_string() />
                <div class="row">
                    <label class="grow">"Source" <input type="text" name="utm_source" required maxlength=MAX_UTM_CHARS.to_string() placeholder="instagram" /></label>
                    <label class="grow">"Medium" <input type="text" name="utm_medium" maxlength=MAX_UTM_CHARS.to_string() placeholder="story" /></label>
                    <label class="grow">"Campaign" <input type="text" name="utm_campaign" maxlength=MAX_UTM_CHARS.to_string() placeholder="launch" /></label>
                </div>
                <div class="row">
                    <label class="grow">"Content" <input type="text" name="utm_content" maxlength=MAX_UTM_CHARS.to_string() /></label>
                    <label class="grow">"Term" <input type="text" name="utm_term" maxlength=MAX_UTM_CHARS.to_string() /></label>
                </div>
                <FormError value=build.value() />
                <button type="submit" class="primary">"Make link"</button>
            </ActionForm>
            {move || {
                build
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|link| {
                        view! {
                            <div class="invite-link" role="status">
                                <input type="text" readonly value=link.url.clone() data-testid="campaign-url" />
                                <div class="qr" inner_html=link.qr_svg></div>
                            </div>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}
