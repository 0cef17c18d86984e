//! The stylesheet and the one small script, embedded in the binary.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

const FILES: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", CSS),
    ("app.js", "text/javascript; charset=utf-8", JS),
];

/// FNV-1a over the files' bytes, at compile time.
const fn fingerprint(files: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut f = 0;
    while f < files.len() {
        let bytes = files[f].as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        f += 1;
    }
    hash
}

const fn hex(mut value: u64) -> [u8; 16] {
    let digits = b"0123456789abcdef";
    let mut out = [b'0'; 16];
    let mut i = 16;
    while i > 0 {
        i -= 1;
        out[i] = digits[(value & 0xf) as usize];
        value >>= 4;
    }
    out
}

const VERSION_BYTES: [u8; 16] = hex(fingerprint(&[CSS, JS]));

/// A version for asset URLs, so browsers may cache them for a year: it changes whenever a
/// file's content does (the crate's version did not, and kept old styles on returning phones).
pub const ASSET_VERSION: &str = match core::str::from_utf8(&VERSION_BYTES) {
    Ok(version) => version,
    // Hex digits are ASCII: this arm is never taken.
    Err(_) => env!("CARGO_PKG_VERSION"),
};

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *body,
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_asset_version_follows_the_content() {
        assert_eq!(super::ASSET_VERSION.len(), 16);
        assert_ne!(super::fingerprint(&["a"]), super::fingerprint(&["b"]));
    }
}
