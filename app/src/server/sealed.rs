//! Secrets at rest (fans' Spotify tokens, PKCE verifiers): sealed with XChaCha20-Poly1305 under a key derived from
//! the server's secret key. Each sealed value is stored with the id of the key that sealed it, so the secret key
//! can rotate: the new key seals, the old ones (`--previous-secret-keys`) still open what they sealed, and every
//! token refresh re-seals under the new key.
//!
//! The associated data names the value's place (`spotify-refresh:42`), so a sealed value copied into another row
//! or column does not open there.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed with key {0}, which is not configured (add it to --previous-secret-keys)")]
    UnknownKey(String),
    #[error("a sealed value did not open: damaged, or moved from another row")]
    Damaged,
}

struct SealingKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl SealingKey {
    fn derive(secret: &[u8; 32]) -> SealingKey {
        // Domain-separated from the other uses of the secret key (sessions, throttle hashes).
        let key = Sha256::new()
            .chain_update(b"dropday sealed values v1\0")
            .chain_update(secret)
            .finalize();
        let id = Sha256::new()
            .chain_update(b"dropday key id v1\0")
            .chain_update(secret)
            .finalize();
        SealingKey {
            id: hex::encode(&id[..4]),
            cipher: XChaCha20Poly1305::new(&key),
        }
    }
}

/// The current sealing key and the previous ones that may still open older values.
pub struct TokenKeys {
    current: SealingKey,
    previous: Vec<SealingKey>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("current", &self.current.id)
            .field("previous", &self.previous.len())
            .finish()
    }
}

/// A sealed value and the id of its key, as stored side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub value: String,
}

impl TokenKeys {
    pub fn new(secret: &[u8; 32], previous: &[[u8; 32]]) -> TokenKeys {
        TokenKeys {
            current: SealingKey::derive(secret),
            previous: previous.iter().map(SealingKey::derive).collect(),
        }
    }

    /// The id stored beside values sealed now.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for the place named by `context`.
    pub fn seal(&self, plaintext: &str, context: &str) -> Sealed {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = XNonce::from(nonce_bytes);
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            // Only fails for inputs beyond 256 GiB.
            .expect("sealing a short value");
        let mut bytes = nonce_bytes.to_vec();
        bytes.extend_from_slice(&ciphertext);
        Sealed {
            key_id: self.current.id.clone(),
            value: URL_SAFE_NO_PAD.encode(bytes),
        }
    }

    /// Opens a value sealed by `seal` for the same `context`, with whichever configured key sealed it.
    pub fn open(&self, key_id: &str, value: &str, context: &str) -> Result<String, SealError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == key_id)
            .ok_or_else(|| SealError::UnknownKey(key_id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Damaged)?;
        let plaintext = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)?;
        String::from_utf8(plaintext).map_err(|_| SealError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let keys = TokenKeys::new(&[7; 32], &[]);
        let sealed = keys.seal("AQD-refresh-token", "spotify-refresh:1");
        assert!(!sealed.value.contains("refresh"));
        assert_eq!(
            keys.open(&sealed.key_id, &sealed.value, "spotify-refresh:1"),
            Ok("AQD-refresh-token".to_owned())
        );
        // Moved to another fan's row.
        assert_eq!(
            keys.open(&sealed.key_id, &sealed.value, "spotify-refresh:2"),
            Err(SealError::Damaged)
        );
        // Tampered with.
        let mut damaged = sealed.value.clone().into_bytes();
        let last = damaged.len() - 1;
        damaged[last] = if damaged[last] == b'A' { b'B' } else { b'A' };
        let damaged = String::from_utf8(damaged).unwrap();
        assert_eq!(
            keys.open(&sealed.key_id, &damaged, "spotify-refresh:1"),
            Err(SealError::Damaged)
        );
        // Two seals of one value differ (fresh nonces).
        assert_ne!(keys.seal("x", "c").value, keys.seal("x", "c").value);
    }

    #[test]
    fn a_rotated_key_still_opens_old_values_and_seals_new_ones() {
        let old = TokenKeys::new(&[1; 32], &[]);
        let sealed_before = old.seal("token", "ctx");
        let rotated = TokenKeys::new(&[2; 32], &[[1; 32]]);
        assert_ne!(rotated.current_id(), old.current_id());
        assert_eq!(
            rotated.open(&sealed_before.key_id, &sealed_before.value, "ctx"),
            Ok("token".to_owned())
        );
        assert_eq!(rotated.seal("token", "ctx").key_id, rotated.current_id());
        // Without the old key configured, the error says which key is missing.
        let forgotten = TokenKeys::new(&[2; 32], &[]);
        assert_eq!(
            forgotten.open(&sealed_before.key_id, &sealed_before.value, "ctx"),
            Err(SealError::UnknownKey(old.current_id().to_owned()))
        );
    }
}
