//! SoftToken: a soft-token authenticator for EPCS two-factor signing.
//!
//! The core modules ([`otp`], [`link`], [`device`], [`pin`], [`vault`],
//! [`store`], [`tokens`], [`clock`], [`protocol`], [`online`], [`trust`])
//! never import Slint, so they can be tested and reused without a display;
//! [`ui`] is the Slint glue and [`qa`] the scripted UI test runner; [`cli`]
//! is the command line; [`server`] is `softtoken-server`, the issuer and
//! verifier (no Slint either). docs/ARCHITECTURE.md maps the layers.

pub mod app;
pub mod cli;
pub mod clock;
pub mod desktop;
pub mod device;
pub mod files;
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
pub mod instance;
pub mod link;
pub mod online;
pub mod otp;
pub mod pin;
pub mod protocol;
pub mod qa;
pub mod server;
pub mod store;
pub mod tokens;
pub mod trust;
pub mod ui;
pub mod vault;
