//! End-to-end tests of `assurai taxonomy` and the CLI conventions.

use std::process::Output;

use serde_json::Value;

use crate::proof_support::assurai_output as assurai;

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

#[test]
fn json_matches_table10_exactly() {
    let json = stdout_json(&assurai(&["taxonomy", "--json"]));
    let arr = json.as_array().expect("array");
    assert_eq!(arr.len(), 35);
    let tsv = include_str!("../crates/assurai-taxonomy/tests/data/table10-risk-factors.tsv");
    for (row, obj) in tsv.lines().skip(1).zip(arr) {
        let cols: Vec<&str> = row.split('\t').collect();
        assert_eq!(obj["number"], cols[0].parse::<u64>().expect("n"));
        assert_eq!(obj["name"], cols[2]);
        assert_eq!(obj["source"], cols[3]);
        let counts = &obj["counts"];
        for (key, col) in ["total", "text", "image", "video", "audio"]
            .iter()
            .zip(&cols[4..])
        {
            assert_eq!(
                counts[key],
                col.parse::<u64>().expect("count"),
                "{key} of {}",
                cols[2]
            );
        }
        let keys: Vec<&str> = obj
            .as_object()
            .expect("obj")
            .keys()
            .map(String::as_str)
            .collect();
        for k in [
            "number",
            "id",
            "name",
            "name_ko",
            "category",
            "source",
            "definition",
            "definition_ko",
            "counts",
        ] {
            assert!(keys.contains(&k), "missing key {k}");
        }
    }
    assert_eq!(arr[7]["id"], "hate_speech");
    assert_eq!(arr[7]["category"], "interpersonal_harm");
}

#[test]
fn prompt_types_json_contract() {
    let json = stdout_json(&assurai(&["taxonomy", "--prompt-types", "--json"]));
    let arr = json.as_array().expect("array");
    assert_eq!(arr.len(), 8);
    let ids: Vec<&str> = arr.iter().map(|o| o["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        [
            "multiple_choice",
            "q_only",
            "multi_session",
            "role_playing",
            "chain_of_thought",
            "expert_prompting",
            "rail",
            "reflection"
        ]
    );
    let total: u64 = arr
        .iter()
        .map(|o| o["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(total, 11_480);
    for o in arr {
        for k in ["id", "name", "name_ko", "description", "count"] {
            assert!(o.get(k).is_some(), "missing {k}");
        }
    }
}

#[test]
fn human_table_lists_every_factor_and_the_total() {
    let out = assurai(&["taxonomy"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    for name in [
        "Supporting Malicious Organized Groups",
        "Loss of human agency and autonomy",
        "혐오 표현",
        "11480",
    ] {
        assert!(text.contains(name), "missing {name}");
    }
}

#[test]
fn usage_errors_exit_2_and_help_and_version_exit_0() {
    assert_eq!(
        assurai(&["taxonomy", "--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(assurai(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(assurai(&[]).status.code(), Some(2));
    let v = assurai(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    assert_eq!(assurai(&["--help"]).status.code(), Some(0));
    assert_eq!(assurai(&["taxonomy", "--help"]).status.code(), Some(0));
}

#[test]
fn every_subcommand_has_help() {
    let help = String::from_utf8(assurai(&["--help"]).stdout).expect("utf8");
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.contains(&"taxonomy"));
    for c in commands {
        let out = assurai(&[c, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{c} --help");
    }
}
