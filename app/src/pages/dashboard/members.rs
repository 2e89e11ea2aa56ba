//! Members and invitations: admins invite anyone, change roles and grants, and remove people; artists invite team
//! members to their own artists. Every server function re-checks the caller's rights.
use super::layout::use_me;
use crate::pages::auth::{capitalized, FormError};
use crate::types::{
    Access, AppError, GrantInput, GrantOption, GrantTarget, InvitationCreated, InvitationStatus,
    InvitationView, MemberView, Role,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use std::collections::BTreeMap;

#[server(endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<MemberView>, AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    members::list_members(&ctx.db, &caller).await
}

#[server(endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<Vec<InvitationView>, AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    members::list_invitations(&ctx.db, &caller, ctx.clock.now()).await
}

/// What the caller may grant: every artist and release for admins, their own artists for artists.
#[server(endpoint = "grant_options")]
pub async fn grant_options() -> Result<Vec<GrantOption>, AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    members::grant_options(&ctx.db, &caller).await
}

/// Invites someone by email. The link is returned once (to copy) and, when SMTP is configured, emailed.
#[server(endpoint = "invite_member", input = Json)]
pub async fn invite_member(
    email: String,
    role: Role,
    grants: Vec<GrantInput>,
) -> Result<InvitationCreated, AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    let emailed = ctx.email_queued.is_set();
    let (invitation, link) = members::invite(
        &ctx.db,
        &caller,
        members::NewInvitation {
            email: &email,
            role,
            grants: &grants,
        },
        &ctx.public_url,
        emailed,
        ctx.clock.now(),
    )
    .await?;
    ctx.email_queued.call();
    Ok(InvitationCreated {
        invitation,
        link,
        emailed,
    })
}

#[server(endpoint = "revoke_invitation", input = Json)]
pub async fn revoke_invitation(invitation_id: i32) -> Result<(), AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    members::revoke_invitation(&ctx.db, &caller, invitation_id, ctx.clock.now()).await
}

#[server(endpoint = "change_member_role", input = Json)]
pub async fn change_member_role(
    membership_id: i32,
    role: Role,
    grants: Vec<GrantInput>,
) -> Result<(), AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    members::change_role(
        &ctx.db,
        &caller,
        membership_id,
        role,
        &grants,
        ctx.clock.now(),
    )
    .await
}

#[server(endpoint = "remove_member", input = Json)]
pub async fn remove_member(membership_id: i32) -> Result<(), AppError> {
    use crate::server::{auth, models::members};
    let (ctx, caller) = auth::signed_in().await?;
    members::remove_member(&ctx.db, &caller, membership_id, ctx.clock.now()).await
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let me = use_me();
    let invite = Action::new(|(email, role, grants): &(String, Role, Vec<GrantInput>)| {
        invite_member(email.clone(), *role, grants.clone())
    });
    let revoke = Action::new(|id: &i32| revoke_invitation(*id));
    let change = Action::new(|(id, role, grants): &(i32, Role, Vec<GrantInput>)| {
        change_member_role(*id, *role, grants.clone())
    });
    let remove = Action::new(|id: &i32| remove_member(*id));
    let refresh = move || {
        (
            invite.version().get(),
            revoke.version().get(),
            change.version().get(),
            remove.version().get(),
        )
    };
    let members = crate::components::data(refresh, |_| list_members());
    let invitations = crate::components::data(refresh, |_| list_invitations());
    let options = crate::components::data(|| (), |_| grant_options());
    let is_admin = me.is_admin();

    view! {
        <leptos_meta::Title text="Members · Dropday" />
        <main class="page">
            <h1>"Members"</h1>
            {me.can_invite.then(|| view! { <InviteForm invite options is_admin /> })}
            <h2>"People"</h2>
            <FormError value=change.value() />
            <FormError value=remove.value() />
            <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
                {move || {
                    members
                        .get()
                        .map(|result| match result {
                            Ok(list) => {
                                view! { <MemberTable members=list is_admin options change remove /> }.into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
            <h2>"Invitations"</h2>
            <FormError value=revoke.value() />
            <Transition fallback=|| view! { <p class="muted">"Loading invitations…"</p> }>
                {move || {
                    invitations
                        .get()
                        .map(|result| match result {
                            Ok(list) => view! { <InvitationTable invitations=list revoke /> }.into_any(),
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

type GrantChoices = RwSignal<BTreeMap<GrantTarget, Access>>;

/// One select per artist and release: no access, view, edit (and owner, for an artist's own profile).
#[component]
fn GrantPicker(
    options: Vec<GrantOption>,
    role: Signal<Role>,
    choices: GrantChoices,
    #[prop(into)] id_prefix: String,
) -> impl IntoView {
    let rows = options
        .into_iter()
        .enumerate()
        .map(|(index, option)| {
            let target = option.target;
            let is_artist = matches!(target, GrantTarget::Artist(_));
            let id = format!("{id_prefix}-{index}");
            let current = move || {
                choices.with(|c| c.get(&target).map(|a| a.as_str()).unwrap_or("").to_owned())
            };
            view! {
                <div class="grant-row" class:nested=!is_artist>
                    <label for=id.clone()>{option.label.clone()}</label>
                    <select
                        id=id
                        prop:value=current
                        on:change=move |event| {
                            let value = event_target_value(&event);
                            choices.update(|c| match value.parse::<Access>() {
                                Ok(access) => {
                                    c.insert(target, access);
                                }
                                Err(_) => {
                                    c.remove(&target);
                                }
                            });
                        }
                    >
                        <option value="">"No access"</option>
                        <option value="view">"Can view"</option>
                        <option value="edit">"Can edit"</option>
                        {move || {
                            (is_artist && role.get() == Role::Artist)
                                .then(|| view! { <option value="owner">"Owner"</option> })
                        }}
                    </select>
                </div>
            }
        })
        .collect_view();
    view! { <div class="grants">{rows}</div> }
}

fn chosen_grants(choices: GrantChoices) -> Vec<GrantInput> {
    choices.with(|c| {
        c.iter()
            .map(|(target, access)| GrantInput {
                target: *target,
                access: *access,
            })
            .collect()
    })
}

#[component]
fn InviteForm(
    invite: Action<(String, Role, Vec<GrantInput>), Result<InvitationCreated, AppError>>,
    options: crate::components::Data<Result<Vec<GrantOption>, AppError>>,
    is_admin: bool,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Team);
    let choices: GrantChoices = RwSignal::new(BTreeMap::new());
    let roles: Vec<Role> = if is_admin {
        Role::ALL.to_vec()
    } else {
        vec![Role::Team]
    };
    let role_options = roles
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == Role::Team>{r.label()}</option> })
        .collect_view();
    // A sent invitation clears the form, so the next one starts from no access rather than inheriting grants.
    Effect::new(move |_| {
        if let Some(Ok(_)) = invite.value().get() {
            email.set(String::new());
            choices.set(BTreeMap::new());
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let grants = if role.get_untracked() == Role::Admin {
            Vec::new()
        } else {
            chosen_grants(choices)
        };
        invite.dispatch((email.get_untracked(), role.get_untracked(), grants));
    };
    view! {
        <form class="card stack" on:submit=submit data-testid="invite-form">
            <h2>"Invite someone"</h2>
            <div class="row">
                <label class="grow">
                    "Email"
                    <input
                        type="email"
                        required
                        maxlength="254"
                        prop:value=move || email.get()
                        on:input=move |event| email.set(event_target_value(&event))
                    />
                </label>
                <label>
                    "Role"
                    <select on:change=move |event| {
                        if let Ok(value) = event_target_value(&event).parse::<Role>() {
                            role.set(value);
                            choices.update(|c| c.retain(|_, access| *access != Access::Owner || value == Role::Artist));
                        }
                    }>{role_options}</select>
                </label>
            </div>
            {move || {
                (role.get() != Role::Admin)
                    .then(|| {
                        view! {
                            <fieldset>
                                <legend>"Access"</legend>
                                <Suspense>
                                    {move || {
                                        options
                                            .get()
                                            .and_then(Result::ok)
                                            .map(|options| {
                                                view! { <GrantPicker options role=role.into() choices id_prefix="invite-grant" /> }
                                            })
                                    }}
                                </Suspense>
                            </fieldset>
                        }
                    })
            }}
            <FormError value=invite.value() />
            <button type="submit" class="primary" disabled=move || invite.pending().get()>"Create invitation"</button>
            {move || {
                invite
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|created| {
                        let note = if created.emailed {
                            format!("We are emailing the link to {}. You can also copy it:", created.invitation.email)
                        } else {
                            format!("Send this link to {}. It works once, for 7 days:", created.invitation.email)
                        };
                        view! {
                            <div class="invite-link" role="status">
                                <p>{note}</p>
                                <input type="text" readonly value=created.link.clone() data-testid="invite-link" />
                                <CopyButton text=created.link />
                            </div>
                        }
                    })
            }}
        </form>
    }
    .into_any()
}

#[component]
fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    // The clipboard API exists only in secure contexts (https or localhost); elsewhere the link stays selectable.
    let available = RwSignal::new(true);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if window().is_secure_context() {
                let _ = window().navigator().clipboard().write_text(&text);
                copied.set(true);
            } else {
                available.set(false);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="secondary" on:click=copy>
            {move || match (available.get(), copied.get()) {
                (false, _) => "Select the link and copy it",
                (true, true) => "Copied",
                (true, false) => "Copy link",
            }}
        </button>
    }
    .into_any()
}

#[component]
fn MemberTable(
    members: Vec<MemberView>,
    is_admin: bool,
    options: crate::components::Data<Result<Vec<GrantOption>, AppError>>,
    change: Action<(i32, Role, Vec<GrantInput>), Result<(), AppError>>,
    remove: Action<i32, Result<(), AppError>>,
) -> impl IntoView {
    let rows = members
        .into_iter()
        // Erased per row: keeps the view type shallow enough for release builds.
        .map(|member| view! { <MemberRow member is_admin options change remove /> }.into_any())
        .collect_view();
    view! {
        <table class="releases members" data-testid="members">
            <thead>
                <tr>
                    <th scope="col">"Person"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Access"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn MemberRow(
    member: MemberView,
    is_admin: bool,
    options: crate::components::Data<Result<Vec<GrantOption>, AppError>>,
    change: Action<(i32, Role, Vec<GrantInput>), Result<(), AppError>>,
    remove: Action<i32, Result<(), AppError>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let role = RwSignal::new(member.role);
    let choices: GrantChoices = RwSignal::new(
        member
            .grants
            .iter()
            .map(|grant| (grant.target, grant.access))
            .collect(),
    );
    let id = member.membership_id;
    let grants_text = if member.role == Role::Admin {
        "Everything".to_owned()
    } else if member.grants.is_empty() {
        "Nothing yet".to_owned()
    } else {
        member
            .grants
            .iter()
            .map(|grant| {
                format!(
                    "{} ({})",
                    grant.label,
                    grant.access.label().to_ascii_lowercase()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let email = member.email.clone();
    let actions = is_admin.then(|| {
        view! {
            <button type="button" class="secondary" on:click=move |_| editing.update(|e| *e = !*e)>
                "Change"
            </button>
            <button
                type="button"
                class="danger"
                on:click=move |_| {
                    if confirm(&format!("Remove {email} from the organization?")) {
                        remove.dispatch(id);
                    }
                }
            >
                "Remove"
            </button>
        }
    });
    let current_role = member.role;
    let role_options = move || {
        Role::ALL
            .into_iter()
            .map(|r| view! { <option value=r.as_str() selected=r == current_role>{r.label()}</option> })
            .collect_view()
    };
    view! {
        <tr data-member=member.email.clone()>
            <td>
                <strong>{member.display_name.clone()}</strong>
                {member.is_you.then(|| view! { <span class="muted">" (you)"</span> })}
                <div class="muted">{member.email.clone()}</div>
            </td>
            <td data-testid="member-role">{member.role.label()}</td>
            <td>{grants_text}</td>
            <td class="actions">{actions}</td>
        </tr>
        {move || {
            editing
                .get()
                .then(|| {
                    view! {
                        <tr class="edit-row">
                            <td colspan="4">
                                <div class="stack">
                                    <label>
                                        "Role"
                                        <select on:change=move |event| {
                                            if let Ok(value) = event_target_value(&event).parse::<Role>() {
                                                role.set(value);
                                            }
                                        }>{role_options()}</select>
                                    </label>
                                    <Suspense>
                                        {move || {
                                            (role.get() != Role::Admin)
                                                .then(|| {
                                                    options
                                                        .get()
                                                        .and_then(Result::ok)
                                                        .map(|options| {
                                                            view! {
                                                                <GrantPicker
                                                                    options
                                                                    role=role.into()
                                                                    choices
                                                                    id_prefix=format!("member-{id}")
                                                                />
                                                            }
                                                        })
                                                })
                                        }}
                                    </Suspense>
                                    <button
                                        type="button"
                                        class="primary"
                                        on:click=move |_| {
                                            let grants = if role.get_untracked() == Role::Admin {
                                                Vec::new()
                                            } else {
                                                chosen_grants(choices)
                                            };
                                            change.dispatch((id, role.get_untracked(), grants));
                                            editing.set(false);
                                        }
                                    >
                                        "Save"
                                    </button>
                                </div>
                            </td>
                        </tr>
                    }
                })
        }}
    }
    .into_any()
}

/// `window.confirm`, answered "yes" on the server (where nothing is clicked).
fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        true
    }
}

#[component]
fn InvitationTable(
    invitations: Vec<InvitationView>,
    revoke: Action<i32, Result<(), AppError>>,
) -> impl IntoView {
    if invitations.is_empty() {
        return view! { <p class="muted">"No invitations yet."</p> }.into_any();
    }
    let rows = invitations
        .into_iter()
        .map(|invitation| {
            let id = invitation.id;
            let pending = invitation.status == InvitationStatus::Pending;
            view! {
                <tr data-invitation=invitation.email.clone()>
                    <td>
                        {invitation.email.clone()}
                        <div class="muted">
                            {invitation.invited_by.clone().map(|name| format!("Invited by {name}"))}
                        </div>
                    </td>
                    <td>{invitation.role.label()}</td>
                    <td data-testid="invitation-status">{invitation.status.label()}</td>
                    <td class="actions">
                        {pending
                            .then(|| {
                                view! {
                                    <button type="button" class="secondary" on:click=move |_| { revoke.dispatch(id); }>
                                        "Withdraw"
                                    </button>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="releases">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
