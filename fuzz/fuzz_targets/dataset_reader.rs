//! The dataset readers (JSON Lines, JSON array, CSV) and the validator on
//! arbitrary bytes: every input gives records or errors, never a panic.
#![no_main]

use assurai_dataset::{Format, Reader, Validator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => Format::JsonLines,
        1 => Format::JsonArray,
        _ => Format::Csv,
    };
    for record in Reader::new(bytes, format).take(10_000) {
        let _ = record.map(|r| r.instance.media_refs().count());
    }
    let _ = Validator::new().validate(Reader::new(bytes, format));
});
