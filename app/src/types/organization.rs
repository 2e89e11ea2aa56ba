//! What the dashboard shows and sends of an organization's rules and monetization: platform rules, the access
//! mode, packages, the entitlement ledger, payments and revenue, and what an artist holds and may buy. Amounts,
//! dates and states arrive formatted by the server: plain strings cost the dashboard less WASM than types.
use super::StreamingService;
use serde::{Deserialize, Serialize};

/// Which services fan pages may show, and which go first. Enforced in the editor and again on every fan page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformRulesForm {
    /// When not empty, only these services appear.
    pub allowed: Vec<StreamingService>,
    /// Never appear, on new and old pages alike.
    pub blocked: Vec<StreamingService>,
    /// First on every page, in this order, ahead of the artist's or the country's order.
    pub priority: Vec<StreamingService>,
}

impl PlatformRulesForm {
    /// Whether these rules let `service` appear.
    pub fn admits(&self, service: StreamingService) -> bool {
        !self.blocked.contains(&service)
            && (self.allowed.is_empty() || self.allowed.contains(&service))
    }
}

/// How an organization's artists may publish: stored and sent as `free`, `package`, `base_fee`, `denied`.
pub const ACCESS_MODES: [(&str, &str); 4] = [
    ("free", "Free for all: anyone may publish"),
    (
        "package",
        "Membership or package: publishing needs a package the artist holds",
    ),
    (
        "base_fee",
        "Base fee: a fee per release, unless a package covers it",
    ),
    (
        "denied",
        "Denied: only releases an admin grants may be published",
    ),
];

/// A package as admins define it, and as artists see it for sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageView {
    pub id: i32,
    pub name: String,
    /// "EUR 49.00"
    pub price: String,
    /// "5 releases within 365 days", "Any number of releases for 30 days"
    pub terms: String,
    pub active: bool,
    /// Its terms as the admin's form shows them, to change it.
    pub form: PackageForm,
}

/// A new or changed package. `price` is a decimal amount in `currency` ("49", "49.90").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageForm {
    pub id: Option<i32>,
    pub name: String,
    pub price: String,
    pub currency: String,
    /// Empty: any number of releases (a membership).
    pub releases_included: String,
    /// Empty: it never ends.
    pub duration_days: String,
}

/// One line of the entitlement ledger: what an artist holds, from a payment or an admin's grant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementView {
    pub id: i32,
    pub artist: String,
    /// "Starter pack", "Base fee · Midnight Signal", "Granted by Ada"
    pub name: String,
    /// "2 of 5 releases used", "1 release used"
    pub usage: String,
    /// "active until 2027-11-24", "expired 2026-10-01", "revoked: refunded", "used up"
    pub state: String,
    pub active: bool,
    /// Not taken back yet: an admin may take it back (used up and ended ones too: they cover releases).
    pub revocable: bool,
    /// "EUR 49.00 paid", "granted"
    pub source: String,
    pub created: String,
}

/// One payment, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: i32,
    pub artist: String,
    pub description: String,
    pub amount: String,
    /// pending, processing, paid, failed, expired or refunded
    pub status: String,
    pub created: String,
}

/// Revenue in one currency: what was paid, what was refunded, and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueLine {
    pub currency: String,
    pub paid: String,
    pub refunded: String,
    pub net: String,
    pub payments: u64,
}

/// A streaming service's share of the organization's click-outs, with a hint when it gets almost none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceShare {
    pub service: String,
    pub click_outs: u64,
    /// Per cent of all click-outs to services.
    pub share: f64,
    /// Set when pages would be tidier without it: "0.4% of clicks over 28 days: consider removing it".
    pub hint: Option<String>,
}

/// One release in the organization's top list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopRelease {
    pub release_id: Option<i32>,
    pub artist: String,
    pub title: String,
    pub visits: u64,
    pub click_outs: u64,
}

/// The admin's organization page: rules, access, packages, ledger, payments, revenue and the click overview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganizationSettings {
    pub rules: PlatformRulesForm,
    pub access_mode: String,
    /// Decimal amount and currency of the base fee, empty when none is set.
    pub base_fee: String,
    pub base_fee_currency: String,
    pub packages: Vec<PackageView>,
    pub ledger: Vec<EntitlementView>,
    pub payments: Vec<PaymentView>,
    pub revenue: Vec<RevenueLine>,
    /// The organization's artists, for granting access: (id, name).
    pub artists: Vec<(i32, String)>,
    pub top_releases: Vec<TopRelease>,
    pub services: Vec<ServiceShare>,
    /// "Last 28 days"
    pub period: String,
    /// Payments need Stripe keys in the server's configuration.
    pub payments_configured: bool,
}

/// What the admin's organization page asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationRequest {
    Load,
    SaveRules(PlatformRulesForm),
    /// Mode, base fee (decimal, may be empty unless the mode is `base_fee`) and its currency.
    SaveAccess {
        mode: String,
        base_fee: String,
        currency: String,
    },
    SavePackage(PackageForm),
    SetPackageActive {
        id: i32,
        active: bool,
    },
    /// Access for one artist: for one release, or for `releases` releases (empty: any number), optionally
    /// ending after `days`.
    Grant {
        artist_id: i32,
        releases: String,
        days: String,
    },
    Revoke {
        entitlement_id: i32,
        reason: String,
    },
}

/// Whether one release may be published, and if not, why and what would let it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishCheck {
    pub allowed: bool,
    /// "Covered by Starter pack (2 of 5 releases used)", or why not: "This organization charges EUR 9.00 per release".
    pub reason: String,
    /// The base fee for this release, when paying it would allow publishing: "EUR 9.00".
    pub fee: Option<String>,
    /// Packages the artist could buy instead.
    pub packages_for_sale: bool,
    /// Only an admin can allow it (mode denied, or nothing for sale).
    pub ask_admin: bool,
}

/// An artist's publishing page: the mode, what they hold, and what they may buy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishingView {
    pub artist_id: i32,
    pub artist: String,
    /// The mode's plain-language description.
    pub mode: String,
    pub holdings: Vec<EntitlementView>,
    pub packages: Vec<PackageView>,
    pub base_fee: Option<String>,
    /// Stripe is configured and the caller may spend for this artist.
    pub can_buy: bool,
    /// After returning from Stripe Checkout: what became of the payment.
    pub payment_note: Option<String>,
    pub payments: Vec<PaymentView>,
}

/// What the artist's publishing page (and the release editor's "Pay the fee") asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishingRequest {
    /// `session_id`: the Checkout Session the browser came back from.
    Load {
        artist_id: i32,
        session_id: Option<String>,
    },
    BuyPackage {
        artist_id: i32,
        package_id: i32,
    },
    PayFee {
        release_id: i32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishingAnswer {
    View(PublishingView),
    /// Stripe Checkout's page: the browser goes there.
    Checkout(String),
}
