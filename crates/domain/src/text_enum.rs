//! `text_enum!`: the one way an enum becomes the TEXT stored in a CHECK-constrained column and the
//! string spoken on the API. Business enums are many (PO types, line states, ack codes, shipment
//! states…) and each needs the same `as_str` / `parse` / `ALL` / serde spelling; writing those by
//! hand is where a typo silently breaks a round trip, so they are generated from one list.

/// Declares a `Copy` enum whose variants map one-to-one to fixed strings:
///
/// ```
/// acorn_domain::text_enum! {
///     /// How a PO line's quantity is counted.
///     pub enum Unit { Eaches = "Eaches", Cases = "Cases" }
/// }
/// assert_eq!(Unit::parse("Cases"), Some(Unit::Cases));
/// assert_eq!(Unit::Eaches.as_str(), "Eaches");
/// ```
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every spelling, in declaration order (for CHECK constraints and API enums).
            pub const TEXTS: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Parses or explains which spellings are allowed.
            pub fn parse_or_explain(s: &str) -> Result<$name, String> {
                Self::parse(s.trim()).ok_or_else(|| format!("`{}` is not one of {}", s.trim(), Self::TEXTS.join(", ")))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| ::serde::de::Error::custom(format!("`{s}` is not one of {}", $name::TEXTS.join(", "))))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    text_enum! {
        pub enum Colour { Red = "red", DarkBlue = "dark_blue" }
    }

    #[test]
    fn every_variant_round_trips_through_text_and_json() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(Colour::TEXTS, &["red", "dark_blue"]);
    }

    #[test]
    fn unknown_text_is_explained() {
        assert_eq!(Colour::parse_or_explain("green").unwrap_err(), "`green` is not one of red, dark_blue");
        assert!(serde_json::from_str::<Colour>("\"green\"").unwrap_err().to_string().contains("not one of red, dark_blue"));
    }
}
