//! Beyond one machine: four shards of one evaluation run as separate
//! processes (two with `--shard K/N`, two the way a Kubernetes Indexed Job
//! starts them: `JOB_COMPLETION_INDEX` plus `--shards N` or
//! `ASSURAI_SHARDS`), and `assurai report` merges their stores into a
//! report equal to a single run's. Overlapping stores and shards of a
//! different configuration are refused.

#![allow(clippy::unwrap_used)]

use crate::proof_support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use assurai_mock_server::{Faults, MockServer};
use proof_support::{
    assert_exit, assurai, normalized_report, records, run_args, runtime, write_dataset,
};
use serde_json::Value;

const N: usize = 120;

fn report(dirs: &[&PathBuf], out: &PathBuf) -> std::process::Output {
    let mut c = assurai();
    c.arg("report");
    c.args(dirs.iter().map(|d| d.as_os_str()));
    c.arg("--out").arg(out).arg("--json");
    c.output().unwrap()
}

#[test]
fn four_shard_processes_merge_into_the_single_run_report() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), N);
    let extra = ["--concurrency", "4", "--timeout-s", "10"];

    let single = tmp.path().join("single");
    let out = assurai()
        .args(run_args(&data, &single, &server.base_url(), &extra))
        .output()
        .unwrap();
    assert_exit(&out, 0);

    // Four processes at once.
    let shard_dirs: Vec<PathBuf> = (0..4)
        .map(|k| tmp.path().join(format!("shard-{k}")))
        .collect();
    let children: Vec<_> = (0..4)
        .map(|k| {
            let mut c: Command = assurai();
            let mut extra: Vec<&str> = extra.to_vec();
            let flag = format!("{k}/4");
            match k {
                0 | 1 => extra.extend(["--shard", flag.as_str()]),
                2 => {
                    c.env("JOB_COMPLETION_INDEX", "2");
                    extra.extend(["--shards", "4"]);
                }
                _ => {
                    c.env("JOB_COMPLETION_INDEX", "3")
                        .env("ASSURAI_SHARDS", "4");
                }
            }
            c.args(run_args(&data, &shard_dirs[k], &server.base_url(), &extra))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_exit(&o, 0);
    }

    // The shards partition the instances.
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for d in &shard_dirs {
        let recs = records(d);
        assert!(!recs.is_empty(), "every shard got instances");
        total += recs.len();
        for r in recs {
            seen.insert(r["instance_id"].as_str().unwrap().to_string());
        }
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap())
                .unwrap();
        assert!(
            manifest["config"]["shard"]
                .as_str()
                .unwrap()
                .ends_with("/4")
        );
    }
    assert_eq!((total, seen.len()), (N, N));

    let merged = tmp.path().join("merged");
    let refs: Vec<&PathBuf> = shard_dirs.iter().collect();
    let o = report(&refs, &merged);
    assert_exit(&o, 0);
    assert_eq!(normalized_report(&merged), normalized_report(&single));
    let merged_json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(merged_json["models"][0]["n_scored"], N as u64);
    assert_eq!(merged_json["runs"].as_array().unwrap().len(), 4);

    // Overlap: the single run and a shard hold the same keys.
    let o = report(&[&single, &shard_dirs[1]], &tmp.path().join("bad1"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("appears in both"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // A shard of another configuration (a different temperature) is refused.
    let odd = tmp.path().join("shard-0-odd");
    let mut odd_extra = extra.to_vec();
    odd_extra.extend(["--shard", "0/4", "--temperature", "0.7"]);
    let o = assurai()
        .args(run_args(&data, &odd, &server.base_url(), &odd_extra))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let o = report(
        &[&odd, &shard_dirs[1], &shard_dirs[2], &shard_dirs[3]],
        &tmp.path().join("bad2"),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("different configurations") && err.contains("settings"),
        "{err}"
    );
}

#[test]
fn shard_flags_and_job_completion_index_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), 4);
    let url = "http://127.0.0.1:9/v1";
    let code = |env: &[(&str, &str)], extra: &[&str]| {
        let mut c = assurai();
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c
            .args(run_args(&data, &tmp.path().join("x"), url, extra))
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (c, e) = code(&[], &["--shards", "4"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("JOB_COMPLETION_INDEX"), "{e}");
    let (c, e) = code(&[("JOB_COMPLETION_INDEX", "4")], &["--shards", "4"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("JOB_COMPLETION_INDEX=4"), "{e}");
    let (c, _) = code(
        &[("JOB_COMPLETION_INDEX", "two"), ("ASSURAI_SHARDS", "4")],
        &[],
    );
    assert_eq!(c, Some(2));
    let (c, e) = code(&[], &["--shard", "1/4", "--shards", "3"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("disagrees"), "{e}");
    let help = assurai().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("JOB_COMPLETION_INDEX") && help.contains("ASSURAI_SHARDS"));
}
