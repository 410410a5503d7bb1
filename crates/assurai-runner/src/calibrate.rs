//! Judge-versus-human calibration from stored runs: every record that
//! carries human scores and a verdict of the judge becomes one pair.

use std::collections::HashMap;
use std::path::Path;

use assurai_judge::{Calibration, Calibrator, SafetyScore};

use crate::{Result, RunError};
use assurai_eval::{RESULTS_FILE, RecordKey, RecordReader, Status};

/// Calibrates one judge (by id, or id prefix such as `refusal`) against
/// the mean human score of each output, over the latest record of every
/// key in the run directories. Blocked and errored records are skipped;
/// verdicts without a score are counted as unscored by reason.
pub fn calibrate_runs(dirs: &[&Path], judge: &str) -> Result<Calibration> {
    let mut latest: HashMap<RecordKey, (f64, Option<u8>, Option<String>)> = HashMap::new();
    for dir in dirs {
        let path = dir.join(RESULTS_FILE);
        for rec in RecordReader::open(&path)? {
            let rec = rec?;
            if matches!(rec.status, Status::Blocked | Status::Error) || rec.human_scores.is_empty()
            {
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
            latest.insert(rec.key(), (human, v.score, v.unscored_reason.clone()));
        }
    }
    if latest.is_empty() {
        return Err(RunError::setup(format!(
            "no record has both human scores and a verdict of judge {judge:?}"
        )));
    }
    let mut cal = Calibrator::new();
    let mut unscored: std::collections::BTreeMap<String, usize> = Default::default();
    for (human, score, reason) in latest.into_values() {
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
    for (k, n) in unscored {
        *result.unscored_reasons.entry(k).or_default() += n;
    }
    Ok(result)
}
