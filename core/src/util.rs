//! Small helpers shared by the store and the model.

/// Milliseconds since the Unix epoch, the one time unit of the store.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A fresh random id like `insp-3f9a0c1d2e4b5a69`: unguessable, sortable by kind prefix.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", hex::encode(random_bytes::<8>()))
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b
}
