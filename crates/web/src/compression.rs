//! Gzip for text responses when the client accepts it: pages, JSON, CSS and SVG travel about
//! four times smaller over the slow mobile links our users have. Files (DOCX, PDF, XLSX,
//! evidence) are sent as they are: they are compressed already, or streamed.
//!
//! Compressing a page that holds a secret next to text an attacker can choose lets the
//! attacker guess the secret from the sizes (BREACH); the one secret in our pages, the CSRF
//! token, is therefore masked afresh in every response (`csrf_token::mask`).

use std::io::Write;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body::Body as _;

/// Below this a gzip header and trailer cost about as much as they save.
const MIN_BYTES: u64 = 860;
/// Above this a response is sent as it is rather than held in memory twice.
const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Above this the compression runs off the request threads.
const INLINE_BYTES: usize = 64 * 1024;

/// The media types worth compressing (text that is not compressed already).
fn compressible_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media.starts_with("text/")
        || matches!(
            media.as_str(),
            "application/json"
                | "application/problem+json"
                | "application/javascript"
                | "application/xml"
                | "application/rss+xml"
                | "application/atom+xml"
                | "image/svg+xml"
        )
}

/// Whether an `Accept-Encoding` header allows gzip (`gzip`, `x-gzip` or `*`, not with q=0).
pub fn accepts_gzip<'a>(values: impl IntoIterator<Item = &'a HeaderValue>) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in values {
        let Ok(text) = value.to_str() else { continue };
        for item in text.split(',') {
            let mut params = item.split(';');
            let coding = params.next().unwrap_or("").trim().to_ascii_lowercase();
            let allowed = params
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map(|(_, q)| q.trim().parse::<f32>().map(|q| q > 0.0).unwrap_or(false))
                .unwrap_or(true);
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(allowed),
                "*" => any = Some(allowed),
                _ => {}
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

fn gzip_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3 + 64), Compression::new(6));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// The outermost layer: compresses what can be, and tells caches that the answer depends on
/// `Accept-Encoding`.
pub async fn gzip(request: Request, next: Next) -> Response {
    let accepts = accepts_gzip(request.headers().get_all(header::ACCEPT_ENCODING));
    let head = request.method() == Method::HEAD;
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers();
    if status.is_informational()
        || matches!(
            status,
            StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT
        )
        || headers.contains_key(header::CONTENT_ENCODING)
        || headers.contains_key(header::CONTENT_RANGE)
        || !compressible_type(headers)
        || headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("no-transform"))
    {
        return response;
    }
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Only bodies of a known size are taken in whole; a stream goes out as it comes.
    let Some(len) = response.body().size_hint().exact() else {
        return response;
    };
    if !accepts || head || !(MIN_BYTES..=MAX_BYTES).contains(&len) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BYTES as usize).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %e, "response body could not be read for compression");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let compressed = if bytes.len() > INLINE_BYTES {
        let input = bytes.clone();
        tokio::task::spawn_blocking(move || gzip_bytes(&input))
            .await
            .ok()
            .flatten()
    } else {
        gzip_bytes(&bytes)
    };
    match compressed {
        Some(smaller) if smaller.len() < bytes.len() => {
            parts.headers.remove(header::CONTENT_LENGTH);
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            // The bytes changed, so a strong validator no longer names them; the public
            // pages compare validators weakly, so a weak one still answers 304.
            if let Some(tag) = parts.headers.get(header::ETAG).and_then(|v| v.to_str().ok())
                && !tag.starts_with("W/")
                && let Ok(weak) = HeaderValue::from_str(&format!("W/{tag}"))
            {
                parts.headers.insert(header::ETAG, weak);
            }
            Response::from_parts(parts, Body::from(smaller))
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(values: &[&'static str]) -> bool {
        let values: Vec<HeaderValue> = values.iter().map(|v| HeaderValue::from_static(v)).collect();
        accepts_gzip(values.iter())
    }

    #[test]
    fn accept_encoding_is_read_as_browsers_and_tools_send_it() {
        assert!(accepts(&["gzip, deflate, br, zstd"]));
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["deflate", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(
            !accepts(&["gzip;q=0.0, *"]),
            "an explicit refusal wins over the wildcard"
        );
        assert!(!accepts(&["*;q=0"]));
        assert!(!accepts(&["gzip;q=nonsense"]));
    }

    #[test]
    fn only_text_is_compressed() {
        let with = |t: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
            compressible_type(&h)
        };
        assert!(with("text/html; charset=utf-8"));
        assert!(with("application/json"));
        assert!(with("image/svg+xml"));
        assert!(!with("application/pdf"));
        assert!(!with(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ));
        assert!(!with("image/png"));
        assert!(!compressible_type(&HeaderMap::new()));
    }

    #[test]
    fn gzip_round_trips() {
        let page = "<p>Lành Mạng</p>".repeat(200);
        let packed = gzip_bytes(page.as_bytes()).unwrap();
        assert!(packed.len() * 4 < page.len());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(packed.as_slice()), &mut out).unwrap();
        assert_eq!(out, page);
    }
}
