//! uniffi facade over `xuncha_core` for the Android (Kotlin) and iOS (Swift) apps.
//!
//! Thin on purpose: every rule lives in core, and so do the values: core's records and enums
//! derive their uniffi form there (its `ffi` feature), so nothing is mirrored here. This crate
//! collapses core's error to [`ApiError`] (`error`) and exports [`XunchaStore`] (`store`), its
//! evidence calls (`evidence`), the app lock (`lock`), server sync with progress callbacks
//! (`sync`) and the platform-held device key (`signer`). Bindings for both crates are generated
//! from the built library by `scripts/gen-bindings`, never edited by hand.

uniffi::setup_scaffolding!();

mod error;
mod evidence;
mod lock;
mod signer;
mod store;
mod sync;
mod transport;

pub use error::ApiError;
pub use evidence::{VerifyFailure, VerifyReport};
pub use lock::new_store_key;
pub use signer::{DeviceSigner, SignerError};
pub use store::XunchaStore;
pub use sync::{ExchangeReport, SyncProgress};
pub use transport::{HttpTransport, TransportError};
