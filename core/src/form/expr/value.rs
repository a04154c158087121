//! The values an expression computes, and XPath 1.0's conversions between them.

use std::borrow::Cow;

/// What an answer or an expression's result is. An unanswered question is `Empty`, which
/// behaves exactly like the empty string `''` (as ODK sends it).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    /// The choices of a `select_multiple`, in the order they were picked. XPath sees them as
    /// one space-separated string, as ODK stores them.
    Multi(Vec<String>),
    #[default]
    Empty,
}

impl Value {
    /// The choices of a `select_multiple`.
    pub fn multi<S: Into<String>>(choices: impl IntoIterator<Item = S>) -> Self {
        Value::Multi(choices.into_iter().map(Into::into).collect())
    }

    /// Unanswered: `Empty`, `''`, no choice picked, or a number that is not one (ODK's null).
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Str(s) => s.is_empty(),
            Value::Multi(choices) => choices.iter().all(String::is_empty),
            Value::Num(n) => n.is_nan(),
            Value::Bool(_) => false,
        }
    }

    /// XPath `boolean()`: a non-empty string, a number other than 0 and NaN, `true()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(_) | Value::Multi(_) | Value::Empty => !self.to_text().is_empty(),
        }
    }

    /// XPath `number()`: a string that is not a number (the empty string too) is NaN.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Str(_) | Value::Multi(_) | Value::Empty => parse_number(&self.to_text()),
        }
    }

    /// XPath `string()`; a multi-select is its choices joined by single spaces.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            Value::Num(n) => Cow::Owned(format_number(*n)),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Multi(choices) => Cow::Owned(choices.join(" ")),
            Value::Empty => Cow::Borrowed(""),
        }
    }

    /// The choices picked: a multi-select's own list, or any other value's string split at
    /// whitespace (a `select_one`, or a selection held as text).
    pub fn choices(&self) -> Vec<Cow<'_, str>> {
        match self {
            Value::Multi(choices) => choices
                .iter()
                .map(|c| c.trim_matches(is_xml_space))
                .filter(|c| !c.is_empty())
                .map(Cow::Borrowed)
                .collect(),
            Value::Str(s) => s.split(is_xml_space).filter(|c| !c.is_empty()).map(Cow::Borrowed).collect(),
            other => {
                let text = other.to_text().into_owned();
                text.split(is_xml_space).filter(|c| !c.is_empty()).map(|c| Cow::Owned(c.to_owned())).collect()
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Num(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        // Beyond 2^53 the nearest double is what XPath itself would hold.
        Value::Num(n as f64)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// XPath's whitespace (S in the XML grammar): space, tab, carriage return, line feed.
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// XPath 1.0 string-to-number: optional whitespace, an optional minus, digits with an optional
/// decimal point, optional whitespace. Anything else (a plus sign, an exponent, a comma,
/// `Infinity`, the empty string) is NaN.
pub(crate) fn parse_number(s: &str) -> f64 {
    let t = s.trim_matches(is_xml_space);
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits_only(int) || !digits_only(frac) {
        return f64::NAN;
    }
    // Spelled out in full, Rust's parser reads exactly this grammar (and rounds correctly).
    let normal = format!("{}.{}", if int.is_empty() { "0" } else { int }, if frac.is_empty() { "0" } else { frac });
    let n = normal.parse::<f64>().unwrap_or(f64::NAN);
    if negative { -n } else { n }
}

/// XPath 1.0 number-to-string: `NaN`, `Infinity`, `-Infinity`, integers without a decimal
/// point, `0` for negative zero, otherwise plain decimal digits (never an exponent), as few
/// as tell the number apart.
pub(crate) fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else if n == 0.0 {
        "0".into()
    } else {
        // Rust's `Display` for f64 is the shortest exact form, without exponent.
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_as_numbers_by_xpath_grammar() {
        assert_eq!(parse_number("12"), 12.0);
        assert_eq!(parse_number(" \t-2.5\n"), -2.5);
        assert_eq!(parse_number(".5"), 0.5);
        assert_eq!(parse_number("5."), 5.0);
        assert_eq!(parse_number("-.5"), -0.5);
        for not_a_number in
            ["", " ", ".", "-", "+1", "1e3", "1,5", "Infinity", "NaN", "--1", "1-", "1.2.3", "１２", "三"]
        {
            assert!(parse_number(not_a_number).is_nan(), "{not_a_number:?}");
        }
    }

    #[test]
    fn numbers_print_as_xpath_prints_them() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(1e21), "1000000000000000000000");
        assert_eq!(format_number(1e-7), "0.0000001");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::INFINITY), "Infinity");
        assert_eq!(format_number(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn multi_select_is_its_space_joined_choices() {
        let m = Value::multi(["a", "b"]);
        assert_eq!(m.to_text(), "a b");
        assert!(m.to_bool());
        assert!(!Value::multi(Vec::<String>::new()).to_bool());
        assert!(Value::multi(Vec::<String>::new()).is_empty());
        assert_eq!(Value::multi(["3"]).to_number(), 3.0);
        assert_eq!(Value::from(" x  y ").choices(), ["x", "y"]);
    }

    #[test]
    fn truth_follows_xpath() {
        assert!(!Value::Empty.to_bool());
        assert!(!Value::from("").to_bool());
        assert!(Value::from("false").to_bool(), "a non-empty string is true, whatever it says");
        assert!(Value::from("0").to_bool());
        assert!(!Value::Num(0.0).to_bool());
        assert!(!Value::Num(f64::NAN).to_bool());
        assert!(Value::Num(-0.1).to_bool());
        assert!(Value::Empty.to_number().is_nan());
        assert_eq!(Value::Bool(true).to_number(), 1.0);
    }
}
