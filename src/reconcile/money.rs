//! Exact money: ISO 4217 currency codes, their minor-unit exponents, and decimal text parsed into
//! integer minor units.
//!
//! Every amount in a reconciliation passes through here exactly once, when its row is read. From
//! then on it is an `i64` count of minor units (cents, yen, fils) and is only added and compared,
//! so no rounding can ever make two equal payments look different or two different ones equal.

use std::fmt;

use thiserror::Error;

/// Why an amount or a currency code could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("unknown currency {0:?} (expected an ISO 4217 code such as USD, JPY or KWD)")]
    UnknownCurrency(String),
    #[error("amount {text:?} is not a decimal number like 12.34")]
    Malformed { text: String },
    #[error("amount {text:?} has more decimals than {currency} has ({exponent})")]
    TooPrecise {
        text: String,
        currency: Currency,
        exponent: u8,
    },
    #[error("amount {text:?} is too large")]
    Overflow { text: String },
}

/// A three-letter ISO 4217 code, stored inline and always upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Reads a code in any letter case (`usd` in Stripe exports, `USD` elsewhere) and accepts it
    /// only when its exponent is known: guessing two decimals for an unknown code would turn a
    /// KWD amount into a wrong one silently.
    pub fn parse(text: &[u8]) -> Result<Self, MoneyError> {
        let trimmed = text.trim_ascii();
        let unknown = || MoneyError::UnknownCurrency(String::from_utf8_lossy(text).into_owned());
        let [a, b, c] = <[u8; 3]>::try_from(trimmed).map_err(|_| unknown())?;
        let code = Currency([
            a.to_ascii_uppercase(),
            b.to_ascii_uppercase(),
            c.to_ascii_uppercase(),
        ]);
        if exponent_of(code.0).is_some() {
            Ok(code)
        } else {
            Err(unknown())
        }
    }

    /// Digits after the decimal point in this currency's minor unit.
    #[must_use]
    pub fn exponent(self) -> u8 {
        // Invariant: a `Currency` is only built by `parse`, which checks the table.
        exponent_of(self.0).unwrap_or(2)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        // Invariant: `parse` accepts only table entries, which are ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// ISO 4217 minor-unit exponents. Codes not listed are rejected rather than assumed.
fn exponent_of(code: [u8; 3]) -> Option<u8> {
    match &code {
        b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG" | b"RWF"
        | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => Some(0),
        b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => Some(3),
        b"CLF" | b"UYW" => Some(4),
        b"AED" | b"AFN" | b"ALL" | b"AMD" | b"ANG" | b"AOA" | b"ARS" | b"AUD" | b"AWG" | b"AZN"
        | b"BAM" | b"BBD" | b"BDT" | b"BGN" | b"BMD" | b"BND" | b"BOB" | b"BRL" | b"BSD"
        | b"BTN" | b"BWP" | b"BYN" | b"BZD" | b"CAD" | b"CDF" | b"CHF" | b"CNY" | b"COP"
        | b"CRC" | b"CUP" | b"CVE" | b"CZK" | b"DKK" | b"DOP" | b"DZD" | b"EGP" | b"ERN"
        | b"ETB" | b"EUR" | b"FJD" | b"FKP" | b"GBP" | b"GEL" | b"GHS" | b"GIP" | b"GMD"
        | b"GTQ" | b"GYD" | b"HKD" | b"HNL" | b"HTG" | b"HUF" | b"IDR" | b"ILS" | b"INR"
        | b"IRR" | b"JMD" | b"KES" | b"KGS" | b"KHR" | b"KPW" | b"KYD" | b"KZT" | b"LAK"
        | b"LBP" | b"LKR" | b"LRD" | b"LSL" | b"MAD" | b"MDL" | b"MGA" | b"MKD" | b"MMK"
        | b"MNT" | b"MOP" | b"MRU" | b"MUR" | b"MVR" | b"MWK" | b"MXN" | b"MYR" | b"MZN"
        | b"NAD" | b"NGN" | b"NIO" | b"NOK" | b"NPR" | b"NZD" | b"PAB" | b"PEN" | b"PGK"
        | b"PHP" | b"PKR" | b"PLN" | b"QAR" | b"RON" | b"RSD" | b"RUB" | b"SAR" | b"SBD"
        | b"SCR" | b"SDG" | b"SEK" | b"SGD" | b"SHP" | b"SLE" | b"SOS" | b"SRD" | b"SSP"
        | b"STN" | b"SVC" | b"SYP" | b"SZL" | b"THB" | b"TJS" | b"TMT" | b"TOP" | b"TRY"
        | b"TTD" | b"TWD" | b"TZS" | b"UAH" | b"USD" | b"UYU" | b"UZS" | b"VES" | b"WST"
        | b"XCD" | b"YER" | b"ZAR" | b"ZMW" | b"ZWG" => Some(2),
        _ => None,
    }
}

/// Parses decimal text (`12.34`, `-5`, `1234,5` with a comma separator) into minor units of
/// `currency`. Trailing zero decimals beyond the exponent are accepted (`12.340` USD); any other
/// extra precision is an error, never a rounding.
pub fn parse_decimal(text: &[u8], currency: Currency, separator: u8) -> Result<i64, MoneyError> {
    let malformed = || MoneyError::Malformed {
        text: String::from_utf8_lossy(text).into_owned(),
    };
    let overflow = || MoneyError::Overflow {
        text: String::from_utf8_lossy(text).into_owned(),
    };
    let (negative, digits) = split_sign(text.trim_ascii());
    let (whole, fraction) = match digits.iter().position(|&b| b == separator) {
        Some(at) => (&digits[..at], &digits[at + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(malformed());
    }

    let exponent = currency.exponent();
    let significant = fraction.len().min(usize::from(exponent));
    if fraction[significant..].iter().any(|&b| b != b'0') {
        return Err(MoneyError::TooPrecise {
            text: String::from_utf8_lossy(text).into_owned(),
            currency,
            exponent,
        });
    }

    let mut minor: i64 = 0;
    let padding = usize::from(exponent) - significant;
    let digit_values = whole
        .iter()
        .chain(&fraction[..significant])
        .map(|&b| i64::from(b - b'0'))
        .chain(std::iter::repeat_n(0, padding));
    for digit in digit_values {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(digit))
            .ok_or_else(overflow)?;
    }
    Ok(if negative { -minor } else { minor })
}

/// Parses an integer count of minor units (`1234` for 12.34 USD), as APIs such as Stripe's and
/// Adyen's `amount.value` give them.
pub fn parse_minor(text: &[u8]) -> Result<i64, MoneyError> {
    let (negative, digits) = split_sign(text.trim_ascii());
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(MoneyError::Malformed {
            text: String::from_utf8_lossy(text).into_owned(),
        });
    }
    let mut minor: i64 = 0;
    for &b in digits {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or_else(|| MoneyError::Overflow {
                text: String::from_utf8_lossy(text).into_owned(),
            })?;
    }
    Ok(if negative { -minor } else { minor })
}

fn split_sign(text: &[u8]) -> (bool, &[u8]) {
    match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    }
}

/// Writes minor units back as decimal text with a point, `-12.05` or `1500` (JPY).
#[must_use]
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let exponent = u32::from(currency.exponent());
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_u64.pow(exponent);
    let magnitude = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = exponent as usize
    )
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code.as_bytes()).unwrap()
    }

    #[test]
    fn decimal_text_becomes_exact_minor_units_per_currency_exponent() {
        let cases = [
            ("12.34", "USD", b'.', 1234),
            ("12.3", "USD", b'.', 1230),
            ("12", "usd", b'.', 1200),
            ("-0.01", "EUR", b'.', -1),
            (".5", "EUR", b'.', 50),
            ("12.340", "USD", b'.', 1234),
            ("1500", "JPY", b'.', 1500),
            ("1500.0", "JPY", b'.', 1500),
            ("1.234", "KWD", b'.', 1234),
            ("0.5", "BHD", b'.', 500),
            ("1234,56", "EUR", b',', 123_456),
            (" 7 ", "GBP", b'.', 700),
        ];
        for (text, code, sep, want) in cases {
            assert_eq!(
                parse_decimal(text.as_bytes(), cur(code), sep),
                Ok(want),
                "{text} {code}"
            );
        }
    }

    #[test]
    fn extra_precision_and_garbage_are_errors_not_roundings() {
        let usd = cur("USD");
        assert!(matches!(
            parse_decimal(b"12.345", usd, b'.'),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            parse_decimal(b"1.5", cur("JPY"), b'.'),
            Err(MoneyError::TooPrecise { .. })
        ));
        for bad in ["", "-", "1.2.3", "1,000.00", "12a", "1e5", "."] {
            assert!(parse_decimal(bad.as_bytes(), usd, b'.').is_err(), "{bad:?}");
        }
        assert!(matches!(
            parse_decimal(b"99999999999999999999", usd, b'.'),
            Err(MoneyError::Overflow { .. })
        ));
    }

    #[test]
    fn unknown_currencies_are_rejected_instead_of_guessed() {
        for bad in ["XYZ", "US", "USDT", "", "€"] {
            assert!(Currency::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert_eq!(cur("kwd").exponent(), 3);
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("OMR").exponent(), 3);
    }

    #[test]
    fn minor_units_format_back_to_decimal_text() {
        assert_eq!(format_minor(1234, cur("USD")), "12.34");
        assert_eq!(format_minor(-5, cur("USD")), "-0.05");
        assert_eq!(format_minor(1500, cur("JPY")), "1500");
        assert_eq!(format_minor(1, cur("KWD")), "0.001");
        assert_eq!(parse_minor(b"-250"), Ok(-250));
        assert!(parse_minor(b"2.50").is_err());
    }
}
