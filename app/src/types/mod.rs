//! Types shared by the server and the browser: wire DTOs and the application error.
mod account;
mod ads;
mod analytics;
mod country;
mod editor;
mod error;
mod organization;
pub mod presave;
mod release;
mod service;
mod slug;

pub use account::{
    Access, ActivityEntry, ActivityPage, ApiTokenCreated, ApiTokenView, GrantInput, GrantOption,
    GrantTarget, GrantView, InvitationCreated, InvitationPreview, InvitationStatus, InvitationView,
    Me, MemberView, OrganizationSummary, ReleaseDetail, Role,
};
pub use ads::{AdTrackingData, DeliveryLogRow, PixelDraft, PixelSetting, AD_PLATFORMS};
pub use analytics::{
    Breakdown, BreakdownRow, Dimension, LinkRow, ReleaseRow, SeriesPoint, StatCards, StatsReport,
};
pub use country::CountryCode;
pub use editor::{
    ArtistDraft, ArtistEditorData, ArtistSummary, DraftCustomLink, DraftLink, ImportProgress,
    LinkLookupProgress, ProfileLinkDraft, ReleaseDraft, ReleaseEditorData,
};
pub use error::AppError;
pub use organization::{
    EntitlementView, OrganizationRequest, OrganizationSettings, PackageForm, PackageView,
    PaymentView, PlatformRulesForm, PublishCheck, PublishingAnswer, PublishingRequest,
    PublishingView, RevenueLine, ServiceShare, TopRelease, ACCESS_MODES,
};
pub use release::{
    ReleaseFilter, ReleaseKind, ReleaseMode, ReleasePhase, ReleaseStatus, ReleaseSummary,
};
pub use service::StreamingService;
pub use slug::{Slug, SlugError};
