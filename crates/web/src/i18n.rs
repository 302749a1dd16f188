//! Message catalogues: every string the portal shows comes from `i18n/en.toml` or `i18n/zh-CN.toml`
//! (flat `key = "text"`), embedded in the binary. Both catalogues have exactly the same keys — a test
//! checks it — so a missing translation is a build failure, not a blank on screen.

use acorn_domain::people::Locale;
use std::collections::HashMap;
use std::sync::LazyLock;

const EN: &str = include_str!("../i18n/en.toml");
const ZH: &str = include_str!("../i18n/zh-CN.toml");

fn parse(src: &str, name: &str) -> HashMap<String, String> {
    let table: toml::Table = toml::from_str(src).unwrap_or_else(|e| panic!("catalogue {name} is not valid TOML: {e}"));
    table.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect()
}

static CATALOGUES: LazyLock<[HashMap<String, String>; 2]> = LazyLock::new(|| [parse(EN, "en"), parse(ZH, "zh-CN")]);

/// The strings of one locale, as templates use them: `t.t("nav.dashboard")`.
#[derive(Clone, Copy, Debug)]
pub struct T {
    pub locale: Locale,
}

impl T {
    pub fn new(locale: Locale) -> T {
        T { locale }
    }

    /// The text for `key`; an unknown key shows itself so it is easy to spot (and a test fails).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let idx = match self.locale {
            Locale::En => 0,
            Locale::ZhCn => 1,
        };
        let catalogues: &'static [HashMap<String, String>; 2] = &CATALOGUES;
        match catalogues[idx].get(key) {
            Some(s) => s.as_str(),
            None => key,
        }
    }

    /// `lang` attribute value.
    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }
}

/// Keys of a catalogue, for the parity test.
pub fn keys(locale: Locale) -> Vec<String> {
    let idx = if locale == Locale::En { 0 } else { 1 };
    let mut k: Vec<String> = CATALOGUES[idx].keys().cloned().collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_have_identical_keys() {
        assert_eq!(keys(Locale::En), keys(Locale::ZhCn));
        assert!(keys(Locale::En).len() > 20);
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let en = keys(Locale::En);
        for entry in std::fs::read_dir(dir).expect("templates dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("template");
            for part in text.split("t.t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                assert!(en.iter().any(|k| k == key), "{} uses unknown key `{key}`", path.display());
            }
        }
    }
}
