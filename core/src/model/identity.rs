use serde::{Deserialize, Serialize};

/// The officer signed in on a device: who answers items, who appears in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Officer {
    pub name: String,
    pub department: String,
    /// Law-enforcement certificate number (执法证号); empty for grid staff without one.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub cert_no: String,
}

/// This device and who is signed in on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct DeviceIdentity {
    pub device_id: String,
    pub officer: Option<Officer>,
}
