//! Two writers never share a run directory.

#![allow(clippy::unwrap_used)]

use assurai_eval::{EvalError, Manifest, ResultStore, StoreOptions};

#[test]
fn a_second_open_is_refused_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = Manifest::new(serde_json::json!({"target": "replay:x"}));
    let (first, _) = ResultStore::open(dir.path(), &manifest, StoreOptions::default()).unwrap();
    let err = ResultStore::open(dir.path(), &manifest, StoreOptions::default()).unwrap_err();
    assert!(matches!(err, EvalError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("another assurai process"));
    drop(first);
    ResultStore::open(dir.path(), &manifest, StoreOptions::default()).unwrap();
}
