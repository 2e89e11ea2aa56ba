//! Test support: a small writer of the MaxMind DB format (<https://maxmind.github.io/MaxMind-DB/>), so tests can
//! make fixture databases instead of shipping binary files.
//!
//! What it writes: an IPv6 search tree (`ip_version` 6) with 24-bit records, IPv4 networks stored in the
//! IPv4-in-IPv6 subtree `::0:0/96` (so `81.2.69.0/24` lives at `::5102:4500/120`), the 16-byte data section
//! separator, a data section of maps, UTF-8 strings, uint16/32/64 and arrays (no pointers: identical records
//! are written once and shared), then the metadata marker and the metadata map.
//!
//! Insert less specific networks before more specific ones: a later insert replaces whatever covered its
//! network before, and a network inside an earlier one splits it.
use std::collections::HashMap;
use std::net::IpAddr;

/// The metadata marker; the metadata map follows its last occurrence in the file.
const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";
/// Zero bytes between the search tree and the data section.
const DATA_SECTION_SEPARATOR: [u8; 16] = [0; 16];
/// The largest value a 24-bit record holds.
const MAX_RECORD: usize = (1 << 24) - 1;

/// A value of the data section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Map(Vec<(&'static str, Value)>),
    String(String),
    U16(u16),
    U32(u32),
    U64(u64),
    Array(Vec<Value>),
}

impl Value {
    pub(crate) fn str(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    /// A GeoLite2-Country-shaped record: `country` and `registered_country`, each with `iso_code` and names.
    pub(crate) fn country_record(iso_code: &str) -> Value {
        let country = Value::Map(vec![
            (
                "geoname_id",
                Value::U32(1000 + u32::from(iso_code.as_bytes()[0])),
            ),
            ("iso_code", Value::str(iso_code)),
            (
                "names",
                Value::Map(vec![("en", Value::str(&format!("Country {iso_code}")))]),
            ),
        ]);
        Value::Map(vec![
            ("country", country.clone()),
            ("registered_country", country),
        ])
    }
}

/// A child of a search tree node while the tree is built.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Child {
    Empty,
    Node(usize),
    /// An offset into the data section.
    Data(usize),
}

/// Builds a database in memory; [`MmdbWriter::to_bytes`] writes it out.
#[derive(Debug)]
pub(crate) struct MmdbWriter {
    database_type: String,
    /// `nodes[0]` is the root; `[left (bit 0), right (bit 1)]`.
    nodes: Vec<[Child; 2]>,
    data: Vec<u8>,
    /// Encoded record → its offset in `data`, so identical records are stored once.
    written: HashMap<Vec<u8>, usize>,
}

impl MmdbWriter {
    pub(crate) fn new(database_type: &str) -> Self {
        MmdbWriter {
            database_type: database_type.to_owned(),
            nodes: vec![[Child::Empty; 2]],
            data: Vec::new(),
            written: HashMap::new(),
        }
    }

    /// `cidr` is `address/prefix`, IPv4 or IPv6. Panics on a malformed network: this is test code.
    pub(crate) fn insert(&mut self, cidr: &str, value: &Value) -> &mut Self {
        let (address, prefix) = cidr.split_once('/').expect("CIDR as address/prefix");
        let address: IpAddr = address.parse().expect("an IP address");
        let prefix: u32 = prefix.parse().expect("a prefix length");
        let (bits, prefix) = match address {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), prefix + 96),
            IpAddr::V6(v6) => (u128::from(v6), prefix),
        };
        assert!((1..=128).contains(&prefix), "prefix out of range in {cidr}");

        let offset = self.store(value);
        let mut node = 0;
        for depth in 0..prefix {
            let bit = ((bits >> (127 - depth)) & 1) as usize;
            if depth + 1 == prefix {
                self.nodes[node][bit] = Child::Data(offset);
                break;
            }
            node = match self.nodes[node][bit] {
                Child::Node(next) => next,
                // An empty branch, or a less specific network being split: both halves keep what it had.
                covering @ (Child::Empty | Child::Data(_)) => {
                    self.nodes.push([covering; 2]);
                    let next = self.nodes.len() - 1;
                    self.nodes[node][bit] = Child::Node(next);
                    next
                }
            };
        }
        self
    }

    /// Encodes `value` into the data section once and returns its offset.
    fn store(&mut self, value: &Value) -> usize {
        let mut bytes = Vec::new();
        encode(value, &mut bytes);
        if let Some(&offset) = self.written.get(&bytes) {
            return offset;
        }
        let offset = self.data.len();
        self.data.extend_from_slice(&bytes);
        self.written.insert(bytes, offset);
        offset
    }

    /// The whole file: search tree, separator, data section, metadata marker, metadata.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let node_count = self.nodes.len();
        let record = |child: Child| match child {
            Child::Node(index) => index,
            Child::Empty => node_count,
            Child::Data(offset) => node_count + DATA_SECTION_SEPARATOR.len() + offset,
        };
        let mut out = Vec::with_capacity(node_count * 6 + self.data.len() + 512);
        for node in &self.nodes {
            for child in node {
                let value = record(*child);
                assert!(value <= MAX_RECORD, "too large for 24-bit records");
                out.extend_from_slice(&(value as u32).to_be_bytes()[1..]);
            }
        }
        out.extend_from_slice(&DATA_SECTION_SEPARATOR);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(METADATA_MARKER);
        let metadata = Value::Map(vec![
            ("binary_format_major_version", Value::U16(2)),
            ("binary_format_minor_version", Value::U16(0)),
            ("build_epoch", Value::U64(1_700_000_000)),
            ("database_type", Value::str(&self.database_type)),
            (
                "description",
                Value::Map(vec![("en", Value::str("Dropday test fixture"))]),
            ),
            ("ip_version", Value::U16(6)),
            ("languages", Value::Array(vec![Value::str("en")])),
            ("node_count", Value::U32(node_count as u32)),
            ("record_size", Value::U16(24)),
        ]);
        encode(&metadata, &mut out);
        out
    }
}

/// Builds a database of `database_type` mapping each network to a [`Value::country_record`].
pub(crate) fn country_database(database_type: &str, networks: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = MmdbWriter::new(database_type);
    for (cidr, iso_code) in networks {
        writer.insert(cidr, &Value::country_record(iso_code));
    }
    writer.to_bytes()
}

/// Data section types (the spec's numbers); 8 and above are "extended" types.
const UTF8_STRING: u8 = 2;
const UINT16: u8 = 5;
const UINT32: u8 = 6;
const MAP: u8 = 7;
const UINT64: u8 = 9;
const ARRAY: u8 = 11;

fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Map(entries) => {
            control(MAP, entries.len(), out);
            for (key, value) in entries {
                encode(&Value::str(key), out);
                encode(value, out);
            }
        }
        Value::String(text) => {
            control(UTF8_STRING, text.len(), out);
            out.extend_from_slice(text.as_bytes());
        }
        Value::U16(n) => unsigned(UINT16, u64::from(*n), out),
        Value::U32(n) => unsigned(UINT32, u64::from(*n), out),
        Value::U64(n) => unsigned(UINT64, *n, out),
        Value::Array(items) => {
            control(ARRAY, items.len(), out);
            for item in items {
                encode(item, out);
            }
        }
    }
}

/// Unsigned integers are big-endian with leading zero bytes left out (zero is zero bytes long).
fn unsigned(kind: u8, n: u64, out: &mut Vec<u8>) {
    let bytes = n.to_be_bytes();
    let significant = &bytes[(n.leading_zeros() / 8) as usize..];
    control(kind, significant.len(), out);
    out.extend_from_slice(significant);
}

/// The control byte (type in the top 3 bits, size in the low 5), then the extended type byte if any, then any
/// extra size bytes: 29 → size 29 + one byte, 30 → 285 + two bytes, 31 → 65,821 + three bytes.
fn control(kind: u8, size: usize, out: &mut Vec<u8>) {
    let (type_bits, extended) = if kind <= 7 {
        (kind, None)
    } else {
        (0, Some(kind - 7))
    };
    let (size_bits, extra): (u8, Vec<u8>) = match size {
        0..29 => (size as u8, vec![]),
        29..285 => (29, vec![(size - 29) as u8]),
        285..65_821 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => {
            assert!(size < 65_821 + (1 << 24), "value too large");
            (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec())
        }
    };
    out.push((type_bits << 5) | size_bits);
    out.extend(extended);
    out.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_per_the_spec_examples() {
        let mut out = Vec::new();
        encode(&Value::U16(0), &mut out);
        encode(&Value::U32(0x1234), &mut out);
        encode(&Value::U64(1), &mut out);
        encode(&Value::Array(vec![]), &mut out);
        assert_eq!(out, [0xa0, 0xc2, 0x12, 0x34, 0x01, 0x02, 0x01, 0x00, 0x04]);
        let mut long = Vec::new();
        control(UTF8_STRING, 300, &mut long);
        assert_eq!(long, [0x5e, 0x00, 0x0f]);
    }
}
