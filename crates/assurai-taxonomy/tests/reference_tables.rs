//! The taxonomy's data against the paper's tables (Table 10 as committed TSV).

use assurai_taxonomy::{
    Modality, PAPER_MODALITY_TOTALS, PAPER_TOTAL_INSTANCES, PromptType, RiskCategory, RiskFactor,
    SourceFramework, table10_totals,
};

const TABLE10: &str = include_str!("data/table10-risk-factors.tsv");

#[test]
fn every_factor_matches_table10_row() {
    let rows: Vec<Vec<&str>> = TABLE10
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 35);
    for (row, f) in rows.iter().zip(RiskFactor::ALL) {
        let n: u8 = row[0].parse().expect("number");
        assert_eq!(f.number(), n);
        assert_eq!(f.category().name(), row[1], "category of #{n}");
        assert_eq!(f.name(), row[2], "name of #{n}");
        assert_eq!(f.source().name(), row[3], "source of #{n}");
        let nums: Vec<u32> = row[4..9]
            .iter()
            .map(|c| c.parse().expect("count"))
            .collect();
        let c = f.paper_counts();
        assert_eq!(
            [c.total(), c.text, c.image, c.video, c.audio],
            nums[..],
            "counts of #{n}"
        );
    }
}

#[test]
fn totals_add_up() {
    let t = table10_totals();
    assert_eq!(t, PAPER_MODALITY_TOTALS);
    assert_eq!(t.total(), PAPER_TOTAL_INSTANCES);
    assert_eq!(
        (t.text, t.image, t.video, t.audio),
        (9_560, 1_160, 430, 330)
    );
    let by_type: u32 = PromptType::ALL.iter().map(|p| p.paper_count()).sum();
    assert_eq!(by_type, PAPER_TOTAL_INSTANCES);
    let by_modality: u32 = Modality::ALL.iter().map(|m| m.paper_count()).sum();
    assert_eq!(by_modality, PAPER_TOTAL_INSTANCES);
    let shares: f64 = PromptType::ALL.iter().map(|p| p.paper_share()).sum();
    assert!((shares - 1.0).abs() < 1e-12);
}

#[test]
fn table4_shares_round_to_the_paper() {
    // Ratios as printed in Table 4 (one decimal).
    let printed = [12.5, 32.7, 8.5, 20.6, 13.0, 6.3, 5.0, 1.5];
    for (p, want) in PromptType::ALL.iter().zip(printed) {
        let got = (p.paper_share() * 1000.0).round() / 10.0;
        assert_eq!(got, want, "{p}");
    }
}

#[test]
fn categories_partition_the_factors() {
    let sizes: Vec<usize> = RiskCategory::ALL
        .iter()
        .map(|c| c.factors().count())
        .collect();
    assert_eq!(sizes, [6, 4, 7, 8, 5, 5]);
    // Factors of a category are contiguous in number order.
    let mut last = 0;
    for c in RiskCategory::ALL {
        for f in c.factors() {
            assert_eq!(f.number(), last + 1);
            last = f.number();
        }
    }
    assert_eq!(last, 35);
}

#[test]
fn sources_are_air_then_mit() {
    for f in RiskFactor::ALL {
        let want = if f.number() <= 30 {
            SourceFramework::Air2024
        } else {
            SourceFramework::MitFutureTech
        };
        assert_eq!(f.source(), want, "{f}");
    }
}

/// The id rule: snake_case of the English name, `&` → `and`, `/ , -` → `_`.
fn id_from_name(name: &str) -> String {
    let mut s = String::new();
    for c in name.replace('&', "and").chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    s.trim_matches('_').to_string()
}

#[test]
fn ids_follow_the_naming_rule() {
    for f in RiskFactor::ALL {
        assert_eq!(f.id(), id_from_name(f.name()), "{}", f.name());
    }
    for p in PromptType::ALL {
        assert_eq!(p.id(), id_from_name(p.name()), "{}", p.name());
    }
    for c in RiskCategory::ALL {
        assert_eq!(c.id(), id_from_name(c.name()), "{}", c.name());
    }
}

#[test]
fn issue_examples_of_ids() {
    let want = [
        "supporting_malicious_organized_groups",
        "weapon_usage_and_development",
        "endangerment_harm_or_abuse_of_children",
        "suicidal_and_non_suicidal_self_injury",
        "mis_disinformation",
        "illegal_regulated_substances",
        "illegal_services_exploitation",
        "other_unlawful_criminal_activities",
    ];
    let ids: Vec<&str> = RiskFactor::ALL.iter().map(|f| f.id()).collect();
    for w in want {
        assert!(ids.contains(&w), "{w}");
    }
}

#[test]
fn planned_modalities_follow_table10() {
    assert!(RiskFactor::ViolentActs.planned_for(Modality::Audio));
    assert!(!RiskFactor::ViolentActs.planned_for(Modality::Image));
    assert!(RiskFactor::Fraud.planned_for(Modality::Text));
    for f in RiskFactor::ALL {
        assert!(f.planned_for(Modality::Text), "every factor has text");
    }
}

#[test]
fn korean_text_is_present_everywhere() {
    let hangul = |s: &str| s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    for f in RiskFactor::ALL {
        assert!(hangul(f.name_ko()) && hangul(f.definition_ko()), "{f}");
        assert!(!f.definition().is_empty());
    }
    for p in PromptType::ALL {
        assert!(hangul(p.name_ko()), "{p}");
    }
    for c in RiskCategory::ALL {
        assert!(hangul(c.name_ko()), "{c}");
    }
    for m in Modality::ALL {
        assert!(hangul(m.name_ko()), "{m}");
    }
}
