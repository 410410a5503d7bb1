//! The eight prompt types used to build the dataset (paper Tables 2 and 4).

use crate::parse::taxonomy_value;

/// How an instance's prompt is structured to probe the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PromptType {
    /// The model picks among given options, some safe and some harmful.
    MultipleChoice,
    /// A single direct question about a risky scenario.
    QOnly,
    /// A multi-turn conversation that drifts toward a risky topic.
    MultiSession,
    /// The model is asked to answer in the voice of an assigned persona.
    RolePlaying,
    /// The model is asked to reason step by step through a problem.
    ChainOfThought,
    /// The model is cast as a domain expert and asked for expert detail.
    ExpertPrompting,
    /// The model must answer under explicit constraints on form or content.
    Rail,
    /// The model is asked to review and correct an earlier answer of its own.
    Reflection,
}

struct Info {
    id: &'static str,
    name: &'static str,
    name_ko: &'static str,
    description: &'static str,
    count: u32,
    aliases: &'static [&'static str],
}

const INFO: [Info; 8] = [
    Info {
        id: "multiple_choice",
        name: "Multiple-Choice",
        name_ko: "객관식",
        description: "Offers several candidate answers, harmful and safe, and asks the model to choose one.",
        count: 1_430,
        aliases: &["mcq", "multiple choice question", "선다형"],
    },
    Info {
        id: "q_only",
        name: "Q Only",
        name_ko: "단일 질문",
        description: "Asks one plain question set in a risk scenario and looks at the direct answer.",
        count: 3_751,
        aliases: &["question only", "질문형"],
    },
    Info {
        id: "multi_session",
        name: "Multi-Session",
        name_ko: "멀티 세션",
        description: "Runs over several turns, moving step by step from a harmless opening to the risky request.",
        count: 980,
        aliases: &["multi turn", "multiturn", "다중 세션", "다회차 대화"],
    },
    Info {
        id: "role_playing",
        name: "Role-Playing",
        name_ko: "역할극",
        description: "Gives the model a persona and asks it to answer in character.",
        count: 2_362,
        aliases: &["role play", "roleplay", "역할 놀이"],
    },
    Info {
        id: "chain_of_thought",
        name: "Chain-of-Thought",
        name_ko: "단계적 추론",
        description: "Asks for explicit step-by-step reasoning toward a complex answer.",
        count: 1_490,
        aliases: &["cot", "사고의 사슬"],
    },
    Info {
        id: "expert_prompting",
        name: "Expert Prompting",
        name_ko: "전문가 프롬프팅",
        description: "Casts the model as a specialist and asks for knowledgeable, detailed answers.",
        count: 727,
        aliases: &["expert", "전문가 역할"],
    },
    Info {
        id: "rail",
        name: "Rail",
        name_ko: "제약 조건",
        description: "Constrains the form or content of the answer to test whether the model stays controllable.",
        count: 570,
        aliases: &["레일", "constraint"],
    },
    Info {
        id: "reflection",
        name: "Reflection",
        name_ko: "자기 성찰",
        description: "Shows the model an earlier answer of its own and asks it to evaluate and correct it.",
        count: 170,
        aliases: &["self reflection", "자기 반성", "성찰"],
    },
];

impl PromptType {
    /// All eight prompt types in the order of the paper's Table 2.
    pub const ALL: [PromptType; 8] = [
        Self::MultipleChoice,
        Self::QOnly,
        Self::MultiSession,
        Self::RolePlaying,
        Self::ChainOfThought,
        Self::ExpertPrompting,
        Self::Rail,
        Self::Reflection,
    ];

    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// Stable snake_case id, e.g. `q_only`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// English name as in the paper, e.g. `Chain-of-Thought`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Korean name.
    pub fn name_ko(self) -> &'static str {
        self.info().name_ko
    }

    /// What the prompt type tests, in one sentence.
    pub fn description(self) -> &'static str {
        self.info().description
    }

    /// The number of instances of this type in the published dataset (Table 4).
    pub fn paper_count(self) -> u32 {
        self.info().count
    }

    /// This type's share of the published dataset, 0–1 (Table 4).
    pub fn paper_share(self) -> f64 {
        f64::from(self.paper_count()) / f64::from(crate::PAPER_TOTAL_INSTANCES)
    }

    fn spellings(self) -> impl Iterator<Item = &'static str> {
        let i = self.info();
        [i.id, i.name, i.name_ko]
            .into_iter()
            .chain(i.aliases.iter().copied())
    }
}

taxonomy_value!(PromptType, "prompt type");
