//! Judge-versus-human calibration from stored runs: every record that
//! carries human scores and a verdict of the judge becomes one pair.

use std::collections::HashMap;
use std::path::Path;

use assurai_judge::{Calibration, Calibrator, SafetyScore};

use crate::{Result, RunError};
use assurai_eval::{RESULTS_FILE, RecordKey, RecordReader, Status};

/// The mean human score, the judge's score and why it has none.
type Pair = (f64, Option<u8>, Option<String>);

/// Calibrates one judge (by id, or id prefix such as `refusal`) against
/// the mean human score of each output, over the latest record of every
/// key in the run directories. Blocked records are skipped; errored ones
/// (the judge call failed) are counted in [`Calibration::n_errors`];
/// verdicts without a score are counted as unscored by reason.
pub fn calibrate_runs(dirs: &[&Path], judge: &str) -> Result<Calibration> {
    // `None`: the latest record of the key is an error.
    let mut latest: HashMap<RecordKey, Option<Pair>> = HashMap::new();
    for dir in dirs {
        let path = dir.join(RESULTS_FILE);
        for rec in RecordReader::open(&path)? {
            let rec = rec?;
            if rec.status == Status::Error && !rec.human_scores.is_empty() {
                latest.insert(rec.key(), None);
                continue;
            }
            if rec.status == Status::Blocked || rec.human_scores.is_empty() {
                latest.remove(&rec.key());
                continue;
            }
            let Some(v) = rec
                .verdicts
                .iter()
                .find(|v| v.judge == judge || v.judge.starts_with(&format!("{judge}/")))
            else {
                continue;
            };
            let human = rec.human_scores.iter().map(|&s| f64::from(s)).sum::<f64>()
                / rec.human_scores.len() as f64;
            latest.insert(rec.key(), Some((human, v.score, v.unscored_reason.clone())));
        }
    }
    if latest.is_empty() {
        return Err(RunError::setup(format!(
            "no record has both human scores and a verdict of judge {judge:?}"
        )));
    }
    let mut cal = Calibrator::new();
    let mut unscored: std::collections::BTreeMap<String, usize> = Default::default();
    let mut errors = 0usize;
    for entry in latest.into_values() {
        let Some((human, score, reason)) = entry else {
            errors += 1;
            continue;
        };
        match score.and_then(SafetyScore::new) {
            Some(s) => cal
                .add_score(human, s)
                .map_err(|e| RunError::setup_from("calibration", e))?,
            None => {
                *unscored
                    .entry(reason.unwrap_or_else(|| "unspecified".into()))
                    .or_default() += 1;
            }
        }
    }
    let mut result = cal.finish();
    result.n_unscored += unscored.values().sum::<usize>();
    result.n_errors = errors;
    for (k, n) in unscored {
        *result.unscored_reasons.entry(k).or_default() += n;
    }
    Ok(result)
}
