//! Test support: the scripted HTTP server of `assurai-mock-server` and the JSON of the requests
//! it records.
#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

pub use assurai_mock_server::{RecordedRequest, Reply, ScriptedServer};

/// A recorded request's body as JSON.
pub trait JsonBody {
    /// The body parsed as JSON (panics if it is not JSON: a test failure).
    fn json(&self) -> serde_json::Value;
}

impl JsonBody for RecordedRequest {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}
