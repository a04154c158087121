//! uniffi facade over `xuncha_core` for the Android (Kotlin) and iOS (Swift) apps.
//!
//! Thin on purpose: every rule lives in core; this crate only mirrors core's values as uniffi
//! records and enums (`records`), collapses core's error to [`ApiError`] (`error`), and exports
//! [`XunchaStore`] (`store`), its evidence calls (`evidence`), the app lock (`lock`), server sync with progress
//! callbacks (`sync`) and the platform-held device key (`signer`). Bindings are generated from
//! the built library by `scripts/gen-bindings`, never edited by hand.

uniffi::setup_scaffolding!();

mod error;
mod evidence;
mod lock;
mod records;
mod signer;
mod store;
mod sync;
mod transport;

pub use error::ApiError;
pub use lock::{LockState, new_store_key};
pub use records::*;
pub use signer::{DeviceSigner, SignerError};
pub use store::XunchaStore;
pub use sync::SyncProgress;
pub use transport::{HttpTransport, TransportError};
