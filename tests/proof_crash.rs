//! Crash safety: one run of `assurai run` is killed with SIGKILL at random
//! points (12 times, at random record counts plus a random delay so kills
//! land in the middle of writes too), resumed each time, and must end with
//! exactly one valid record per instance, every line parsing, and a report
//! equal to that of an uninterrupted run.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::proof_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assurai_mock_server::{Faults, MockServer};
use proof_support::{
    assert_exit, assurai, normalized_report, records, run_args, runtime, write_dataset,
};

const N: usize = 160;
const KILLS: usize = 12;

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Complete lines (ending in a newline) of the results file, and whether a
/// torn tail follows them.
fn lines_now(out: &Path) -> (usize, bool) {
    match std::fs::read(out.join("results.jsonl")) {
        Ok(bytes) => {
            let complete = bytes.iter().filter(|&&b| b == b'\n').count();
            (complete, bytes.last().is_some_and(|&b| b != b'\n'))
        }
        Err(_) => (0, false),
    }
}

#[test]
fn sigkill_at_random_points_then_resume_gives_one_record_per_instance_and_the_same_report() {
    let rt = runtime();
    let mut slow = Faults::none();
    slow.latency = Duration::from_millis(6);
    let server = rt.block_on(MockServer::start(slow)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), N);
    let extra = ["--concurrency", "6", "--timeout-s", "10"];

    let reference = tmp.path().join("reference");
    let out = assurai()
        .args(run_args(&data, &reference, &server.base_url(), &extra))
        .output()
        .unwrap();
    assert_exit(&out, 0);

    let crashed = tmp.path().join("crashed");
    let args = run_args(&data, &crashed, &server.base_url(), &extra);
    let seed = 0x5eed_c0de_u64;
    let mut rng = Rng(seed);
    // The kill points: sorted random record counts over the whole run.
    let mut points: Vec<usize> = (0..KILLS)
        .map(|_| rng.below((N - N / 10) as u64) as usize)
        .collect();
    points.sort_unstable();
    let (mut kills, mut torn_seen) = (0usize, 0usize);
    let mut attempts = 0;
    while kills < KILLS {
        attempts += 1;
        assert!(
            attempts < 4 * KILLS,
            "the run kept finishing before the kill"
        );
        let (before, _) = lines_now(&crashed);
        // Kill once the store reaches the next random point of the run (at
        // once, during start-up or resume, when it is already past it), after
        // a random extra delay of 0–14 ms so that kills land mid-write too.
        let want = points[kills].max(before);
        let delay = Duration::from_millis(rng.below(15));
        let mut child = assurai()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            if lines_now(&crashed).0 >= want || start.elapsed() > Duration::from_secs(60) {
                std::thread::sleep(delay);
                break false;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        if finished {
            // The run finished before the kill point (a slow machine): start
            // over so that all the kills land on one run.
            std::fs::remove_dir_all(&crashed).unwrap();
            (kills, torn_seen) = (0, 0);
            points.iter_mut().for_each(|p| *p /= 2);
            continue;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        let (complete, mut torn) = lines_now(&crashed);
        if kills == KILLS / 2 && !torn && complete > 0 {
            // A write torn by the crash (possible when a file system splits
            // a large write): half of a copy of the last record, no newline.
            let text = std::fs::read_to_string(crashed.join("results.jsonl")).unwrap();
            let last = text.lines().last().unwrap();
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(crashed.join("results.jsonl"))
                .unwrap();
            std::io::Write::write_all(&mut f, &last.as_bytes()[..last.len() / 2]).unwrap();
            torn = true;
        }
        torn_seen += usize::from(torn);
        // Every complete line parses; a torn tail is what resume repairs.
        if let Ok(text) = std::fs::read_to_string(crashed.join("results.jsonl")) {
            for (i, l) in text.split_inclusive('\n').enumerate() {
                if l.ends_with('\n') {
                    serde_json::from_str::<serde_json::Value>(l)
                        .unwrap_or_else(|e| panic!("kill {kills}: line {} is broken: {e}", i + 1));
                }
            }
        }
        eprintln!("kill {kills}: {complete} records, torn tail: {torn}");
    }

    // Finish the run.
    let done = assurai().args(&args).output().unwrap();
    assert_exit(&done, 0);
    eprintln!("seed {seed:#x}: {kills} kills, {torn_seen} torn tails repaired");

    let recs = records(&crashed);
    assert_eq!(recs.len(), N, "exactly one record per instance");
    let keys: BTreeSet<(String, u64)> = recs
        .iter()
        .map(|r| {
            (
                r["instance_id"].as_str().unwrap().to_string(),
                r["epoch"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys.len(), N, "no duplicate key");
    assert!(recs.iter().all(|r| r["status"] == "scored"));
    assert_eq!(normalized_report(&crashed), normalized_report(&reference));
}

/// SIGTERM (what Kubernetes sends an evicted pod, 30 s before SIGKILL) stops
/// a run like Ctrl-C: no new instance starts, the records in flight are
/// written whole, the summary says "interrupted", the exit code is 1, and
/// the same command resumes to exactly one record per instance.
#[cfg(unix)]
#[test]
fn sigterm_stops_like_ctrl_c_and_the_run_resumes() {
    const TOTAL: usize = 400;
    let rt = runtime();
    let mut slow = Faults::none();
    slow.latency = Duration::from_millis(25);
    let server = rt.block_on(MockServer::start(slow)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), TOTAL);
    let out = tmp.path().join("run");
    let args = run_args(&data, &out, &server.base_url(), &["--concurrency", "4"]);
    let child = assurai()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while lines_now(&out).0 < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no records after 120 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success(), "kill -TERM failed");
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let (complete, torn) = lines_now(&out);
    assert!(!torn, "a record was cut off");
    assert!(
        complete < TOTAL,
        "the run finished before SIGTERM took effect"
    );
    let first = records(&out);
    assert_eq!(first.len(), complete);

    let o = assurai().args(&args).output().unwrap();
    assert_exit(&o, 0);
    let all = records(&out);
    let ids: BTreeSet<String> = all
        .iter()
        .map(|r| r["instance_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), TOTAL, "one record per instance, none twice");
    assert_eq!(ids.len(), TOTAL);
}
