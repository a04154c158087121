//! Domain records from DOMAIN.md. Plain values: the store turns them into documents and back.

mod case;
mod identity;
mod inspection;
mod jurisdiction;
mod labels;
mod ledger;
mod patrol;
mod place;
mod record;
mod role;
mod template;

pub use case::*;
pub use identity::*;
pub use inspection::*;
pub use jurisdiction::*;
pub use ledger::*;
pub use patrol::*;
pub use place::*;
pub use record::*;
pub use role::*;
pub use template::*;

/// Declares a string-backed enum with stable wire names, `as_str` and `parse`.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
        pub enum $name { $(#[serde(rename = $wire)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $wire),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($wire => Some($name::$variant),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        // By hand: utoipa's derive does not see a `serde(rename)` whose name is a macro argument.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($wire),+]))
                    .into()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use wire_enum;

/// Refuses coordinates that cannot be on Earth (and NaN).
pub fn check_lat_lon(lat: f64, lon: f64) -> crate::Result<()> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(crate::Error::invalid("latitude", format!("纬度 {lat} 超出 -90 到 90 的范围")));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(crate::Error::invalid("longitude", format!("经度 {lon} 超出 -180 到 180 的范围")));
    }
    Ok(())
}

/// Refuses a GPS accuracy that is not a positive number of metres (NaN included).
pub fn check_accuracy(metres: f64) -> crate::Result<()> {
    if metres.is_nan() || metres <= 0.0 || metres.is_infinite() {
        return Err(crate::Error::invalid("accuracy", format!("定位精度 {metres} 米不是正数")));
    }
    Ok(())
}
