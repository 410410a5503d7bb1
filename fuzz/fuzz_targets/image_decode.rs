//! Image preparation (format sniffing, decoding under limits, resizing,
//! JPEG encoding) on arbitrary bytes.
#![no_main]

use assurai_media::{ImageOptions, prepare_image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = prepare_image(data, &ImageOptions::default());
});
