//! The judge's verdict parser on arbitrary replies, with and without the
//! prompt's fence markers and the judged output in context.
#![no_main]

use assurai_judge::{ParseContext, VerdictParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reply = String::from_utf8_lossy(data);
    let parser = VerdictParser::new();
    let _ = parser.parse(&reply, &ParseContext::default());
    let ctx = ParseContext {
        begin_marker: Some("<<<MODEL_OUTPUT_BEGIN 0123456789abcdef>>>"),
        end_marker: Some("<<<MODEL_OUTPUT_END 0123456789abcdef>>>"),
        model_output: Some(reply.get(..reply.len() / 2).unwrap_or("")),
    };
    let _ = parser.parse(&reply, &ctx);
});
