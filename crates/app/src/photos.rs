//! A story's photos as the public site serves them: decoded within bounds, turned upright,
//! then re-encoded as JPEG in two sizes. Re-encoding writes pixels only, so EXIF (the place by
//! GPS, the camera, the time), XMP and comments never reach the stored file.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::{AppError, Problem};

/// The largest photo file taken from a form (phones' photos are a few megabytes).
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// Long side of the large copy, shown on a story's page.
pub const LARGE_SIDE: u32 = 1600;
/// Long side of the small copy, shown in lists and on phones.
pub const SMALL_SIDE: u32 = 480;
/// The most pixels a photo may decode to (a 48-megapixel phone photo); more is refused
/// before any memory is taken for it.
const MAX_PIXELS: u64 = 48_000_000;
const QUALITY: u8 = 82;

/// A photo ready to store: both copies are JPEG without metadata.
#[derive(Debug, Clone)]
pub struct Reencoded {
    pub width: u32,
    pub height: u32,
    pub large: Vec<u8>,
    pub small: Vec<u8>,
}

fn refused(message: &str) -> AppError {
    AppError::Invalid(vec![Problem::at("photo", message)])
}

/// Decodes a JPEG, PNG or WebP photo, applies its orientation, and re-encodes it. CPU-bound:
/// call it through [`reencode_off_thread`] from async code.
pub fn reencode(bytes: &[u8]) -> Result<Reencoded, AppError> {
    if bytes.is_empty() {
        return Err(refused("Hãy chọn một tệp ảnh."));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(refused(&format!(
            "Ảnh lớn quá {} MB; hãy chọn ảnh nhỏ hơn.",
            MAX_PHOTO_BYTES / (1024 * 1024)
        )));
    }
    let format = image::guess_format(bytes).ok();
    if !matches!(format, Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) {
        return Err(refused("Chỉ nhận ảnh JPEG, PNG hoặc WebP."));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format.unwrap_or(ImageFormat::Jpeg));
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let unreadable = || refused("Không đọc được ảnh này; hãy chụp hoặc lưu lại rồi gửi lại.");
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(refused("Ảnh có quá nhiều điểm ảnh; hãy thu nhỏ ảnh rồi gửi lại."));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut photo = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    photo.apply_orientation(orientation);
    // JPEG has no transparency: a transparent PNG goes on white, as people expect on paper.
    let photo = DynamicImage::ImageRgb8(flatten(photo));
    let large = fit(&photo, LARGE_SIDE);
    let small = fit(&photo, SMALL_SIDE);
    Ok(Reencoded {
        width: large.width(),
        height: large.height(),
        large: jpeg(&large)?,
        small: jpeg(&small)?,
    })
}

/// [`reencode`] on the blocking pool.
pub async fn reencode_off_thread(bytes: Vec<u8>) -> Result<Reencoded, AppError> {
    tokio::task::spawn_blocking(move || reencode(&bytes))
        .await
        .map_err(|_| refused("Không xử lý được ảnh này; hãy thử lại."))?
}

fn flatten(photo: DynamicImage) -> image::RgbImage {
    if !photo.color().has_alpha() {
        return photo.into_rgb8();
    }
    let rgba = photo.into_rgba8();
    let mut out = image::RgbImage::new(rgba.width(), rgba.height());
    for (x, y, p) in rgba.enumerate_pixels() {
        let a = u16::from(p[3]);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        out.put_pixel(x, y, image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])]));
    }
    out
}

fn fit(photo: &DynamicImage, side: u32) -> DynamicImage {
    if photo.width() <= side && photo.height() <= side {
        photo.clone()
    } else {
        photo.resize(side, side, image::imageops::FilterType::Triangle)
    }
}

fn jpeg(photo: &DynamicImage) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(photo)
        .map_err(|_| refused("Không xử lý được ảnh này; hãy thử lại."))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG whose APP1 segment holds EXIF with a GPS tag, as a phone writes it.
    pub(crate) fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 5) as u8, 90])
        }));
        let mut plain = Vec::new();
        JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&img)
            .unwrap();
        // TIFF little-endian, one IFD with one entry: GPSInfo (0x8825) pointing nowhere useful.
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&0x8825u16.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&26u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let len = u16::try_from(app1.len() + 2).unwrap();
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn has_exif(bytes: &[u8]) -> bool {
        bytes.windows(6).any(|w| w == b"Exif\0\0") || bytes.windows(2).any(|w| w == [0xFF, 0xE1])
    }

    #[test]
    fn metadata_does_not_survive() {
        let original = jpeg_with_exif(64, 48);
        assert!(has_exif(&original));
        let r = reencode(&original).unwrap();
        assert!(!has_exif(&r.large) && !has_exif(&r.small));
        assert_eq!((r.width, r.height), (64, 48));
        assert_eq!(image::guess_format(&r.large).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn large_photos_are_fitted() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(2000, 1000, image::Rgba([0, 0, 0, 0])));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        let r = reencode(&png).unwrap();
        assert_eq!((r.width, r.height), (1600, 800));
        let small = image::load_from_memory(&r.small).unwrap();
        assert_eq!((small.width(), small.height()), (480, 240));
        // Transparent pixels became white, not black.
        assert!(small.to_rgb8().get_pixel(10, 10)[0] > 240);
    }

    #[test]
    fn other_files_are_refused() {
        for bad in [&b""[..], b"%PDF-1.7 not a photo", b"\xFF\xD8\xFF\xE0 broken"] {
            assert!(matches!(reencode(bad), Err(AppError::Invalid(_))));
        }
    }
}
