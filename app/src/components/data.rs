//! Resources that carry server data into the page and back out when the WASM hydrates.
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON like Leptos's default resource codec, but read from bytes: server function answers are read that way
/// too, so each type is deserialized by one copy of serde_json's code in the WASM, not two (about 20 KB brotli).
pub struct JsonCodec;

impl<T: Serialize> Encoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A resource with [`JsonCodec`]: `Resource::new` for the dashboard.
pub type Data<T> = Resource<T, JsonCodec>;

/// Loads `fetcher(source())`, again whenever the source changes; serialized into the server-rendered page.
#[track_caller]
pub fn data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Data<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
