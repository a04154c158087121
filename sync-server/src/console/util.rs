//! Small helpers: query parameters, China Standard Time dates, CSV.

use crate::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};
use std::collections::HashMap;

pub type Params = HashMap<String, String>;

/// A query parameter, None when absent or blank.
pub fn param<'a>(q: &'a Params, key: &str) -> Option<&'a str> {
    q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A numeric query parameter within `range`, `default` when absent.
pub fn num(q: &Params, key: &str, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, ApiError> {
    match param(q, key) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "查询条件中的 {v} 无效，应为 {} 到 {} 之间的整数，请刷新页面后重试",
                range.start(),
                range.end()
            ))),
        },
    }
}

/// China Standard Time: dates in filters and exports are local dates there.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Parses `YYYY-MM-DD` as a date.
pub fn date(key: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        tracing::info!(key, value = v, "a date filter is not a date");
        ApiError::bad_request(format!("日期 {v} 格式不正确，应为 年-月-日（如 2026-03-01）"))
    })
}

/// Midnight at the start of `d`, China time, in ms since the epoch.
pub fn day_start_ms(d: NaiveDate) -> i64 {
    cst()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("fixed offset")
        .timestamp_millis()
}

/// Today's date, China time.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&cst()).date_naive()
}

pub fn local(ms: i64) -> Option<DateTime<FixedOffset>> {
    DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&cst()))
}

/// "2026-03-14 21:05", China time; empty for None.
pub fn fmt_ms(ms: Option<i64>) -> String {
    ms.and_then(local).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

/// The Monday that starts the week of `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// One CSV field: quoted when needed; a leading = + - @ is defused so that a spreadsheet does
/// not run it as a formula (the text comes from the field).
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// A CSV download: UTF-8 with a byte-order mark (so that Excel reads the Chinese), CRLF lines.
pub fn csv_response(filename: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut out = String::from("\u{feff}");
    out.push_str(&header_row.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("荷桥花园"), "荷桥花园");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn days_and_weeks_are_china_time() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
        // 2026-03-18 00:00 +08:00 = 2026-03-17 16:00 UTC.
        assert_eq!(day_start_ms(d), 1_773_763_200_000);
        assert_eq!(week_start(d), NaiveDate::from_ymd_opt(2026, 3, 16).unwrap());
        assert_eq!(fmt_ms(Some(1_773_763_200_000)), "2026-03-18 00:00");
    }
}
