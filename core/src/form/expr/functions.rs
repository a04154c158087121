//! The functions a form may call. Arguments are converted as XPath converts them; the parser
//! has already checked their number.

use super::answers::Answers;
use super::ast::{Func, Node};
use super::eval::eval;
use super::value::{Value, is_xml_space};

pub(super) fn call(func: Func, args: &[Node], answers: &dyn Answers) -> Value {
    // Evaluated on demand, so `if` evaluates only the branch it takes.
    let arg = |i: usize| args.get(i).map_or(Value::Empty, |a| eval(a, answers));
    match func {
        Func::True => Value::Bool(true),
        Func::False => Value::Bool(false),
        Func::Not => Value::Bool(!arg(0).to_bool()),
        Func::Selected => {
            // ODK trims the choice looked for; an empty one is never selected.
            let wanted = arg(1);
            let wanted = wanted.to_text();
            let wanted = wanted.trim_matches(is_xml_space);
            Value::Bool(!wanted.is_empty() && arg(0).choices().iter().any(|c| c == wanted))
        }
        Func::CountSelected => Value::Num(arg(0).choices().len() as f64),
        Func::StringLength => {
            let of = if args.is_empty() { answers.current() } else { arg(0) };
            // Characters, as XPath counts them (a Chinese character is one).
            Value::Num(of.to_text().chars().count() as f64)
        }
        Func::String => Value::Str(arg(0).to_text().into_owned()),
        Func::Number => Value::Num(arg(0).to_number()),
        // ODK's int(): the fractional part dropped, towards zero; NaN and infinities stay.
        Func::Int => Value::Num(arg(0).to_number().trunc()),
        Func::Round => {
            let places = if args.len() > 1 { arg(1).to_number() } else { 0.0 };
            Value::Num(round(arg(0).to_number(), places))
        }
        Func::If => {
            if arg(0).to_bool() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Func::Concat => Value::Str(args.iter().map(|a| eval(a, answers).to_text().into_owned()).collect()),
        Func::Contains => Value::Bool(arg(0).to_text().contains(&*arg(1).to_text())),
    }
}

/// ODK's `round(x, places)`: to `places` decimal places (tens, hundreds… when negative),
/// halves towards positive infinity (XPath's `round`: 2.5 → 3, -2.5 → -2), on the number as
/// written in decimal, so `round(2.675, 2)` is 2.68 as a person expects. `places` is truncated
/// (NaN counts as 0); beyond ±30 places the result is NaN, as in ODK.
pub(crate) fn round(x: f64, places: f64) -> f64 {
    let places = if places.is_nan() { 0.0 } else { places.trunc() };
    if !(-30.0..=30.0).contains(&places) {
        return f64::NAN;
    }
    if !x.is_finite() {
        return x;
    }
    // Exact: |places| <= 30 was checked above.
    let places = places as i64;
    let negative = x < 0.0;
    let written = x.abs().to_string();
    let (int, frac) = written.split_once('.').unwrap_or((&written, ""));
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // How many leading digits stay.
    let keep = int.len() as i64 + places;
    if keep >= digits.len() as i64 {
        return x;
    }
    if keep < 0 {
        // The rounding place is left of a zero that is left of every digit: rounds to 0.
        return 0.0;
    }
    let keep = keep as usize;
    let first_dropped = digits.get(keep).copied().unwrap_or(0);
    let more_after = digits.get(keep + 1..).is_some_and(|rest| rest.iter().any(|&d| d != 0));
    // Towards +infinity: a half goes up for positive numbers and down (in size) for negative.
    let up = if negative { first_dropped > 5 || (first_dropped == 5 && more_after) } else { first_dropped >= 5 };
    let mut kept: Vec<u8> = digits.get(..keep).unwrap_or_default().to_vec();
    if up {
        increment(&mut kept);
    }
    let mantissa: String =
        if kept.is_empty() { "0".into() } else { kept.iter().map(|d| char::from(b'0' + d)).collect() };
    let magnitude = format!("{mantissa}e{}", -places).parse::<f64>().unwrap_or(f64::NAN);
    if negative { -magnitude } else { magnitude }
}

/// Adds one to a big-endian list of decimal digits.
fn increment(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

#[cfg(test)]
mod tests {
    use super::round;

    #[test]
    fn rounds_halves_towards_positive_infinity_on_the_decimal_digits() {
        let cases = [
            (2.5, 0.0, 3.0),
            (-2.5, 0.0, -2.0),
            (-2.6, 0.0, -3.0),
            (-2.51, 0.0, -3.0),
            (0.4, 0.0, 0.0),
            (99.5, 0.0, 100.0),
            (12.3456, 2.0, 12.35),
            (2.675, 2.0, 2.68),
            (-2.675, 2.0, -2.67),
            (9.96, 1.0, 10.0),
            (1234.5678, -2.0, 1200.0),
            (1250.0, -2.0, 1300.0),
            (-1250.0, -2.0, -1200.0),
            (-1251.0, -2.0, -1300.0),
            (5.0, -1.0, 10.0),
            (4.0, -1.0, 0.0),
            (0.001, -5.0, 0.0),
            (7.0, 3.0, 7.0),
            (1.55, 1.9, 1.6),
            (1.5, f64::NAN, 2.0),
        ];
        for (x, places, expected) in cases {
            assert_eq!(round(x, places), expected, "round({x}, {places})");
        }
    }

    #[test]
    fn absurd_places_and_special_values() {
        assert!(round(1.0, 31.0).is_nan());
        assert!(round(1.0, -31.0).is_nan());
        assert!(round(1.0, f64::INFINITY).is_nan());
        assert!(round(f64::NAN, 0.0).is_nan());
        assert_eq!(round(f64::INFINITY, 2.0), f64::INFINITY);
        assert_eq!(round(f64::NEG_INFINITY, 0.0), f64::NEG_INFINITY);
        assert_eq!(round(f64::MAX, -30.0), f64::MAX);
        assert_eq!(round(f64::MIN_POSITIVE, 30.0), 0.0);
        assert_eq!(round(5e-324, 0.0), 0.0);
    }
}
