//! 128-bit fingerprints of record keys, so that sets of millions of keys
//! cost 16 bytes each instead of two heap strings. Two SipHash-1-3 hashes
//! with different salts: a collision among a million keys has probability
//! about 10⁻²⁷.

use std::hash::{Hash, Hasher};

pub(crate) fn fingerprint(parts: &[&[u8]]) -> u128 {
    let half = |salt: u8| {
        // `DefaultHasher::new()` is SipHash with fixed keys: deterministic
        // within a process, which is all a fingerprint set needs.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        for p in parts {
            p.hash(&mut h);
        }
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

/// The fingerprint of (instance_id, model, epoch).
pub(crate) fn key_fp(instance_id: &str, model: &str, epoch: u32) -> u128 {
    fingerprint(&[
        instance_id.as_bytes(),
        model.as_bytes(),
        &epoch.to_le_bytes(),
    ])
}
