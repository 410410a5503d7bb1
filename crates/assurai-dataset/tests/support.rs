//! Helpers shared by the dataset tests.

use assurai_dataset::ValidationReport;

/// (line, field) of every error of a validation report, in order.
pub fn error_places(report: &ValidationReport) -> Vec<(Option<u64>, Option<&str>)> {
    let places = report.errors.iter();
    places.map(|e| (e.line, e.field.as_deref())).collect()
}
