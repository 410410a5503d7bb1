//! Fault injection against the live-target path: a synthetic Korean dataset
//! of 200 instances run through `assurai run` against the mock
//! OpenAI-compatible server under 10% server errors and resets, 5% 429s, 2%
//! timeouts and 2% malformed bodies must end with every instance scored
//! exactly as in a fault-free run, one record each, and the retries
//! accounted for; a judge that is down entirely must give one error record
//! per instance, quickly, and a resumable store.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::proof_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use assurai_mock_server::{Faults, MockServer};
use proof_support::{
    SECRET, assert_exit, assurai, outcome_by_id, records, report_json, run_args, run_args_with,
    runtime, write_dataset,
};
use serde_json::Value;

const N: usize = 200;

/// Waits for a child, killing it (and failing) if it hangs past `limit`.
fn wait_or_fail(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("assurai run still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn(args: &[String]) -> Child {
    assurai()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `assurai run` arguments with the target and the judge on their own servers (base URLs).
fn split_run_args(
    data: &Path,
    out: &Path,
    (target, judge): (&str, &str),
    extra: &[&str],
) -> Vec<String> {
    let target = format!("openai:target-ko@{target}");
    run_args_with(data, out, &target, &format!("llm:judge-ko@{judge}"), extra)
}

/// One retry, a 2 s timeout, 16 in flight and the JSON summary.
const RETRY_1: &[&str] = &[
    "--max-retries",
    "1",
    "--timeout-s",
    "2",
    "--concurrency",
    "16",
    "--json",
];

/// Target calls an instance needs without retries: one per user turn of a
/// Multi-Session conversation, one otherwise.
fn calls_needed(prompt_type: &str) -> u64 {
    if prompt_type == "multi_session" { 3 } else { 1 }
}

#[test]
fn faults_at_realistic_rates_end_with_the_fault_free_scores_and_counted_retries() {
    let rt = runtime();
    let clean = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let mut f = Faults::none();
    f.rate_5xx = 0.07;
    f.rate_reset = 0.03;
    f.rate_429 = 0.05;
    f.rate_timeout = 0.02;
    f.rate_malformed = 0.02;
    f.retry_after_s = 0;
    f.timeout_delay = Duration::from_millis(1500);
    let faulty = rt.block_on(MockServer::start(f)).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), N);
    let a = tmp.path().join("clean");
    let b = tmp.path().join("faulty");
    let common = [
        "--concurrency",
        "16",
        "--max-retries",
        "3",
        "--timeout-s",
        "1",
        "--json",
        // The calls are counted below: no preflight calls.
        "--no-preflight",
    ];
    let ok = wait_or_fail(
        spawn(&run_args(&data, &a, &clean.base_url(), &common)),
        Duration::from_secs(120),
    );
    assert_exit(&ok, 0);
    assert_eq!(clean.stats().faults, 0);
    let out = wait_or_fail(
        spawn(&run_args(&data, &b, &faulty.base_url(), &common)),
        Duration::from_secs(120),
    );
    assert_exit(&out, 0);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["written"], N as u64);
    assert_eq!(summary["errors"], 0);

    // Same status and score for every instance as the fault-free run.
    let clean_outcomes = outcome_by_id(&a);
    let faulty_outcomes = outcome_by_id(&b);
    assert_eq!(clean_outcomes.len(), N);
    assert_eq!(clean_outcomes, faulty_outcomes);
    assert!(faulty_outcomes.values().all(|(s, _)| s == "scored"));

    // One record per instance, every line parses.
    let recs = records(&b);
    assert_eq!(recs.len(), N, "no duplicate records");
    let ids: BTreeSet<&str> = recs
        .iter()
        .map(|r| r["instance_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), N);

    // The retries summary. Every injected fault cost exactly one more call
    // (none lost, none duplicated); the target's retries are recorded in
    // each record's `attempts`, and equal the faults injected on target
    // requests. The judge's transport retries happen inside its retry layer
    // and are not recorded per record: they are the server's judge faults.
    let mut target_retries = 0u64;
    for r in &recs {
        let needed = calls_needed(r["prompt_type"].as_str().unwrap());
        let attempts = r["attempts"].as_u64().unwrap();
        assert!(attempts >= needed, "{r}");
        target_retries += attempts - needed;
    }
    let stats = faulty.stats();
    let judge_retries = stats.judge_faults;
    eprintln!(
        "retries summary: {} faults injected; target retries {target_retries} (from records), \
         judge retries {judge_retries}; {} requests against {} in the fault-free run",
        stats.faults,
        stats.requests,
        clean.stats().requests
    );
    assert!(
        stats.faults >= 40,
        "faults were injected at the set rates: {stats:?}"
    );
    assert!(target_retries > 0 && judge_retries > 0);
    assert_eq!(target_retries, stats.faults - stats.judge_faults);
    assert_eq!(stats.requests, clean.stats().requests + stats.faults);

    // No secret in anything the faulty run wrote or printed.
    for p in proof_support::walk(&b) {
        let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
        assert!(!text.contains(SECRET), "{} holds the API key", p.display());
    }
    assert!(!String::from_utf8_lossy(&out.stderr).contains(SECRET));
}

#[test]
fn a_judge_that_is_down_gives_error_records_quickly_and_the_store_resumes() {
    let rt = runtime();
    let target = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let judge = rt.block_on(MockServer::start(Faults::none())).unwrap();
    judge.set_down(true);
    // And a judge address where nothing listens at all.
    let refused_url = assurai_mock_server::refused_base_url().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let n = 48;
    let data = write_dataset(tmp.path(), n);
    for (name, judge_url) in [("down", judge.base_url()), ("refused", refused_url)] {
        let out = tmp.path().join(name);
        let args = |extra: &[&str]| {
            let mut v = split_run_args(
                &data,
                &out,
                (&target.base_url(), &judge_url),
                // Every instance becomes a record here; the breaker and the preflight are
                // tested apart.
                &[RETRY_1, &["--circuit-breaker", "0", "--no-preflight"]].concat(),
            );
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        };
        let first = wait_or_fail(spawn(&args(&[])), Duration::from_secs(90));
        assert_eq!(
            first.status.code(),
            Some(1),
            "{name}: errors are records, and the exit code says so"
        );
        let stderr = String::from_utf8_lossy(&first.stderr);
        assert!(
            stderr.contains(&format!("{n} of {n} records are errors")),
            "{stderr}"
        );
        let recs = records(&out);
        assert_eq!(recs.len(), n, "{name}");
        for r in &recs {
            assert_eq!(r["status"], "error", "{name}: {r}");
            assert_eq!(r["error"]["kind"], "judge", "{name}: {r}");
            assert!(r["score"].is_null());
            let msg = r["error"]["message"].as_str().unwrap();
            assert!(!msg.is_empty() && !msg.contains(SECRET));
        }
        let summary: Value = serde_json::from_slice(&first.stdout).unwrap();
        assert_eq!(summary["errors"], n as u64);
        let report = report_json(&out);
        assert_eq!(report["models"][0]["n_error"], n as u64);
        assert_eq!(report["models"][0]["n_scored"], 0);

        // Without --retry-errors a re-run keeps the error records.
        let again = wait_or_fail(spawn(&args(&[])), Duration::from_secs(90));
        assert_eq!(again.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert!(
            stderr.contains(&format!(
                "{n} records were already present, {n} of them errors"
            )),
            "{stderr}"
        );
        // A tolerated share of errors exits 0.
        let tolerant = wait_or_fail(
            spawn(&args(&["--max-error-rate", "1"])),
            Duration::from_secs(90),
        );
        assert_eq!(tolerant.status.code(), Some(0));
        let s: Value = serde_json::from_slice(&again.stdout).unwrap();
        assert_eq!(
            (s["written"].as_u64(), s["skipped"].as_u64()),
            (Some(0), Some(n as u64))
        );
    }

    // The judge comes back: --retry-errors scores every instance of the
    // "down" store, the latest record of each key wins.
    judge.set_down(false);
    let out = tmp.path().join("down");
    let resumed = wait_or_fail(
        spawn(&split_run_args(
            &data,
            &out,
            (&target.base_url(), &judge.base_url()),
            &[RETRY_1, &["--retry-errors"]].concat(),
        )),
        Duration::from_secs(90),
    );
    assert_exit(&resumed, 0);
    let latest = outcome_by_id(&out);
    assert_eq!(latest.len(), n);
    assert!(latest.values().all(|(s, _)| s == "scored"));
    let report = report_json(&out);
    assert_eq!(report["models"][0]["n_scored"], n as u64);
    assert_eq!(report["models"][0]["n_error"], 0);
}

/// A judge where nothing listens: the circuit breaker stops the run after
/// the first consecutive refusals, says why and how to fix it, exits 1.
#[test]
fn a_dead_server_stops_the_run_with_the_reason() {
    let rt = runtime();
    let target = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let refused_url = assurai_mock_server::refused_base_url().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let n = 200;
    let data = write_dataset(tmp.path(), n);
    let out = tmp.path().join("dead");
    let o = wait_or_fail(
        spawn(&split_run_args(
            &data,
            &out,
            (&target.base_url(), &refused_url),
            &[
                "--max-retries",
                "0",
                "--concurrency",
                "2",
                "--circuit-breaker",
                "3",
                // The breaker, not the preflight, is tested here.
                "--no-preflight",
            ],
        )),
        Duration::from_secs(90),
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("stopped:"), "{stderr}");
    assert!(stderr.contains("connection_refused"), "{stderr}");
    assert!(stderr.contains("start the server"), "{stderr}");
    let written = records(&out).len();
    assert!(
        written < n,
        "the run stopped early: {written} of {n} records"
    );
}
