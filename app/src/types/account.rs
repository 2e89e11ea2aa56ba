//! Accounts as the dashboard sees them: the signed-in user, roles and grants, members, invitations, activity.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a member is in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything in the organization: members, every artist and release, platform rules, monetization.
    Admin,
    /// Owns artist profiles (granted with `Access::Owner`) and their releases; may invite team members to them.
    Artist,
    /// Works on the artists or releases they were granted, with view or edit rights.
    Team,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Artist, Role::Team];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Artist => "artist",
            Role::Team => "team",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Artist => "Artist",
            Role::Team => "Team member",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How much a grant allows, in increasing order: `View < Edit < Owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    View,
    Edit,
    /// An artist's own profile: edit, plus inviting team members to it.
    Owner,
}

impl Access {
    pub const ALL: [Access; 3] = [Access::View, Access::Edit, Access::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::View => "view",
            Access::Edit => "edit",
            Access::Owner => "owner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Access::View => "Can view",
            Access::Edit => "Can edit",
            Access::Owner => "Owner",
        }
    }
}

impl FromStr for Access {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Access::ALL
            .into_iter()
            .find(|access| access.as_str() == s)
            .ok_or_else(|| format!("unknown access {s:?}"))
    }
}

/// What a grant covers: an artist (with all its releases) or one release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantTarget {
    Artist(i32),
    Release(i32),
}

impl GrantTarget {
    /// The grant's `(artist_id, release_id)` columns: exactly one is set.
    pub fn columns(self) -> (Option<i32>, Option<i32>) {
        match self {
            GrantTarget::Artist(id) => (Some(id), None),
            GrantTarget::Release(id) => (None, Some(id)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantInput {
    pub target: GrantTarget,
    pub access: Access,
}

/// A grant with the name of what it covers, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub target: GrantTarget,
    pub access: Access,
    /// "Nova Lights" or "Nova Lights · Midnight Signal".
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    pub id: i32,
    pub name: String,
    pub slug: String,
}

/// The signed-in user and the organization the dashboard is showing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: i32,
    pub email: String,
    pub display_name: String,
    pub organization: Option<OrganizationSummary>,
    pub role: Option<Role>,
    /// Every organization the user belongs to, for the switcher.
    pub organizations: Vec<OrganizationSummary>,
    /// Whether the caller may invite anyone at all (admins; artists owning at least one artist).
    pub can_invite: bool,
}

impl Me {
    pub fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub membership_id: i32,
    pub user_id: i32,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub grants: Vec<GrantView>,
    pub joined_at: DateTime<Utc>,
    pub is_you: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationStatus {
    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "Pending",
            InvitationStatus::Accepted => "Accepted",
            InvitationStatus::Expired => "Expired",
            InvitationStatus::Revoked => "Revoked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: i32,
    pub email: String,
    pub role: Role,
    pub grants: Vec<GrantView>,
    pub invited_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
}

/// What inviting someone returns: the link to copy (shown once; only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationCreated {
    pub invitation: InvitationView,
    pub link: String,
    /// True when an email with the link was queued for delivery (SMTP is configured).
    pub emailed: bool,
}

/// What the accept page shows before the invitee decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub organization_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    /// An account with this email exists: accepting asks for its password instead of creating one.
    pub account_exists: bool,
    /// The invitee is already signed in as this email: accepting needs no password.
    pub signed_in_as_invitee: bool,
}

/// Something an artist or team member may be granted, for the invite and member forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantOption {
    pub target: GrantTarget,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: i64,
    pub actor_name: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i32>,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

/// One page of the activity log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// Pass as `before` to get the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
}

/// A release as its editor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseDetail {
    pub id: i32,
    pub title: String,
    pub artist_name: String,
    pub fan_path: String,
    /// What the caller may do with it: the editor hides controls the server would refuse.
    pub access: Access,
}

/// A personal API token as its owner sees it (the secret is shown only when created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i32,
    pub name: String,
    /// The first characters, e.g. `ddt_k3J9x`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenCreated {
    pub token: ApiTokenView,
    pub secret: String,
}
