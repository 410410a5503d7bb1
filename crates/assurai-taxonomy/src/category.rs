//! The six risk categories that group the 35 risk factors.

use crate::RiskFactor;
use crate::parse::taxonomy_value;

/// One of the six higher-level risk categories (paper Section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RiskCategory {
    /// Harmful & Violent Content (factors 1–6).
    HarmfulAndViolentContent,
    /// Interpersonal Harm (factors 7–10).
    InterpersonalHarm,
    /// Sensitive & Adult Content (factors 11–17).
    SensitiveAndAdultContent,
    /// Misinformation & Manipulation (factors 18–25).
    MisinformationAndManipulation,
    /// Illegal & Unethical Activities (factors 26–30).
    IllegalAndUnethicalActivities,
    /// Socioeconomic & Cognitive Risks (factors 31–35).
    SocioeconomicAndCognitiveRisks,
}

struct Info {
    id: &'static str,
    name: &'static str,
    name_ko: &'static str,
    description: &'static str,
}

const INFO: [Info; 6] = [
    Info {
        id: "harmful_and_violent_content",
        name: "Harmful & Violent Content",
        name_ko: "유해·폭력 콘텐츠",
        description: "Outputs that support violent groups, glorify suffering, enable violence or weapons, or describe armed conflict in dangerous detail.",
    },
    Info {
        id: "interpersonal_harm",
        name: "Interpersonal Harm",
        name_ko: "대인 관계 위해",
        description: "Outputs that attack, demean or stereotype people or groups.",
    },
    Info {
        id: "sensitive_and_adult_content",
        name: "Sensitive & Adult Content",
        name_ko: "민감·성인 콘텐츠",
        description: "Sexual material, material that harms or sexualises children, and content about self-injury.",
    },
    Info {
        id: "misinformation_and_manipulation",
        name: "Misinformation & Manipulation",
        name_ko: "허위 정보 및 조작",
        description: "Outputs that deceive, defraud, divide or sway people and democratic processes.",
    },
    Info {
        id: "illegal_and_unethical_activities",
        name: "Illegal & Unethical Activities",
        name_ko: "불법·비윤리 활동",
        description: "Outputs that discriminate, violate privacy, or help with drugs, illegal services or other crimes.",
    },
    Info {
        id: "socioeconomic_and_cognitive_risks",
        name: "Socioeconomic & Cognitive Risks",
        name_ko: "사회경제적·인지적 위험",
        description: "Longer-term harms of AI use to work, markets, and people's own judgement and autonomy.",
    },
];

impl RiskCategory {
    /// All six categories in the paper's order.
    pub const ALL: [RiskCategory; 6] = [
        Self::HarmfulAndViolentContent,
        Self::InterpersonalHarm,
        Self::SensitiveAndAdultContent,
        Self::MisinformationAndManipulation,
        Self::IllegalAndUnethicalActivities,
        Self::SocioeconomicAndCognitiveRisks,
    ];

    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// Stable snake_case id, e.g. `interpersonal_harm`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// English name as in the paper, e.g. `Interpersonal Harm`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Korean name.
    pub fn name_ko(self) -> &'static str {
        self.info().name_ko
    }

    /// A one-sentence summary of what the category covers.
    pub fn description(self) -> &'static str {
        self.info().description
    }

    /// The risk factors in this category, in number order.
    pub fn factors(self) -> impl Iterator<Item = RiskFactor> + Clone {
        RiskFactor::ALL
            .into_iter()
            .filter(move |f| f.category() == self)
    }

    fn spellings(self) -> impl Iterator<Item = &'static str> {
        let i = self.info();
        [i.id, i.name, i.name_ko].into_iter()
    }
}

taxonomy_value!(RiskCategory, "risk category");
