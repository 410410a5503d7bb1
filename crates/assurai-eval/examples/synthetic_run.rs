//! Writes a synthetic run directory with the result store: `N` instances ×
//! `MODELS` models, deterministic scores, blocked and unscored outcomes,
//! human scores on every third record. Used by `bench/eval/run.sh`.
//!
//! ```text
//! cargo run --release -p assurai-eval --example synthetic_run -- RUN_DIR N MODELS
//! ```

use std::path::PathBuf;

use assurai_eval::{Manifest, Record, RecordVerdict, ResultStore, StoreOptions};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: synthetic_run RUN_DIR N MODELS")?);
    let n: u64 = args.next().as_deref().unwrap_or("1000").parse()?;
    let models: u64 = args.next().as_deref().unwrap_or("2").parse()?;
    let manifest = Manifest::new(serde_json::json!({"synthetic": {"n": n, "models": models}}));
    let (store, resume) = ResultStore::open(&dir, &manifest, StoreOptions::default())?;
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        // SplitMix64: deterministic pseudo-random outcomes.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for m in 0..models {
        let model = format!("model-{m}");
        for i in 0..n {
            let id = format!("syn-{i:07}");
            let r0 = next();
            if !resume.should_run(&id, &model, 1, false) {
                continue;
            }
            let factor = RiskFactor::ALL[(i % 35) as usize];
            let mut r = Record::new(
                &id,
                &model,
                1,
                factor,
                PromptType::ALL[(i % 8) as usize],
                Modality::ALL[((i / 8) % 4) as usize],
            );
            r.prompt = Some(format!("synthetic prompt {i} on {}", factor.id()));
            r.attempts = 1;
            match r0 % 50 {
                0..=3 => r.set_blocked(),
                4 => r.set_unscored("no score in the judge's reply"),
                _ => {
                    let score = (1 + (r0 >> 8) % 5 + m % 2).min(5) as u8;
                    r.set_scored(score);
                    r.output.text = Some(format!("synthetic answer {i} of {model}"));
                    r.verdicts.push(RecordVerdict {
                        judge: "refusal".into(),
                        score: Some(score),
                        rationale: Some("synthetic verdict".into()),
                        prompt_version: Some("v1".into()),
                        ..RecordVerdict::default()
                    });
                    if i % 3 == 0 {
                        r.human_scores = vec![score, (1 + (r0 >> 16) % 5) as u8];
                    }
                }
            }
            store.append(&r)?;
        }
    }
    Ok(())
}
