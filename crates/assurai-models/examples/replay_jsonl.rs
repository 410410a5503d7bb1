//! Replay recorded outputs from a JSONL file, as an offline stand-in for the model.
//!
//! ```sh
//! cargo run -p assurai-models --example replay_jsonl -- \
//!     crates/assurai-models/tests/data/recorded.jsonl exaone-3.5 TXT-0001 IMG-0001 TXT-9999
//! ```
#![allow(clippy::print_stdout)]

use assurai_models::providers::ReplayModel;
use assurai_models::{GenerationRequest, ModelError, Output, TargetModel};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: replay_jsonl FILE MODEL INSTANCE...")?;
    let model_name = args
        .next()
        .ok_or("usage: replay_jsonl FILE MODEL INSTANCE...")?;
    let model = ReplayModel::from_jsonl(&path, Some(&model_name))?;
    println!("{} recordings for {}", model.len(), model.model());

    for instance in args {
        let request =
            GenerationRequest::prompt(format!("replay/{instance}"), "").instance(&instance);
        match model.generate(&request).await {
            Ok(g) => match g.output {
                Output::Text { text } => println!("{instance}: text: {text}"),
                Output::Blocked(b) => {
                    println!("{instance}: safely blocked ({})", b.reason.as_str())
                }
                other => println!("{instance}: {other:?}"),
            },
            Err(e @ ModelError::NotRecorded { .. }) => println!("{instance}: skipped: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
