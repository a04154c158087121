//! Core's values on the apps' FFI (feature `ffi`, turned on by `xuncha-bindings`): the model,
//! evidence and sync types derive their uniffi records and enums where they are defined, so
//! Kotlin and Swift see core's own types and no mirror has to be kept in step. This module holds
//! what a derive cannot say: the custom types for fields uniffi has no type for. (The crate's
//! scaffolding is set up at the crate root, where the derives look for it.)

// Hashes cross as their hex text; one from the app is checked as it is lifted, like any other.
uniffi::custom_type!(ContentHash, String);
uniffi::custom_type!(EntryHash, String);

// A jurisdiction's bounding box crosses as a list of four numbers (uniffi has no arrays).
uniffi::custom_type!(Bounds, Vec<f64>, {
    remote,
    lower: |b| b.to_vec(),
    try_lift: |v| Bounds::try_from(v).map_err(|v| uniffi::deps::anyhow::anyhow!("{} numbers for a bounding box, not 4", v.len())),
});

use crate::evidence::{ContentHash, EntryHash};
use crate::model::Bounds;
