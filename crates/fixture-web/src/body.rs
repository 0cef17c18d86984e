//! Response bodies: whole buffers, and streams that never hold more than one shared chunk
//! (a 50 MB page, a gzip bomb inflating past 1 GiB, a one-byte-a-second drip).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;

pub(crate) enum Body {
    Full(Option<Bytes>),
    /// Parts, each sent `count` times; `exact` says whether the length is announced.
    Parts {
        parts: VecDeque<(Bytes, u64)>,
        remaining: u64,
        exact: bool,
    },
    /// One byte per `every`, forever, cycling through `text`.
    Drip {
        text: Bytes,
        pos: usize,
        sleep: Pin<Box<Sleep>>,
        every: Duration,
    },
}

impl Body {
    pub(crate) fn full(data: impl Into<Bytes>) -> Body {
        let data = data.into();
        Body::Full(if data.is_empty() { None } else { Some(data) })
    }

    pub(crate) fn parts(parts: Vec<(Bytes, u64)>, exact: bool) -> Body {
        let remaining = parts.iter().map(|(b, n)| b.len() as u64 * n).sum();
        let parts = parts.into_iter().filter(|(b, n)| !b.is_empty() && *n > 0).collect();
        Body::Parts {
            parts,
            remaining,
            exact,
        }
    }

    pub(crate) fn drip(text: &'static [u8], every: Duration) -> Body {
        Body::Drip {
            text: Bytes::from_static(text),
            pos: 0,
            sleep: Box::pin(tokio::time::sleep(every)),
            every,
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Parts { parts, remaining, .. } => {
                let Some((chunk, count)) = parts.front_mut() else {
                    return Poll::Ready(None);
                };
                let out = chunk.clone();
                *count -= 1;
                if *count == 0 {
                    parts.pop_front();
                }
                *remaining -= out.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(out))))
            }
            Body::Drip {
                text,
                pos,
                sleep,
                every,
            } => {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let deadline = tokio::time::Instant::now() + *every;
                sleep.as_mut().reset(deadline);
                let byte = text.slice(*pos..*pos + 1);
                *pos = (*pos + 1) % text.len();
                Poll::Ready(Some(Ok(Frame::data(byte))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(data) => data.is_none(),
            Body::Parts { parts, .. } => parts.is_empty(),
            Body::Drip { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Body::Parts {
                remaining, exact: true, ..
            } => SizeHint::with_exact(*remaining),
            Body::Parts { .. } | Body::Drip { .. } => SizeHint::default(),
        }
    }
}

/// 50 MiB, the size of the huge page.
pub(crate) const HUGE_BODY: u64 = 50 * 1024 * 1024;

/// The huge page: an HTML head, then 64 KiB filler chunks up to [`HUGE_BODY`] bytes.
pub(crate) fn huge_page(exact: bool) -> Body {
    const HEAD: &str =
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Thư viện ảnh</title></head><body>\n";
    static FILLER: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let filler = FILLER
        .get_or_init(|| {
            let line = "<p>Thư viện ảnh hoạt động của nhà trường.</p>\n".as_bytes();
            let mut filler = Vec::with_capacity(64 * 1024 + line.len());
            while filler.len() < 64 * 1024 {
                filler.extend_from_slice(line);
            }
            filler.truncate(64 * 1024);
            Bytes::from(filler)
        })
        .clone();
    let rest = HUGE_BODY - HEAD.len() as u64;
    let whole = rest / filler.len() as u64;
    let tail = filler.slice(..(rest % filler.len() as u64) as usize);
    Body::parts(
        vec![(Bytes::from_static(HEAD.as_bytes()), 1), (filler, whole), (tail, 1)],
        exact,
    )
}

/// A gzip member inflating to `1 + 64 * groups` MiB, built from three compressed MiB: after the
/// first MiB, every further MiB of spaces compresses (with a sync flush) to the same bytes, so the
/// body is those bytes repeated and never exists whole in memory.
pub(crate) struct Bomb {
    head: Bytes,
    group: Bytes,
    groups: u64,
    tail: Bytes,
}

const MIB: usize = 1024 * 1024;

fn deflate_sync(c: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::new();
    let start = c.total_in();
    loop {
        out.reserve(64 * 1024);
        let consumed = (c.total_in() - start) as usize;
        let status = c
            .compress_vec(&input[consumed..], &mut out, flush)
            .expect("deflate in memory");
        let all_in = (c.total_in() - start) as usize == input.len();
        if status == Status::StreamEnd || (all_in && out.len() < out.capacity()) {
            break;
        }
    }
    out
}

impl std::fmt::Debug for Bomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bomb({} bytes, {} inflated)",
            self.compressed_len(),
            self.inflated_len()
        )
    }
}

impl Bomb {
    pub(crate) fn build(groups: u64) -> Bomb {
        let mut first = vec![b' '; MIB];
        let prefix =
            b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Trang ch\xe1\xbb\xa7</title></head><body>";
        first[..prefix.len()].copy_from_slice(prefix);
        let spaces = vec![b' '; MIB];
        let mut c = Compress::new(Compression::default(), false);
        let out1 = deflate_sync(&mut c, &first, FlushCompress::Sync);
        let out2 = deflate_sync(&mut c, &spaces, FlushCompress::Sync);
        let out3 = deflate_sync(&mut c, &spaces, FlushCompress::Sync);
        assert_eq!(out2, out3, "deflate output of a repeated MiB is periodic");
        let out_end = deflate_sync(&mut c, &[], FlushCompress::Finish);

        let mut crc = Crc::new();
        crc.update(&first);
        let mut one = Crc::new();
        one.update(&spaces);
        let total_mib = 1 + 64 * groups;
        for _ in 1..total_mib {
            crc.combine(&one);
        }
        let isize = ((total_mib * MIB as u64) & 0xFFFF_FFFF) as u32;

        let mut head = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        head.extend_from_slice(&out1);
        let mut group = Vec::with_capacity(out2.len() * 64);
        for _ in 0..64 {
            group.extend_from_slice(&out2);
        }
        let mut tail = out_end;
        tail.extend_from_slice(&crc.sum().to_le_bytes());
        tail.extend_from_slice(&isize.to_le_bytes());
        Bomb {
            head: head.into(),
            group: group.into(),
            groups,
            tail: tail.into(),
        }
    }

    /// Bytes once inflated.
    pub(crate) fn inflated_len(&self) -> u64 {
        (1 + 64 * self.groups) * MIB as u64
    }

    pub(crate) fn compressed_len(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.group.len() as u64 * self.groups
    }

    pub(crate) fn body(&self) -> Body {
        Body::parts(
            vec![
                (self.head.clone(), 1),
                (self.group.clone(), self.groups),
                (self.tail.clone(), 1),
            ],
            true,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;
    use std::io::Read;

    fn collect(mut body: Body) -> Vec<u8> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            out.extend_from_slice(&frame.into_data().unwrap_or_default());
        }
        out
    }

    #[test]
    fn small_bomb_is_valid_gzip_with_the_announced_size() {
        let bomb = Bomb::build(1);
        let bytes = collect(bomb.body());
        assert_eq!(bytes.len() as u64, bomb.compressed_len());
        let mut decoder = flate2::read::GzDecoder::new(&bytes[..]);
        let mut total = 0u64;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = decoder
                .read(&mut buf)
                .expect("valid gzip, CRC and length checked at the end");
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        assert_eq!(total, bomb.inflated_len());
        assert!(bomb.compressed_len() * 200 < bomb.inflated_len());
    }

    #[test]
    fn full_bomb_is_small_on_the_wire() {
        let bomb = Bomb::build(16);
        assert!(bomb.inflated_len() >= 1_000_000_000);
        assert!(bomb.compressed_len() < 8 * 1024 * 1024, "{}", bomb.compressed_len());
    }

    #[test]
    fn huge_page_has_the_exact_length() {
        let body = huge_page(true);
        assert_eq!(body.size_hint().exact(), Some(HUGE_BODY));
        assert_eq!(collect(body).len() as u64, HUGE_BODY);
    }
}
