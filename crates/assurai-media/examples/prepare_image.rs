//! Prepare an image for a vision judge and print the request fragment.
//!
//! `cargo run -p assurai-media --example prepare_image -- photo.png`

use assurai_media::{ImageOptions, prepare_image_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: prepare_image IMAGE")?;
    let mut options = ImageOptions::default();
    options.max_side = 768;
    let image = prepare_image_file(&path, &options)?;
    // An OpenAI-compatible chat message part.
    let part = serde_json::json!({
        "type": "image_url",
        "image_url": { "url": image.data_url() },
    });
    let url_len = part["image_url"]["url"].as_str().map_or(0, str::len);
    let mut out = std::io::stdout().lock();
    use std::io::Write as _;
    writeln!(
        out,
        "{}x{} JPEG, {} bytes, data URL of {url_len} characters",
        image.width(),
        image.height(),
        image.jpeg().len()
    )?;
    Ok(())
}
