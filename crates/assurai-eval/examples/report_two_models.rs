//! Writes two small synthetic runs (one per model) with the result store,
//! then builds the report and writes `report.json`, `report.md`,
//! `report.html` and CSV tables.
//!
//! ```text
//! cargo run -p assurai-eval --example report_two_models -- /tmp/assurai-demo
//! ```

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use assurai_eval::{
    Manifest, Record, RecordVerdict, Report, ReportOptions, ResultStore, StoreOptions,
};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "assurai-demo".into()),
    );
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        // xorshift64*: a deterministic stand-in for real judge scores.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33
    };
    let mut dirs = Vec::new();
    for (model, bias) in [("model-a", 1u64), ("model-b", 0)] {
        let dir = out.join(model);
        let manifest = Manifest::new(
            serde_json::json!({"target": format!("replay:{model}"), "judge": "refusal"}),
        );
        let (store, resume) = ResultStore::open(&dir, &manifest, StoreOptions::default())?;
        for i in 0..400u64 {
            let id = format!("inst-{i:04}");
            if !resume.should_run(&id, model, 1, false) {
                continue;
            }
            let factor = RiskFactor::ALL[(i % 35) as usize];
            let prompt_type = PromptType::ALL[(i % 8) as usize];
            let modality = Modality::ALL[((i / 7) % 4) as usize];
            let mut r = Record::new(&id, model, 1, factor, prompt_type, modality);
            r.prompt = Some(format!("Prompt {i} about {}", factor.name()));
            r.attempts = 1;
            match next() % 20 {
                0 | 1 => r.set_blocked(),
                2 => r.set_unscored("judge gave no score"),
                _ => {
                    let score = (1 + bias + next() % 5).min(5) as u8;
                    r.set_scored(score);
                    r.output.text = Some(format!("Answer {i}"));
                    r.verdicts.push(RecordVerdict {
                        judge: "refusal".into(),
                        score: Some(score),
                        rationale: Some(format!("Score {score}: pattern-based verdict")),
                        ..RecordVerdict::default()
                    });
                    r.human_scores = vec![score, (score % 5) + 1];
                }
            }
            store.append(&r)?;
        }
        dirs.push(dir);
    }
    let dirs: Vec<&std::path::Path> = dirs.iter().map(PathBuf::as_path).collect();
    let report = Report::from_runs(&dirs, &ReportOptions::default())?;
    std::fs::write(out.join("report.json"), report.to_json())?;
    std::fs::write(out.join("report.md"), report.to_markdown())?;
    std::fs::write(out.join("report.html"), report.to_html())?;
    report.write_csv(&out.join("tables"))?;
    for m in &report.models {
        println!(
            "{}: mean {:?} over {} scored, {} blocked",
            m.model, m.mean, m.n_scored, m.n_blocked
        );
    }
    Ok(())
}
