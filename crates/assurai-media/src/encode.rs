//! Resize an RGB buffer to fit a maximum side and encode it as JPEG ([`PreparedImage`]).

use base64::Engine as _;
use fast_image_resize as fir;

use crate::error::{MediaError, Result};

/// A JPEG ready for a vision judge: bytes, size, and Base64 / data-URL views.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedImage {
    jpeg: Vec<u8>,
    width: u32,
    height: u32,
    source_width: u32,
    source_height: u32,
}

impl std::fmt::Debug for PreparedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImage")
            .field("jpeg_bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("source_width", &self.source_width)
            .field("source_height", &self.source_height)
            .finish()
    }
}

impl PreparedImage {
    /// The JPEG file's bytes.
    pub fn jpeg(&self) -> &[u8] {
        &self.jpeg
    }

    /// Takes the JPEG bytes.
    pub fn into_jpeg(self) -> Vec<u8> {
        self.jpeg
    }

    /// Width of the JPEG in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height of the JPEG in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Width of the decoded source after EXIF orientation, before resizing.
    pub fn source_width(&self) -> u32 {
        self.source_width
    }

    /// Height of the decoded source after EXIF orientation, before resizing.
    pub fn source_height(&self) -> u32 {
        self.source_height
    }

    /// The JPEG as standard Base64 (with padding).
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.jpeg)
    }

    /// The JPEG as a `data:image/jpeg;base64,...` URL for an OpenAI-compatible `image_url`.
    pub fn data_url(&self) -> String {
        let mut url = String::with_capacity(23 + self.jpeg.len().div_ceil(3) * 4);
        url.push_str("data:image/jpeg;base64,");
        base64::engine::general_purpose::STANDARD.encode_string(&self.jpeg, &mut url);
        url
    }

    /// Writes the JPEG to a file.
    pub fn write_to(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.jpeg).map_err(|source| MediaError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

/// Output size for a source of `width`×`height` fitted into `max_side`, never upscaled.
pub(crate) fn fit_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(long);
    let scaled = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, max_side);
    if width >= height {
        (max_side, scaled(height))
    } else {
        (scaled(width), max_side)
    }
}

pub(crate) fn check_encode_options(max_side: u32, quality: u8) -> Result<()> {
    if !(1..=100).contains(&quality) {
        return Err(MediaError::option(
            "quality",
            format!("{quality}: expected 1..=100"),
        ));
    }
    if !(1..=u32::from(u16::MAX)).contains(&max_side) {
        return Err(MediaError::option(
            "max_side",
            format!("{max_side}: expected 1..=65535"),
        ));
    }
    Ok(())
}

/// Resizes tightly packed RGB24 pixels (Lanczos3) to fit `max_side` and encodes a JPEG.
pub(crate) fn encode_rgb(
    rgb: Vec<u8>,
    width: u32,
    height: u32,
    max_side: u32,
    quality: u8,
) -> Result<PreparedImage> {
    check_encode_options(max_side, quality)?;
    let expected = width as usize * height as usize * 3;
    if width == 0 || height == 0 || rgb.len() != expected {
        return Err(MediaError::invalid(
            "pixels",
            format!(
                "RGB buffer of {} bytes does not match {width}x{height}x3 = {expected}",
                rgb.len()
            ),
        ));
    }
    let (out_w, out_h) = fit_size(width, height, max_side);
    let pixels = if (out_w, out_h) == (width, height) {
        rgb
    } else {
        let src = fir::images::Image::from_vec_u8(width, height, rgb, fir::PixelType::U8x3)
            .map_err(|e| MediaError::invalid("pixels", e.to_string()))?;
        let mut dst = fir::images::Image::new(out_w, out_h, fir::PixelType::U8x3);
        let options = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
        fir::Resizer::new()
            .resize(&src, &mut dst, &options)
            .map_err(|e| MediaError::invalid("pixels", format!("resize failed: {e}")))?;
        dst.into_vec()
    };
    // Both sides are at most `max_side` <= 65535 here, so the casts are exact.
    let (w16, h16) = (out_w as u16, out_h as u16);
    let mut jpeg = Vec::with_capacity(pixels.len() / 8 + 1024);
    jpeg_encoder::Encoder::new(&mut jpeg, quality)
        .encode(&pixels, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| MediaError::invalid("pixels", format!("JPEG encoding failed: {e}")))?;
    Ok(PreparedImage {
        jpeg,
        width: out_w,
        height: out_h,
        source_width: width,
        source_height: height,
    })
}

#[cfg(test)]
mod tests {
    use super::fit_size;

    #[test]
    fn fit_size_cases() {
        assert_eq!(fit_size(1920, 1080, 1024), (1024, 576));
        assert_eq!(fit_size(1080, 1920, 1024), (576, 1024));
        assert_eq!(fit_size(800, 600, 1024), (800, 600));
        assert_eq!(fit_size(10000, 10, 1024), (1024, 1));
        assert_eq!(fit_size(1, 1, 1024), (1, 1));
        assert_eq!(fit_size(2048, 2048, 1024), (1024, 1024));
    }
}
