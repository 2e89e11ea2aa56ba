//! Fan page themes. A theme is a class on `<body>` (`theme-midnight`, ...) and a set of CSS custom properties;
//! `style/fan.css` takes every colour from those properties, so the palettes below are the only colours a fan
//! page has. Each palette meets WCAG 2.x AA, which the tests measure.
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Dark violet.
    #[default]
    Midnight,
    /// Light.
    Daylight,
    /// Warm dark, orange and pink.
    Sunset,
    /// Black and white, high contrast.
    Mono,
}

/// A theme's colours, as `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub background: &'static str,
    /// Body text and headings.
    pub text: &'static str,
    /// Secondary text (artist line, hints); also borders.
    pub muted: &'static str,
    /// Service, release and call-to-action buttons.
    pub button_bg: &'static str,
    pub button_text: &'static str,
    /// The pre-save button, "Play" pills, the video play button.
    pub accent_bg: &'static str,
    pub accent_text: &'static str,
    /// Focus rings, drawn on the background (offset from the element).
    pub focus: &'static str,
}

impl Theme {
    pub const ALL: [Theme; 4] = [Theme::Midnight, Theme::Daylight, Theme::Sunset, Theme::Mono];

    pub fn key(self) -> &'static str {
        match self {
            Theme::Midnight => "midnight",
            Theme::Daylight => "daylight",
            Theme::Sunset => "sunset",
            Theme::Mono => "mono",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Midnight => "Midnight",
            Theme::Daylight => "Daylight",
            Theme::Sunset => "Sunset",
            Theme::Mono => "Mono",
        }
    }

    /// The class to put on `<body>`.
    pub fn class_name(self) -> &'static str {
        match self {
            Theme::Midnight => "theme-midnight",
            Theme::Daylight => "theme-daylight",
            Theme::Sunset => "theme-sunset",
            Theme::Mono => "theme-mono",
        }
    }

    /// For `color-scheme`, so native controls (the checkbox) and scrollbars match the page.
    fn color_scheme(self) -> &'static str {
        match self {
            Theme::Daylight => "light",
            Theme::Midnight | Theme::Sunset | Theme::Mono => "dark",
        }
    }

    pub fn palette(self) -> Palette {
        match self {
            Theme::Midnight => Palette {
                background: "#14111f",
                text: "#f5f3ff",
                muted: "#b9b0d6",
                button_bg: "#ffffff",
                button_text: "#1c1530",
                accent_bg: "#7c3aed",
                accent_text: "#ffffff",
                focus: "#c4b5fd",
            },
            Theme::Daylight => Palette {
                background: "#f4f2f8",
                text: "#1b1526",
                muted: "#595366",
                button_bg: "#ffffff",
                button_text: "#1b1526",
                accent_bg: "#6d28d9",
                accent_text: "#ffffff",
                focus: "#6d28d9",
            },
            Theme::Sunset => Palette {
                background: "#1f0f14",
                text: "#fff4ec",
                muted: "#f0bfae",
                button_bg: "#fff4ec",
                button_text: "#3a1420",
                accent_bg: "#ff8a5c",
                accent_text: "#2a0e16",
                focus: "#ff9ec0",
            },
            Theme::Mono => Palette {
                background: "#000000",
                text: "#ffffff",
                muted: "#d9d9d9",
                button_bg: "#000000",
                button_text: "#ffffff",
                accent_bg: "#ffffff",
                accent_text: "#000000",
                focus: "#ffffff",
            },
        }
    }
}

/// The custom properties of every theme, e.g. `.theme-midnight{--bg:#14111f;...}`; goes before `fan.css` in the
/// page's `<style>`. The default theme also applies to `:root`, so a page without a theme class still has colours.
pub fn css_variables() -> String {
    let mut css = String::with_capacity(720);
    for theme in Theme::ALL {
        let p = theme.palette();
        if theme == Theme::default() {
            css.push_str(":root,");
        }
        let _ = write!(
            css,
            ".{}{{--bg:{};--text:{};--muted:{};--btn:{};--btn-text:{};--accent:{};--accent-text:{};--focus:{};\
             color-scheme:{}}}",
            theme.class_name(),
            p.background,
            p.text,
            p.muted,
            p.button_bg,
            p.button_text,
            p.accent_bg,
            p.accent_text,
            p.focus,
            theme.color_scheme(),
        );
    }
    css
}

impl FromStr for Theme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Theme::ALL
            .into_iter()
            .find(|theme| theme.key() == s)
            .ok_or_else(|| format!("unknown theme {s:?}"))
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAN_CSS: &str = include_str!("../../../../style/fan.css");

    fn channel(hex: &str, at: usize) -> f64 {
        let c = f64::from(u8::from_str_radix(&hex[at..at + 2], 16).unwrap()) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    /// WCAG 2.x relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn contrast_formula_matches_known_values() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#ffffff") - 4.48).abs() < 0.01);
        assert!((contrast("#123456", "#123456") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn every_palette_is_wcag_aa() {
        for theme in Theme::ALL {
            let p = theme.palette();
            let pairs = [
                ("text on background", p.text, p.background, 4.5),
                ("muted on background", p.muted, p.background, 4.5),
                ("button text on button", p.button_text, p.button_bg, 4.5),
                ("accent text on accent", p.accent_text, p.accent_bg, 4.5),
                ("focus ring on background", p.focus, p.background, 3.0),
            ];
            for (what, fg, bg, minimum) in pairs {
                let ratio = contrast(fg, bg);
                println!("{theme}: {what} {fg} on {bg} = {ratio:.2}");
                assert!(
                    ratio >= minimum,
                    "{theme}: {what} is {ratio:.2}, needs {minimum}"
                );
            }
        }
    }

    #[test]
    fn palette_colours_are_rrggbb() {
        for theme in Theme::ALL {
            let p = theme.palette();
            for colour in [
                p.background,
                p.text,
                p.muted,
                p.button_bg,
                p.button_text,
                p.accent_bg,
                p.accent_text,
                p.focus,
            ] {
                assert!(
                    colour.len() == 7
                        && colour.starts_with('#')
                        && colour[1..]
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                    "{theme}: {colour:?}"
                );
            }
        }
    }

    #[test]
    fn every_variable_fan_css_uses_is_defined_by_every_theme() {
        let vars = css_variables();
        let used: Vec<&str> = FAN_CSS
            .split("var(")
            .skip(1)
            .map(|rest| rest.split([')', ',']).next().unwrap().trim())
            .collect();
        assert!(
            used.len() > 5,
            "fan.css takes its colours from the theme variables"
        );
        for theme in Theme::ALL {
            let start = vars.find(&format!(".{}{{", theme.class_name())).unwrap();
            let block = &vars[start..start + vars[start..].find('}').unwrap()];
            for name in &used {
                assert!(name.starts_with("--"), "{name}");
                assert!(
                    block.contains(&format!("{name}:")),
                    "{theme} does not define {name}"
                );
            }
        }
        assert!(vars.starts_with(":root,.theme-midnight{"), "{vars}");
    }

    #[test]
    fn fan_css_has_no_colours_of_its_own() {
        let lower = FAN_CSS.to_ascii_lowercase();
        for function in ["rgb(", "rgba(", "hsl(", "hsla(", "color-mix("] {
            assert!(!lower.contains(function), "fan.css uses {function}");
        }
        let named = [
            "white", "black", "gray", "grey", "silver", "red", "purple", "orange", "pink",
        ];
        for word in lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            assert!(!named.contains(&word), "fan.css uses the colour {word}");
        }
        for (at, _) in lower.match_indices('#') {
            let hex = lower[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_hexdigit)
                .count();
            assert!(hex < 3, "fan.css has a colour literal at byte {at}");
        }
    }

    #[test]
    fn the_inline_style_stays_under_4_kb() {
        let size = css_variables().len() + FAN_CSS.len();
        println!("css_variables + fan.css = {size} bytes");
        assert!(size < 4096, "{size} bytes");
    }

    #[test]
    fn keys_round_trip() {
        for theme in Theme::ALL {
            assert_eq!(theme.key().parse::<Theme>(), Ok(theme));
            assert_eq!(theme.to_string(), theme.key());
            assert_eq!(theme.class_name(), format!("theme-{}", theme.key()));
            assert_eq!(
                serde_json::to_string(&theme).unwrap(),
                format!("\"{}\"", theme.key())
            );
            assert_eq!(
                serde_json::from_str::<Theme>(&format!("\"{}\"", theme.key())).unwrap(),
                theme
            );
            assert!(!theme.label().is_empty());
        }
        assert_eq!(Theme::default(), Theme::Midnight);
        assert!("Midnight".parse::<Theme>().is_err());
        assert!("".parse::<Theme>().is_err());
    }
}
