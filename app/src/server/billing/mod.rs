//! Organization rules and monetization: which services may appear and in what order (`rules`), who may publish
//! (`access`: free, packages, a base fee, or an admin's grant), what each artist holds (`ledger`), payments
//! through Stripe Checkout (`payments`, `stripe`), and the admin's settings and overview (`settings`).
pub mod access;
pub mod ledger;
pub mod money;
pub mod payments;
pub mod rules;
pub mod settings;
pub mod stripe;
