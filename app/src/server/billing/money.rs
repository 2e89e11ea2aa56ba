//! Amounts as integer minor units with an ISO 4217 currency, as Stripe takes them. Read from what an admin types
//! ("49", "49.9", "49.90") and written back for people ("EUR 49.00").
use crate::types::AppError;

/// Currencies Stripe charges without minor units: an amount of 500 JPY is sent as 500, not 50000.
const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// The smallest and largest amounts accepted, in major units of a two-decimal currency: Stripe's floor is about
/// 0.50 of most currencies, and a ceiling catches a mistyped price.
const MIN_CENTS: i64 = 50;
const MAX_CENTS: i64 = 99_999_999;

pub fn decimals(currency: &str) -> u32 {
    if ZERO_DECIMAL.contains(&currency) {
        0
    } else {
        2
    }
}

/// Currencies Stripe charges in thousandths; amounts here have at most two decimals, so they are refused.
const THREE_DECIMAL: [&str; 5] = ["BHD", "JOD", "KWD", "OMR", "TND"];

/// A three-letter currency code, upper case.
pub fn currency(text: &str) -> Result<String, AppError> {
    let code = text.trim().to_ascii_uppercase();
    if THREE_DECIMAL.contains(&code.as_str()) {
        return Err(AppError::BadRequest(format!(
            "currency: {code} is counted in thousandths, which Dropday does not support; choose another"
        )));
    }
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(AppError::BadRequest(format!(
            "currency: \"{}\" is not a three-letter code such as EUR or USD",
            text.trim()
        )))
    }
}

/// Minor units of a decimal amount typed by a person: "49", "49.9", "49.90" (a comma works as the point).
pub fn parse_amount(text: &str, currency: &str, field: &str) -> Result<i64, AppError> {
    let text = text.trim().replace(',', ".");
    let bad = || {
        AppError::BadRequest(format!(
            "{field}: \"{text}\" is not an amount such as 49 or 49.90"
        ))
    };
    let places = decimals(currency) as usize;
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > places
        || whole.len() > 12
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let mut fraction_units: i64 = 0;
    for (i, digit) in fraction.bytes().enumerate() {
        fraction_units += i64::from(digit - b'0') * 10_i64.pow((places - 1 - i) as u32);
    }
    let units = whole
        .checked_mul(10_i64.pow(places as u32))
        .and_then(|w| w.checked_add(fraction_units))
        .ok_or_else(bad)?;
    let (min, max) = if places == 0 {
        (1, MAX_CENTS)
    } else {
        (MIN_CENTS, MAX_CENTS)
    };
    if units < min || units > max {
        return Err(AppError::BadRequest(format!(
            "{field}: choose an amount between {} and {} {currency}",
            format_units(min, currency),
            format_units(max, currency)
        )));
    }
    Ok(units)
}

/// "49.00" (or "500" for a zero-decimal currency).
pub fn format_units(units: i64, currency: &str) -> String {
    match decimals(currency) {
        0 => units.to_string(),
        _ => {
            let sign = if units < 0 { "-" } else { "" };
            let units = units.abs();
            format!("{sign}{}.{:02}", units / 100, units % 100)
        }
    }
}

/// "EUR 49.00"
pub fn format(units: i64, currency: &str) -> String {
    format!("{currency} {}", format_units(units, currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_people_type() {
        assert_eq!(parse_amount("49", "EUR", "price").unwrap(), 4900);
        assert_eq!(parse_amount("49.9", "EUR", "price").unwrap(), 4990);
        assert_eq!(parse_amount(" 9,99 ", "USD", "price").unwrap(), 999);
        assert_eq!(parse_amount("500", "JPY", "price").unwrap(), 500);
        assert!(parse_amount("5.5", "JPY", "price").is_err());
        assert!(parse_amount("1.234", "EUR", "price").is_err());
        assert!(parse_amount("-3", "EUR", "price").is_err());
        assert!(parse_amount("", "EUR", "price").is_err());
        let low = parse_amount("0.10", "EUR", "base fee").unwrap_err();
        assert_eq!(
            low.to_string(),
            "base fee: choose an amount between 0.50 and 999999.99 EUR"
        );
        assert_eq!(format(4900, "EUR"), "EUR 49.00");
        assert_eq!(format(5, "USD"), "USD 0.05");
        assert_eq!(format(500, "JPY"), "JPY 500");
        assert_eq!(currency("eur").unwrap(), "EUR");
        assert!(currency("euro").is_err());
        assert!(currency("KWD")
            .unwrap_err()
            .to_string()
            .contains("thousandths"));
    }
}
