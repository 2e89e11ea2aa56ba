//! The fan's region as their browser states it, for when the request carries no country.
use crate::types::CountryCode;
use std::cmp::Reverse;

/// At most this many language ranges are looked at; real browsers send a handful.
const MAX_RANGES: usize = 32;

/// The region of the fan's most preferred language that names one: `en-GB` → GB, `pt-br` → BR,
/// `zh-Hant-TW` → TW. Ranges are taken by descending weight (`q`), ties in the header's order; `q=0` means
/// "not acceptable" and is skipped, as are `*`, tags without a region (`en`), numeric regions (`es-419`) and
/// malformed ranges. Only the first 32 ranges are considered. Never panics.
pub fn region_from_accept_language(header: &str) -> Option<CountryCode> {
    let mut ranges: Vec<(u16, &str)> = header
        .split(',')
        .take(MAX_RANGES)
        .filter_map(parse_range)
        .filter(|(weight, _)| *weight > 0)
        .collect();
    // Stable: equal weights keep the header's order.
    ranges.sort_by_key(|(weight, _)| Reverse(*weight));
    ranges.into_iter().find_map(|(_, tag)| region_of(tag))
}

/// One `language-range [; q=weight]`: its weight in thousandths and its tag, or `None` when malformed.
fn parse_range(range: &str) -> Option<(u16, &str)> {
    let mut parts = range.split(';');
    let tag = parts.next()?.trim();
    if tag.is_empty() {
        return None;
    }
    let mut weight = 1000;
    for parameter in parts {
        if parameter.trim().is_empty() {
            continue; // a stray `;`
        }
        let (name, value) = parameter.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            weight = parse_weight(value.trim())?;
        }
        // Other parameters are not defined for Accept-Language; ignore them.
    }
    Some((weight, tag))
}

/// An RFC 9110 `qvalue` (`0`, `0.5`, `1`, `1.000`, at most three decimals) in thousandths.
fn parse_weight(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, digit) in fraction.bytes().enumerate() {
        thousandths += u16::from(digit - b'0') * [100, 10, 1][i];
    }
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The region subtag of a BCP 47 tag: language, then optional extended languages and script, then the region.
/// Only two-letter regions count; `UK`, a common mistake, is read as `GB`. Underscores (`en_US`, seen from some
/// clients) are accepted as separators.
fn region_of(tag: &str) -> Option<CountryCode> {
    let mut subtags = tag.split(['-', '_']);
    let language = subtags.next()?;
    if !(2..=8).contains(&language.len()) || !is_alpha(language) {
        return None; // `*`, private use (`x-...`), grandfathered `i-...` and garbage
    }
    let mut extlangs = 0;
    let mut script = false;
    for subtag in subtags {
        match subtag.len() {
            2 if is_alpha(subtag) => {
                return if subtag.eq_ignore_ascii_case("uk") {
                    CountryCode::parse("GB")
                } else {
                    CountryCode::parse(subtag)
                };
            }
            3 if is_alpha(subtag) && !script && extlangs < 3 => extlangs += 1,
            4 if is_alpha(subtag) && !script => script = true,
            // A numeric region, a variant, an extension or garbage: no two-letter region can follow.
            _ => return None,
        }
    }
    None
}

fn is_alpha(subtag: &str) -> bool {
    subtag.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(header: &str) -> Option<String> {
        region_from_accept_language(header).map(|code| code.as_str().to_owned())
    }

    fn is(header: &str, expected: &str) {
        assert_eq!(region(header).as_deref(), Some(expected), "{header:?}");
    }

    fn none(header: &str) {
        assert_eq!(region(header), None, "{header:?}");
    }

    #[test]
    fn simple_tags() {
        is("en-GB", "GB");
        is("pt-br", "BR");
        is("zh-Hant-TW", "TW");
        is("DE-de", "DE");
        is("sr-Latn-RS", "RS");
        is("zh-yue-HK", "HK");
        none("en");
        none("es-419");
        none("");
        none("*");
    }

    #[test]
    fn a_browser_header() {
        is("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "CH");
        is("en-US,en;q=0.9", "US");
        is("nl,en-US;q=0.9,en;q=0.8", "US");
    }

    #[test]
    fn skips_tags_without_a_usable_region() {
        is("en, es-419, de-AT", "AT");
        is("*, fr, x-private-FR, i-klingon, de-CH", "CH");
        is("de-1996, sl-rozaj-IT, en-ZA", "ZA");
        is("es-419;q=1, en-XX;q=0.9, en-ZZ;q=0.8, pt-PT;q=0.7", "PT");
        none("en, fr, de, es-419, *");
    }

    #[test]
    fn weights_decide_the_order() {
        is("en-US;q=0.5, de-DE;q=0.8", "DE");
        is("en-US;q=0.5, de-DE;Q=0.8, fr-FR", "FR");
        is("en-US;q=0.001, fr", "US");
        is("en-US ; q=0.9 , pt-BR ;q=1.0", "BR");
        is("en-US;q=1.000, pt-BR;q=0.999", "US");
    }

    #[test]
    fn equal_weights_keep_the_header_order() {
        is("en-GB;q=0.8, en-US;q=0.8", "GB");
        is("en-US;q=0.8, en-GB;q=0.8", "US");
        is("fr-FR, de-DE", "FR");
    }

    #[test]
    fn q_zero_means_not_acceptable() {
        none("en-GB;q=0");
        none("en-GB;q=0.000, fr-FR;q=0.0");
        is("en-GB;q=0, fr-FR;q=0.1", "FR");
    }

    #[test]
    fn malformed_ranges_are_skipped() {
        none(";;;,q=abc");
        none(";q=0.9, ,,, ;");
        is("en-GB;q=abc, de-AT;q=0.5", "AT");
        is("en-GB;q=1.5, de-AT;q=0.5", "AT");
        is("en-GB;q=0.1234, de-AT;q=0.5", "AT");
        is("en-GB;q=-0.5, de-AT;q=0.5", "AT");
        is("en-GB;q, de-AT;q=0.5", "AT");
        is("en-GB;q=, de-AT;q=0.5", "AT");
        is("en-GB;q=.5, de-AT;q=0.5", "AT");
        is("en-GB;q=0.5;level=1, de-AT;q=0.4", "GB");
        is("en--GB, e-GB, english-language-GB, en-G1, de-AT", "AT");
        is("en-GB-, de-AT", "GB");
        is("en-GB;, de-AT;q=0.5", "GB");
        is("en-GB; ;q=0.4, de-AT;q=0.5", "AT");
        is("  \t en-gb  ", "GB");
        is("en_US", "US");
        is("en-UK", "GB");
        none("\u{0}\u{ff}é-ÉÉ, 日本-JP, en-€€");
        none("q=0.5");
        is("ja-JP;q=0.9,, ,en;q=0.8", "JP");
    }

    #[test]
    fn only_the_first_32_ranges_count() {
        let mut header = vec!["en"; 31].join(",");
        header.push_str(",de-AT");
        is(&header, "AT");
        header = vec!["en"; 32].join(",");
        header.push_str(",de-AT");
        none(&header);
    }

    #[test]
    fn very_long_or_odd_input_does_not_panic() {
        let long = "a".repeat(1_000_000);
        none(&long);
        none(&format!("{long}-GB"));
        is(&format!("en-GB,{}", ";".repeat(100_000)), "GB");
        none(&",".repeat(100_000));
        none(&"-".repeat(10_000));
        none(&"q=1;".repeat(10_000));
        is(&format!("fr-FR;q=0.9,{}", "x-y;q=0.5,".repeat(10)), "FR");
        let mut mixed = String::new();
        for byte in 0u8..=127 {
            mixed.push(char::from(byte));
            mixed.push_str("-GB;q=0.");
        }
        let _ = region_from_accept_language(&mixed);
        for text in [
            "\u{10FFFF}",
            "q=0.5;q=1",
            "en;q=1;q=0",
            "en-GB;q=1;q=0",
            ";;",
            "=;=,=",
            "-GB",
        ] {
            let _ = region_from_accept_language(text);
        }
        none("en-GB;q=1;q=0");
    }
}
