//! Decode an untrusted image under limits and prepare it for a vision judge.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder as _, ImageError, ImageReader};

use crate::encode::{PreparedImage, check_encode_options, encode_rgb};
use crate::error::{MediaError, Result, read_limited};

/// Resource limits for decoding an untrusted image.
///
/// The defaults are safe for model output: an image that declares dimensions or a pixel count
/// above a limit is rejected from its header, before any pixel buffer is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageLimits {
    /// Maximum width in pixels (default 16 384).
    pub max_width: u32,
    /// Maximum height in pixels (default 16 384).
    pub max_height: u32,
    /// Maximum width × height (default 40 000 000).
    pub max_pixels: u64,
    /// Maximum size of the encoded file in bytes (default 64 MiB).
    pub max_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_width: 16_384,
            max_height: 16_384,
            max_pixels: 40_000_000,
            max_bytes: 64 << 20,
        }
    }
}

/// How to prepare an image: output size, JPEG quality and decoding limits.
///
/// ```
/// let mut options = assurai_media::ImageOptions::default();
/// options.max_side = 512;
/// options.quality = 90;
/// assert_eq!(options.limits.max_width, 16_384);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageOptions {
    /// The longer side of the output is at most this many pixels (default 1024; never upscaled).
    pub max_side: u32,
    /// JPEG quality 1–100 (default 85).
    pub quality: u8,
    /// Decoding limits.
    pub limits: ImageLimits,
}

impl Default for ImageOptions {
    fn default() -> Self {
        Self {
            max_side: 1024,
            quality: 85,
            limits: ImageLimits::default(),
        }
    }
}

/// Prepares an encoded image (PNG, JPEG, WebP or GIF's first frame) held in memory.
///
/// Steps: check limits from the header, decode, apply the EXIF orientation, convert to 8-bit
/// RGB (alpha composited on white, CMYK and greyscale converted), resize with Lanczos3 so the
/// longer side is at most [`ImageOptions::max_side`], encode JPEG at [`ImageOptions::quality`].
/// Embedded ICC profiles and colour-space tags are not applied: pixels are taken as sRGB.
///
/// ```
/// # fn main() -> Result<(), assurai_media::MediaError> {
/// // A 1x1 GIF.
/// let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
/// let prepared = assurai_media::prepare_image(gif, &Default::default())?;
/// assert_eq!((prepared.width(), prepared.height()), (1, 1));
/// assert!(prepared.data_url().starts_with("data:image/jpeg;base64,/9j/"));
/// # Ok(()) }
/// ```
pub fn prepare_image(bytes: &[u8], options: &ImageOptions) -> Result<PreparedImage> {
    let input = format!("image bytes ({} bytes)", bytes.len());
    prepare_named(bytes, options, &input)
}

/// Prepares an image file; see [`prepare_image`]. Files above
/// [`ImageLimits::max_bytes`] are refused before reading.
pub fn prepare_image_file(path: impl AsRef<Path>, options: &ImageOptions) -> Result<PreparedImage> {
    let path = path.as_ref();
    let bytes = read_limited(path, options.limits.max_bytes, "file size (bytes)")?;
    prepare_named(&bytes, options, &path.display().to_string())
}

fn prepare_named(bytes: &[u8], options: &ImageOptions, input: &str) -> Result<PreparedImage> {
    check_encode_options(options.max_side, options.quality)?;
    let (rgb, width, height) = decode_rgb(bytes, &options.limits, input)?;
    encode_rgb(rgb, width, height, options.max_side, options.quality)
}

/// Decodes to tightly packed RGB24 with alpha flattened on white and EXIF orientation applied.
pub(crate) fn decode_rgb(
    bytes: &[u8],
    limits: &ImageLimits,
    input: &str,
) -> Result<(Vec<u8>, u32, u32)> {
    if bytes.is_empty() {
        return Err(MediaError::invalid(
            input,
            "empty input (0 bytes), expected an image",
        ));
    }
    let len = bytes.len() as u64;
    if len > limits.max_bytes {
        return Err(MediaError::limit(
            input,
            "file size (bytes)",
            len,
            limits.max_bytes,
        ));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::invalid(input, e.to_string()))?;
    if reader.format().is_none() {
        return Err(MediaError::invalid(
            input,
            "unrecognised image format, expected PNG, JPEG, WebP or GIF",
        ));
    }
    // Read the header without limits (allocations so far are bounded by the input's size), check
    // the declared size ourselves for a precise error, then decode under the limits.
    let mut reader = reader;
    reader.no_limits();
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_image_error(e, input, limits))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits, input)?;
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_width);
    decoder_limits.max_image_height = Some(limits.max_height);
    // The decoded buffer may be 16-bit RGBA (8 bytes per pixel); leave room for the decoder's own
    // working memory on top.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    decoder
        .set_limits(decoder_limits)
        .map_err(|e| map_image_error(e, input, limits))?;
    // A damaged EXIF block is not worth failing the image for: keep it upright as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(e, input, limits))?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    if width == 0 || height == 0 {
        return Err(MediaError::invalid(input, "image has zero width or height"));
    }
    let rgb = if img.color().has_alpha() {
        flatten_on_white(img.into_rgba8().into_raw())
    } else {
        img.into_rgb8().into_raw()
    };
    Ok((rgb, width, height))
}

fn check_dimensions(width: u32, height: u32, limits: &ImageLimits, input: &str) -> Result<()> {
    if width > limits.max_width {
        return Err(MediaError::limit(
            input,
            "image width (pixels)",
            width.into(),
            limits.max_width.into(),
        ));
    }
    if height > limits.max_height {
        return Err(MediaError::limit(
            input,
            "image height (pixels)",
            height.into(),
            limits.max_height.into(),
        ));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(MediaError::limit(
            input,
            "image pixel count",
            pixels,
            limits.max_pixels,
        ));
    }
    Ok(())
}

fn map_image_error(err: ImageError, input: &str, limits: &ImageLimits) -> MediaError {
    match err {
        ImageError::Limits(e) => MediaError::InvalidInput {
            input: input.to_owned(),
            reason: format!(
                "decoding would exceed the resource limits (max {}x{}, {} pixels): {e}",
                limits.max_width, limits.max_height, limits.max_pixels
            ),
        },
        ImageError::Unsupported(e) => MediaError::Unsupported {
            input: input.to_owned(),
            reason: e.to_string(),
        },
        ImageError::IoError(e) => {
            MediaError::invalid(input, format!("truncated or unreadable: {e}"))
        }
        other => MediaError::invalid(input, other.to_string()),
    }
}

/// Composites RGBA over opaque white: `out = (a·c + (255 − a)·255) / 255`, rounded.
pub(crate) fn flatten_on_white(rgba: Vec<u8>) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u32::from(px[3]);
        for &c in &px[..3] {
            let v = u32::from(c) * a + 255 * (255 - a);
            // Exact rounding of v / 255 for v <= 65025.
            rgb.push(((v + 127) / 255) as u8);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::flatten_on_white;

    #[test]
    fn flatten_cases() {
        assert_eq!(flatten_on_white(vec![0, 0, 0, 0]), vec![255, 255, 255]);
        assert_eq!(flatten_on_white(vec![10, 20, 30, 255]), vec![10, 20, 30]);
        assert_eq!(flatten_on_white(vec![0, 0, 0, 128]), vec![127, 127, 127]);
        assert_eq!(flatten_on_white(vec![255, 0, 0, 51]), vec![255, 204, 204]);
    }
}
