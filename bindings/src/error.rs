//! The one error type apps see. Core's rich error is collapsed here, in one place, to the few
//! cases a screen reacts to differently. The message is what the officer reads: core's Chinese
//! message and, in brackets, the stable code (for the help desk). It names only record and item
//! ids, never personal data; the English detail stays in core's `Display`, for logs.

use xuncha_core::Error as CoreError;

#[derive(Debug, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ApiError {
    /// A record, template or jurisdiction id that this store does not know.
    NotFound(String),
    /// The request itself is wrong: unknown checklist item, wrong answer type, an item that does
    /// not apply, an illegal case transition, malformed reference data, an empty field...
    InvalidInput(String),
    /// The request is fine but the record is not ready for it (e.g. concluding with unanswered
    /// items, or a "yes" without note or evidence).
    NotReady(String),
    /// Nobody is signed in on this device: sign in first.
    NotSignedIn(String),
    /// This device is not enrolled with a sync server: enroll it first.
    NotEnrolled(String),
    /// The server cannot be reached or is busy: nothing is lost, sync again later.
    Network(String),
    /// The server refused the request; retrying it unchanged will not help.
    Refused(String),
    /// The database or the file system failed, or the database is from a newer app.
    Storage(String),
    /// Data received from elsewhere cannot be read.
    Corrupt(String),
    /// The platform key store (Android Keystore, iOS Keychain) holding the device key failed,
    /// or gave a key or signature that is not valid ed25519. Nothing was stored.
    KeyStore(String),
    /// The app is locked (idle, or locked on request): show the lock screen and unlock with
    /// the PIN or biometrics. Stable code `app_locked`.
    Locked(String),
    /// A wrong PIN, or too many wrong ones: the message says how long to wait.
    PinWrong(String),
    /// The store key from the keystore does not open this store (`store_key_wrong`).
    StoreKeyWrong(String),
    /// The console revoked this device: the store was wiped (`device_revoked`). Delete the
    /// store key from the keystore and go back to enrolment.
    DeviceRevoked(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (ApiError::NotFound(m)
        | ApiError::InvalidInput(m)
        | ApiError::NotReady(m)
        | ApiError::NotSignedIn(m)
        | ApiError::NotEnrolled(m)
        | ApiError::Network(m)
        | ApiError::Refused(m)
        | ApiError::Storage(m)
        | ApiError::Corrupt(m)
        | ApiError::KeyStore(m)
        | ApiError::Locked(m)
        | ApiError::PinWrong(m)
        | ApiError::StoreKeyWrong(m)
        | ApiError::DeviceRevoked(m)) = self;
        f.write_str(m)
    }
}

impl std::error::Error for ApiError {}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let message = e.message_with_code();
        let transient = e.is_transient();
        match e {
            CoreError::NotFound { .. } | CoreError::UnknownTemplate { .. } => ApiError::NotFound(message),
            CoreError::UnknownItem { .. }
            | CoreError::WrongAnswerType { .. }
            | CoreError::ItemNotApplicable { .. }
            | CoreError::IllegalTransition { .. }
            | CoreError::Invalid { .. }
            | CoreError::RoleForbidden { .. } => ApiError::InvalidInput(message),
            CoreError::NotReady(_) => ApiError::NotReady(message),
            CoreError::NotSignedIn => ApiError::NotSignedIn(message),
            CoreError::NotEnrolled => ApiError::NotEnrolled(message),
            CoreError::Network(_) => ApiError::Network(message),
            CoreError::Refused { .. } if transient => ApiError::Network(message),
            CoreError::Refused { .. } | CoreError::ChangeRefused { .. } => ApiError::Refused(message),
            CoreError::CorruptChanges(_) | CoreError::Document(_) => ApiError::Corrupt(message),
            CoreError::Sqlite(_) | CoreError::Io(_) | CoreError::SchemaTooNew { .. } => ApiError::Storage(message),
            CoreError::AppLocked => ApiError::Locked(message),
            CoreError::PinWrong { .. } | CoreError::PinBackoff { .. } => ApiError::PinWrong(message),
            CoreError::StoreKeyWrong => ApiError::StoreKeyWrong(message),
            CoreError::DeviceRevoked => ApiError::DeviceRevoked(message),
            CoreError::KeyStore { .. } => ApiError::KeyStore(message),
        }
    }
}

/// Reference data handed over as JSON that does not parse: where, in Chinese (serde's own words
/// are English).
pub(crate) fn bad_json(what: &str, e: serde_json::Error) -> ApiError {
    ApiError::InvalidInput(format!("{what}数据格式不正确（第 {} 行第 {} 列）(invalid)", e.line(), e.column()))
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_collapse_to_the_case_a_screen_handles_with_the_chinese_message_and_code() {
        let refused = |status| CoreError::Refused { status, code: "x".into(), message: "no".into() };
        let cases = [
            (CoreError::NotSignedIn, "NotSignedIn"),
            (CoreError::NotEnrolled, "NotEnrolled"),
            (CoreError::Network("timed out".into()), "Network"),
            (refused(503), "Network"),
            (refused(429), "Network"),
            (refused(403), "Refused"),
            (CoreError::NotReady("item I01 is not answered".into()), "NotReady"),
            (CoreError::UnknownTemplate { id: "t".into(), version: 2 }, "NotFound"),
            (CoreError::CorruptChanges("bundle too short".into()), "Corrupt"),
            (CoreError::SchemaTooNew { found: 9, supported: 3 }, "Storage"),
            (CoreError::AppLocked, "Locked"),
            (CoreError::PinBackoff { wait_ms: 30_000 }, "PinWrong"),
            (CoreError::StoreKeyWrong, "StoreKeyWrong"),
            (CoreError::DeviceRevoked, "DeviceRevoked"),
        ];
        for (core, expected) in cases {
            let text = core.message_with_code();
            let api = ApiError::from(core);
            assert!(format!("{api:?}").starts_with(expected), "{api:?} is not {expected}");
            assert_eq!(api.to_string(), text);
        }
    }
}
