use crate::model::{check_accuracy, check_lat_lon};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

crate::model::wire_enum!(
    /// Which location provider produced a fix.
    GpsProvider { Gps = "gps", Network = "network", Fused = "fused" }
);

/// A location fix as the phone reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GpsFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub altitude_m: Option<f64>,
    pub provider: GpsProvider,
    /// The phone says the location is simulated (Android's isMock / iOS's simulated flag).
    pub mock: bool,
    /// When the fix was taken, by the GNSS / provider clock (ms since the epoch).
    pub fix_time_ms: i64,
    /// The device clock when the fix was handed to the app.
    pub device_time_ms: i64,
}

impl GpsFix {
    /// Refuses fixes that cannot be real: off the globe, NaN, accuracy not positive.
    pub fn validate(&self) -> Result<()> {
        check_lat_lon(self.lat, self.lon)?;
        check_accuracy(self.accuracy_m)?;
        if let Some(alt) = self.altitude_m
            && (!alt.is_finite() || !(-500.0..=9000.0).contains(&alt))
        {
            return Err(Error::invalid("altitude", format!("海拔 {alt} 米不合理")));
        }
        if self.fix_time_ms <= 0 || self.device_time_ms <= 0 {
            return Err(Error::invalid("fix time", "定位时间早于 1970 年，设备时钟有误"));
        }
        Ok(())
    }
}

/// Great-circle distance in metres (haversine; plenty for a 200 m threshold).
pub(crate) fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix() -> GpsFix {
        GpsFix {
            lat: 26.61,
            lon: 106.92,
            accuracy_m: 5.0,
            altitude_m: Some(900.0),
            provider: GpsProvider::Gps,
            mock: false,
            fix_time_ms: 1,
            device_time_ms: 1,
        }
    }

    #[test]
    fn impossible_fixes_are_refused() {
        assert!(fix().validate().is_ok());
        for bad in [
            GpsFix { lat: 91.0, ..fix() },
            GpsFix { lon: -181.0, ..fix() },
            GpsFix { lat: f64::NAN, ..fix() },
            GpsFix { accuracy_m: 0.0, ..fix() },
            GpsFix { accuracy_m: -3.0, ..fix() },
            GpsFix { accuracy_m: f64::NAN, ..fix() },
            GpsFix { altitude_m: Some(f64::INFINITY), ..fix() },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn distance_is_about_right() {
        let d = distance_m(26.61, 106.92, 26.62, 106.92);
        assert!((d - 1112.0).abs() < 5.0, "{d}");
    }
}
