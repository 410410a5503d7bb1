//! Image preparation: every format, odd sizes, alpha, CMYK, EXIF orientation, hostile input.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use assurai_media::{ImageOptions, MediaError, prepare_image, prepare_image_file};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use proptest::prelude::*;

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A smooth test pattern with some detail, `w`×`h`.
fn pattern(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            if (x / 4 + y / 4) % 2 == 0 { 40 } else { 200 },
        ])
    })
}

/// Decodes a prepared JPEG back to RGB for checks.
fn decode_jpeg(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8()
}

fn close(a: Rgb<u8>, b: [u8; 3], tol: i32) -> bool {
    a.0.iter()
        .zip(b)
        .all(|(&x, y)| (i32::from(x) - i32::from(y)).abs() <= tol)
}

#[test]
fn every_format_and_size() {
    // (format, width, height, expected output width, height)
    let cases = [
        (ImageFormat::Png, 1, 1, 1, 1),
        (ImageFormat::Png, 10_000, 10, 1024, 1),
        (ImageFormat::Png, 10, 10_000, 1, 1024),
        (ImageFormat::Png, 1200, 675, 1024, 576),
        (ImageFormat::Png, 1023, 7, 1023, 7),
        (ImageFormat::Jpeg, 1, 1, 1, 1),
        (ImageFormat::Jpeg, 577, 1025, 576, 1024),
        (ImageFormat::WebP, 3, 5, 3, 5),
        (ImageFormat::WebP, 1030, 517, 1024, 514),
        (ImageFormat::Gif, 1, 1, 1, 1),
        (ImageFormat::Gif, 1030, 40, 1024, 40),
    ];
    for (format, w, h, ow, oh) in cases {
        let bytes = encode(&DynamicImage::ImageRgb8(pattern(w, h)), format);
        let prepared = prepare_image(&bytes, &ImageOptions::default())
            .unwrap_or_else(|e| panic!("{format:?} {w}x{h}: {e}"));
        assert_eq!(
            (prepared.width(), prepared.height()),
            (ow, oh),
            "{format:?} {w}x{h}"
        );
        assert_eq!((prepared.source_width(), prepared.source_height()), (w, h));
        let back = decode_jpeg(prepared.jpeg());
        assert_eq!(back.dimensions(), (ow, oh));
    }
}

#[test]
fn base64_and_data_url_round_trip() {
    use base64::Engine as _;
    let bytes = encode(&DynamicImage::ImageRgb8(pattern(64, 32)), ImageFormat::Png);
    let prepared = prepare_image(&bytes, &ImageOptions::default()).unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(prepared.base64())
        .unwrap();
    assert_eq!(decoded, prepared.jpeg());
    assert_eq!(
        prepared.data_url(),
        format!("data:image/jpeg;base64,{}", prepared.base64())
    );
    assert_eq!(&prepared.jpeg()[..3], &[0xFF, 0xD8, 0xFF]);
}

#[test]
fn options_max_side_and_quality() {
    let bytes = encode(
        &DynamicImage::ImageRgb8(pattern(400, 200)),
        ImageFormat::Png,
    );
    let mut options = ImageOptions::default();
    options.max_side = 100;
    let small = prepare_image(&bytes, &options).unwrap();
    assert_eq!((small.width(), small.height()), (100, 50));
    options.max_side = 4000; // never upscaled
    let same = prepare_image(&bytes, &options).unwrap();
    assert_eq!((same.width(), same.height()), (400, 200));
    options.quality = 20;
    let low = prepare_image(&bytes, &options).unwrap();
    options.quality = 98;
    let high = prepare_image(&bytes, &options).unwrap();
    assert!(low.jpeg().len() < high.jpeg().len());
    for (max_side, quality) in [(0, 85), (1024, 0), (1024, 101), (70_000, 85)] {
        let mut options = ImageOptions::default();
        options.max_side = max_side;
        options.quality = quality;
        assert!(matches!(
            prepare_image(&bytes, &options),
            Err(MediaError::InvalidOption { .. })
        ));
    }
}

#[test]
fn alpha_is_flattened_on_white() {
    let img = RgbaImage::from_fn(8, 8, |x, _| {
        if x < 4 {
            Rgba([0, 0, 0, 0]) // fully transparent black
        } else {
            Rgba([0, 0, 255, 255]) // opaque blue
        }
    });
    for format in [ImageFormat::Png, ImageFormat::WebP] {
        let bytes = encode(&DynamicImage::ImageRgba8(img.clone()), format);
        let prepared = prepare_image(&bytes, &ImageOptions::default()).unwrap();
        let back = decode_jpeg(prepared.jpeg());
        assert!(
            close(*back.get_pixel(0, 4), [255, 255, 255], 12),
            "{format:?}: {:?}",
            back.get_pixel(0, 4)
        );
        assert!(
            close(*back.get_pixel(7, 4), [0, 0, 255], 40),
            "{format:?}: {:?}",
            back.get_pixel(7, 4)
        );
    }
}

#[test]
fn sixteen_bit_and_grey_inputs() {
    let grey = DynamicImage::ImageLuma8(image::GrayImage::from_fn(30, 20, |x, _| {
        image::Luma([(x * 8) as u8])
    }));
    let rgb16 = DynamicImage::ImageRgba16(image::ImageBuffer::from_fn(30, 20, |x, _| {
        Rgba([(x * 2000) as u16, 1000, 65535, 65535])
    }));
    for img in [grey, rgb16] {
        let bytes = encode(&img, ImageFormat::Png);
        let prepared = prepare_image(&bytes, &ImageOptions::default()).unwrap();
        assert_eq!((prepared.width(), prepared.height()), (30, 20));
    }
}

#[test]
fn cmyk_jpeg_is_converted() {
    let prepared = prepare_image_file("tests/data/cmyk.jpg", &ImageOptions::default()).unwrap();
    assert_eq!((prepared.width(), prepared.height()), (16, 8));
    let back = decode_jpeg(prepared.jpeg());
    assert!(
        close(*back.get_pixel(2, 4), [255, 0, 0], 40),
        "{:?}",
        back.get_pixel(2, 4)
    );
    assert!(
        close(*back.get_pixel(13, 4), [0, 0, 255], 40),
        "{:?}",
        back.get_pixel(13, 4)
    );
}

#[test]
fn exif_orientation_is_applied() {
    let prepared = prepare_image_file(
        "tests/data/exif-orientation-6.jpg",
        &ImageOptions::default(),
    )
    .unwrap();
    assert_eq!((prepared.width(), prepared.height()), (20, 40));
    let back = decode_jpeg(prepared.jpeg());
    assert!(
        close(*back.get_pixel(10, 5), [255, 0, 0], 40),
        "{:?}",
        back.get_pixel(10, 5)
    );
    assert!(
        close(*back.get_pixel(10, 34), [0, 0, 255], 40),
        "{:?}",
        back.get_pixel(10, 34)
    );
}

#[test]
fn animated_gif_uses_first_frame() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame};
    let red = RgbaImage::from_pixel(12, 12, Rgba([255, 0, 0, 255]));
    let green = RgbaImage::from_pixel(12, 12, Rgba([0, 255, 0, 255]));
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        for img in [red, green] {
            encoder
                .encode_frame(Frame::from_parts(
                    img,
                    0,
                    0,
                    Delay::from_numer_denom_ms(100, 1),
                ))
                .unwrap();
        }
    }
    let prepared = prepare_image(&bytes, &ImageOptions::default()).unwrap();
    let back = decode_jpeg(prepared.jpeg());
    assert!(
        close(*back.get_pixel(6, 6), [255, 0, 0], 30),
        "{:?}",
        back.get_pixel(6, 6)
    );
}

#[test]
fn wrong_extension_is_sniffed_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("actually-a-png.jpg");
    std::fs::write(
        &path,
        encode(&DynamicImage::ImageRgb8(pattern(5, 5)), ImageFormat::Png),
    )
    .unwrap();
    let prepared = prepare_image_file(&path, &ImageOptions::default()).unwrap();
    assert_eq!(prepared.width(), 5);
}

// ---- hostile input ----

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A PNG whose header declares `w`×`h` RGBA pixels, followed by a tiny deflate stream.
fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    // zlib stream of a few zero bytes: "decompresses" to far less than declared.
    png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn expect_limit(result: Result<assurai_media::PreparedImage, MediaError>, what: &str) {
    match result {
        Err(MediaError::LimitExceeded { what: w, .. }) => assert!(w.contains(what), "{w}"),
        other => panic!("expected a {what} limit error, got {other:?}"),
    }
}

#[test]
fn decompression_bombs_are_rejected_from_the_header() {
    let options = ImageOptions::default();
    expect_limit(
        prepare_image(&bomb_png(100_000, 100_000), &options),
        "width",
    );
    expect_limit(prepare_image(&bomb_png(10, 1_000_000), &options), "height");
    expect_limit(
        prepare_image(&bomb_png(15_000, 15_000), &options),
        "pixel count",
    );
    // A real, highly compressible image above a caller's tighter limit.
    let big = encode(
        &DynamicImage::ImageRgb8(RgbImage::new(3000, 3000)),
        ImageFormat::Png,
    );
    assert!(big.len() < 1_000_000, "{} bytes", big.len());
    let mut tight = ImageOptions::default();
    tight.limits.max_pixels = 4_000_000;
    expect_limit(prepare_image(&big, &tight), "pixel count");
    tight.limits.max_bytes = 100;
    expect_limit(prepare_image(&big, &tight), "file size");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let png = encode(
        &DynamicImage::ImageRgb8(pattern(200, 100)),
        ImageFormat::Png,
    );
    let jpeg = encode(
        &DynamicImage::ImageRgb8(pattern(200, 100)),
        ImageFormat::Jpeg,
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "empty input"),
        (
            "text",
            b"hello, not an image".to_vec(),
            "unrecognised image format",
        ),
        ("truncated png", png[..png.len() / 2].to_vec(), ""),
        ("truncated jpeg header", jpeg[..20].to_vec(), ""),
        ("png signature only", png[..8].to_vec(), ""),
    ];
    for (name, bytes, needle) in cases {
        match prepare_image(&bytes, &ImageOptions::default()) {
            Err(e @ MediaError::InvalidInput { .. }) => {
                assert!(e.to_string().contains(needle), "{name}: {e}");
                assert!(e.to_string().starts_with("image bytes ("), "{name}: {e}");
                assert!(e.is_input_error());
            }
            other => panic!("{name}: expected InvalidInput, got {other:?}"),
        }
    }
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.png");
    let err = prepare_image_file(&missing, &ImageOptions::default()).unwrap_err();
    assert!(matches!(err, MediaError::Io { .. }));
    assert!(err.to_string().contains("missing.png"), "{err}");
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let err = prepare_image_file(&empty, &ImageOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("empty.png") && err.to_string().contains("empty input"),
        "{err}"
    );
    let err = prepare_image_file(dir.path(), &ImageOptions::default()).unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");
}

fn valid_seeds() -> Vec<Vec<u8>> {
    let img = DynamicImage::ImageRgb8(pattern(24, 16));
    [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Gif,
        ImageFormat::WebP,
    ]
    .into_iter()
    .map(|f| encode(&img, f))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never panic and never produce an output larger than allowed.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(p) = prepare_image(&bytes, &ImageOptions::default()) {
            prop_assert!(p.width() <= 1024 && p.height() <= 1024);
        }
    }

    /// Mutated valid images (flipped bytes, truncation) decode or fail cleanly.
    #[test]
    fn mutated_images_never_panic(
        seed in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_seeds()[seed].clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            let keep = cut.index(bytes.len());
            bytes.truncate(keep);
        }
        let mut options = ImageOptions::default();
        options.max_side = 16;
        match prepare_image(&bytes, &options) {
            Ok(p) => prop_assert!(p.width() <= 16 && p.height() <= 16 && !p.jpeg().is_empty()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
