use super::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Levels of the jurisdiction tree (属地管理), top to bottom.
    Level { City = "city", County = "county", Township = "township", Community = "community", Grid = "grid" }
);

impl Level {
    /// The level a child of this level must have.
    pub fn child(self) -> Option<Level> {
        let all = Level::ALL;
        let i = all.iter().position(|l| *l == self)?;
        all.get(i + 1).copied()
    }
}

/// A bounding box: min_lat, min_lon, max_lat, max_lon.
pub type Bounds = [f64; 4];

/// A node of the jurisdiction tree. Reference data, not a document: it changes rarely and
/// comes from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jurisdiction {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: Level,
    pub name: String,
    /// Bounding box (min_lat, min_lon, max_lat, max_lon) for offline maps and GPS checks.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<[f64; 4]>))]
    pub bounds: Option<Bounds>,
}
