//! ISO 3166-1 alpha-2 country codes, the unit fan pages are ordered and released by.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Upper-case, two ASCII letters: `DE`, `NG`, `US`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Accepts any case (`de`, `De`); refuses anything but two ASCII letters, and the placeholders proxies send
    /// for "unknown" (`XX`) or Tor (`T1`).
    pub fn parse(code: &str) -> Option<CountryCode> {
        let bytes = code.trim().as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let code = [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()];
        (code != *b"XX" && code != *b"ZZ").then_some(CountryCode(code))
    }

    pub fn as_str(&self) -> &str {
        // Always two ASCII letters, so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CountryCode::parse(&value).ok_or_else(|| format!("not a country code: {value:?}"))
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> String {
        code.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::CountryCode;

    #[test]
    fn parses_two_letters_in_any_case() {
        assert_eq!(CountryCode::parse("ng").unwrap().as_str(), "NG");
        assert_eq!(CountryCode::parse(" De ").unwrap().to_string(), "DE");
        for bad in ["", "D", "DEU", "1A", "XX", "xx", "ZZ", "é1"] {
            assert!(CountryCode::parse(bad).is_none(), "{bad}");
        }
    }
}
