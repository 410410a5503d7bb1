//! SSE parsing of streamed chat completions. The parser is private to
//! assurai-models, so the target drives the public streaming provider: a
//! local server answers each request with the fuzz input as a
//! `text/event-stream` body, split into two writes at a point chosen by the
//! first byte.
#![no_main]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};

use assurai_models::providers::{OpenAiChat, OpenAiConfig};
use assurai_models::{GenerationRequest, TargetModel};
use libfuzzer_sys::fuzz_target;

static BODY: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Fixture {
    rt: tokio::runtime::Runtime,
    model: OpenAiChat,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/v1", l.local_addr().expect("addr"));
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let mut buf = [0u8; 65536];
                let mut req = Vec::new();
                // Read the request head and its small JSON body.
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let body = BODY.lock().map(|b| b.clone()).unwrap_or_default();
                let (split, rest) = body.split_first().map_or((0, &[][..]), |(a, r)| (*a, r));
                let at = usize::from(split) * rest.len() / 256;
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
                );
                let _ = s.write_all(&rest[..at]);
                let _ = s.flush();
                let _ = s.write_all(&rest[at..]);
            }
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let model = OpenAiChat::new(OpenAiConfig::new(url, "fuzz").stream(true)).expect("model");
        Fixture { rt, model }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    if let Ok(mut b) = BODY.lock() {
        *b = data.to_vec();
    }
    let req = GenerationRequest::new("fuzz").user("hi");
    let _ = f.rt.block_on(f.model.generate(&req));
});
