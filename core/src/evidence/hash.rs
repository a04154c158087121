//! SHA-256 names of evidence: the content hash names the bytes (and their file), the entry hash
//! names the signed metadata (and its place in a device chain). Both arrive from other devices,
//! so each is parsed once into a type that can only hold 64 lowercase hex digits: a path built
//! from one cannot leave the evidence folder, and taking its first two digits cannot panic.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// 64 lowercase hex digits, or why not.
fn check_sha256_hex(what: &'static str, s: &str) -> Result<()> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        let shown: String = s.chars().take(80).collect();
        Err(Error::invalid(what, format!("{shown:?} 不是有效的哈希值（64 位小写十六进制）")))
    }
}

macro_rules! sha256_name {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The SHA-256 of `bytes`.
            pub fn of(bytes: &[u8]) -> Self {
                $name(hex::encode(Sha256::digest(bytes)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The 32 raw bytes of the hash (for binary framings).
            pub fn to_bytes(&self) -> [u8; 32] {
                let mut out = [0; 32];
                hex::decode_to_slice(&self.0, &mut out).expect("validated hex");
                out
            }

            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                $name(hex::encode(bytes))
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                check_sha256_hex($what, s)?;
                Ok($name(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                check_sha256_hex($what, &s)?;
                Ok($name(s))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(h: $name) -> String {
                h.0
            }
        }

        // On the wire a hash is its 64 hex digits (serde goes through `String`).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!("A ", $what, ": SHA-256, 64 lowercase hex digits.")))
                    .pattern(Some("^[0-9a-f]{64}$"))
                    .min_length(Some(64))
                    .max_length(Some(64))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<std::path::Path> for $name {
            fn as_ref(&self) -> &std::path::Path {
                std::path::Path::new(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }
    };
}

sha256_name!(
    /// SHA-256 of a piece of evidence's bytes: its file name in the evidence folder.
    ContentHash,
    "content hash"
);

sha256_name!(
    /// SHA-256 of an item's signed metadata: its identity and its device chain's link.
    EntryHash,
    "entry hash"
);

impl ContentHash {
    /// The folder a file goes in: the first two digits, so no folder holds too many files.
    pub fn shard(&self) -> &str {
        // Validated ASCII of length 64: the split is on a character boundary.
        self.0.split_at(2).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_lowercase_hex_digits_are_hashes() {
        let good = "0123456789abcdef".repeat(4);
        assert_eq!(good.parse::<ContentHash>().unwrap().shard(), "01");
        for bad in [
            "",
            "a",
            "../../../../etc/passwd",
            &good.to_uppercase(),
            &good[..63],
            &format!("{good}0"),
            &format!("{}/..", &good[..61]),
            &format!("{}é", &good[..62]),
        ] {
            assert!(bad.parse::<ContentHash>().is_err(), "{bad:?}");
            assert!(EntryHash::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_goes_through_the_check() {
        let good = "ab".repeat(32);
        let h: EntryHash = serde_json::from_str(&format!("{good:?}")).unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), format!("{good:?}"));
        assert!(serde_json::from_str::<ContentHash>("\"a\"").is_err());
        assert_eq!(
            ContentHash::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
