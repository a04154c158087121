use super::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Key places (重点场所).
    PlaceType {
        OfficeBuilding = "office_building",
        Residential = "residential",
        RentedHousing = "rented_housing",
        Hotel = "hotel",
        Cafe = "cafe",
        Childcare = "childcare",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub place_type: PlaceType,
    pub address: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub lat: Option<f64>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub lon: Option<f64>,
    /// Owner or managing unit (房屋产权人、受委托管理单位).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub owner: String,
}
