//! The 35 risk factors (paper Tables 1 and 10).

use crate::parse::taxonomy_value;
use crate::{ModalityCounts, RiskCategory, SourceFramework};

struct Info {
    id: &'static str,
    name: &'static str,
    name_ko: &'static str,
    category: RiskCategory,
    source: SourceFramework,
    definition: &'static str,
    definition_ko: &'static str,
    counts: ModalityCounts,
}

macro_rules! factors {
    ($(
        $variant:ident, $id:literal, $name:literal, $ko:literal, $cat:ident, $src:ident,
        [$t:literal, $i:literal, $v:literal, $a:literal],
        $def:literal, $def_ko:literal;
    )*) => {
        /// One of the 35 risk factors of the AssurAI taxonomy.
        ///
        /// Factors 1–30 come from AIR 2024, 31–35 from MIT FutureTech. The
        /// serde form and `Display` are the stable id; parsing also accepts
        /// the number, the English name (case and punctuation ignored) and the
        /// Korean name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum RiskFactor {
            $(
                #[doc = concat!($name, " — ", $def)]
                $variant,
            )*
        }

        const INFO: &[Info] = &[
            $(Info {
                id: $id,
                name: $name,
                name_ko: $ko,
                category: RiskCategory::$cat,
                source: SourceFramework::$src,
                definition: $def,
                definition_ko: $def_ko,
                counts: ModalityCounts::new($t, $i, $v, $a),
            },)*
        ];

        impl RiskFactor {
            /// All 35 factors in number order.
            pub const ALL: [RiskFactor; 35] = [$(Self::$variant,)*];
        }
    };
}

factors! {
    SupportingMaliciousOrganizedGroups, "supporting_malicious_organized_groups",
    "Supporting Malicious Organized Groups", "악의적 조직 지원", HarmfulAndViolentContent, Air2024,
    [150, 0, 0, 0],
    "Content that praises, recruits for or otherwise helps terrorist, extremist or organised-crime groups.",
    "테러·극단주의·조직범죄 집단을 찬양하거나 그 활동을 돕는 내용.";

    CelebratingSuffering, "celebrating_suffering",
    "Celebrating Suffering", "고통 미화", HarmfulAndViolentContent, Air2024,
    [150, 0, 0, 0],
    "Content that takes pleasure in, mocks or urges physical or mental suffering of others or of oneself.",
    "타인이나 자신의 신체적·정신적 고통을 즐기거나 조롱하거나 부추기는 내용.";

    ViolentActs, "violent_acts",
    "Violent Acts", "폭력 행위", HarmfulAndViolentContent, Air2024,
    [150, 0, 0, 30],
    "Content that urges violence or gives concrete help for carrying it out.",
    "폭력을 부추기거나 실행에 쓸 수 있는 구체적 정보를 주는 내용.";

    DepictingViolence, "depicting_violence",
    "Depicting Violence", "폭력 묘사", HarmfulAndViolentContent, Air2024,
    [150, 80, 30, 0],
    "Creative output (stories, images, video) that shows cruelty or violence graphically.",
    "잔혹하거나 폭력적인 장면을 담은 창작물(글·이미지·영상).";

    WeaponUsageAndDevelopment, "weapon_usage_and_development",
    "Weapon Usage & Development", "무기 사용 및 개발", HarmfulAndViolentContent, Air2024,
    [150, 0, 0, 0],
    "Content that helps build, modify, acquire or smuggle weapons outside the law.",
    "무기의 불법 제작·개조·입수·밀반입을 돕는 내용.";

    MilitaryAndWarfare, "military_and_warfare",
    "Military and Warfare", "군사 및 전쟁", HarmfulAndViolentContent, Air2024,
    [150, 70, 30, 30],
    "Military strategy or tactics that could breach the laws of war or lead to mass casualties.",
    "전쟁법 위반이나 대량 인명 피해로 이어질 수 있는 군사 전략·전술.";

    Harassment, "harassment",
    "Harassment", "괴롭힘", InterpersonalHarm, Air2024,
    [300, 70, 30, 30],
    "Content that bullies, intimidates or repeatedly targets a person or group.",
    "특정 개인이나 집단을 지속적으로 괴롭히거나 위협하는 내용.";

    HateSpeech, "hate_speech",
    "Hate Speech", "혐오 표현", InterpersonalHarm, Air2024,
    [150, 0, 0, 40],
    "Speech that stirs up hatred of, or discrimination against, a group.",
    "특정 집단에 대한 증오나 차별을 조장하는 표현.";

    OffensiveLanguage, "offensive_language",
    "Offensive Language", "모욕적 언어", InterpersonalHarm, Air2024,
    [150, 0, 0, 40],
    "Insulting, abusive or degrading language aimed at a target.",
    "특정 대상을 모욕하거나 비하하는 공격적 언어.";

    PerpetuatingHarmfulBeliefs, "perpetuating_harmful_beliefs",
    "Perpetuating Harmful Beliefs", "유해한 고정관념 강화", InterpersonalHarm, Air2024,
    [300, 0, 0, 0],
    "Content that repeats or strengthens negative stereotypes about a group.",
    "특정 집단에 대한 부정적 고정관념을 되풀이하거나 굳히는 내용.";

    AdultContent, "adult_content",
    "Adult Content", "성인 콘텐츠", SensitiveAndAdultContent, Air2024,
    [300, 70, 30, 30],
    "Explicit sexual material, in words or pictures.",
    "노골적인 성적 행위나 이미지를 담은 성인용 내용.";

    EroticContent, "erotic_content",
    "Erotic Content", "선정적 콘텐츠", SensitiveAndAdultContent, Air2024,
    [300, 70, 30, 30],
    "Sexually suggestive or obscene material short of full explicitness.",
    "성적으로 자극적이거나 외설적인 내용.";

    NonConsensualNudity, "non_consensual_nudity",
    "Non-Consensual Nudity", "비동의 노출", SensitiveAndAdultContent, Air2024,
    [260, 160, 30, 0],
    "Nude or sexual depictions of real people made or shared without their consent.",
    "당사자의 동의 없이 만들어지거나 유포되는 나체·성적 묘사.";

    MonetizedSexualContent, "monetized_sexual_content",
    "Monetized Sexual Content", "성적 콘텐츠 상업화", SensitiveAndAdultContent, Air2024,
    [300, 0, 0, 0],
    "Content that promotes selling or distributing sexual material for profit.",
    "영리를 목적으로 성적 콘텐츠의 판매나 유통을 부추기는 내용.";

    EndangermentHarmOrAbuseOfChildren, "endangerment_harm_or_abuse_of_children",
    "Endangerment, Harm, or Abuse of Children", "아동 위험·위해·학대", SensitiveAndAdultContent, Air2024,
    [300, 70, 30, 30],
    "Content that shows or promotes physical or psychological harm to children, or their abuse.",
    "아동에게 신체적·정신적 위해를 가하거나 학대하는 모습을 담거나 부추기는 내용.";

    ChildSexualAbuse, "child_sexual_abuse",
    "Child Sexual Abuse", "아동 성학대", SensitiveAndAdultContent, Air2024,
    [300, 70, 20, 0],
    "Content that depicts or encourages the sexual abuse or exploitation of children.",
    "아동 성착취나 성학대를 묘사하거나 부추기는 내용.";

    SuicidalAndNonSuicidalSelfInjury, "suicidal_and_non_suicidal_self_injury",
    "Suicidal and Non-suicidal Self-injury", "자살 및 비자살적 자해", SensitiveAndAdultContent, Air2024,
    [300, 70, 20, 0],
    "Content that encourages or glamorises suicide or self-harm, or describes ways to do it.",
    "자살이나 자해를 부추기거나 미화하거나 구체적 방법을 알려주는 내용.";

    PoliticalPersuasion, "political_persuasion",
    "Political Persuasion", "정치적 설득", MisinformationAndManipulation, Air2024,
    [100, 0, 0, 0],
    "Content built to push a particular political message onto its audience.",
    "특정 정치적 메시지를 주입해 수용자의 의견이나 행동을 바꾸려는 내용.";

    InfluencingPolitics, "influencing_politics",
    "Influencing Politics", "정치 과정 개입", MisinformationAndManipulation, Air2024,
    [100, 0, 0, 0],
    "Content that could improperly sway political processes, such as elections or public opinion.",
    "선거 결과 왜곡이나 여론 조작처럼 정치 과정에 부당하게 영향을 주는 내용.";

    DeterringDemocraticParticipation, "deterring_democratic_participation",
    "Deterring Democratic Participation", "민주적 참여 저해", MisinformationAndManipulation, Air2024,
    [100, 0, 0, 0],
    "Content that discourages people from voting or taking part in democratic life.",
    "투표 등 민주적 참여를 단념시키려는 내용.";

    Fraud, "fraud",
    "Fraud", "사기", MisinformationAndManipulation, Air2024,
    [300, 0, 0, 0],
    "Content usable for scams such as phishing or identity theft to take money or data.",
    "피싱·명의 도용 등으로 금전이나 정보를 빼앗는 데 쓰일 수 있는 내용.";

    MisDisinformation, "mis_disinformation",
    "Mis/disinformation", "허위·조작 정보", MisinformationAndManipulation, Air2024,
    [300, 80, 30, 40],
    "False information, such as fake reviews or fabricated news, that confuses or manipulates the public.",
    "가짜 후기나 조작된 뉴스처럼 사회적 혼란이나 여론 조작을 일으키는 거짓 정보.";

    SowingDivision, "sowing_division",
    "Sowing Division", "분열 조장", MisinformationAndManipulation, Air2024,
    [300, 0, 0, 0],
    "Content that takes sides with one faction or stirs up conflict between groups.",
    "한쪽 진영에 치우치거나 집단 간 갈등과 분열을 부추기는 내용.";

    Misrepresentation, "misrepresentation",
    "Misrepresentation", "사칭 및 허위 표시", MisinformationAndManipulation, Air2024,
    [300, 70, 30, 30],
    "An AI passing its output off as human-made, or impersonating a real person.",
    "AI가 생성물을 사람이 만든 것처럼 꾸미거나 특정인을 사칭하는 행위.";

    TypesOfDefamation, "types_of_defamation",
    "Types of Defamation", "명예훼손", MisinformationAndManipulation, Air2024,
    [300, 0, 0, 0],
    "False factual claims that damage the reputation of a person or organisation.",
    "구체적인 허위 사실로 개인이나 단체의 사회적 평판을 떨어뜨리는 내용.";

    DiscriminatoryActivities, "discriminatory_activities",
    "Discriminatory Activities", "차별 행위", IllegalAndUnethicalActivities, Air2024,
    [900, 70, 30, 0],
    "Creative or practical output that treats a group with bias or discrimination.",
    "특정 집단을 편향되게 대하거나 차별하는 창작물이나 행위.";

    UnauthorizedPrivacyViolations, "unauthorized_privacy_violations",
    "Unauthorized Privacy Violations", "무단 개인정보 침해", IllegalAndUnethicalActivities, Air2024,
    [900, 0, 0, 0],
    "Gathering, disclosing or using personal information without consent.",
    "동의 없이 개인정보를 수집·유출·이용하는 등 사생활을 침해하는 행위.";

    IllegalRegulatedSubstances, "illegal_regulated_substances",
    "Illegal/Regulated Substances", "불법·규제 약물", IllegalAndUnethicalActivities, Air2024,
    [300, 70, 30, 0],
    "Content that promotes making, trading or using illegal drugs.",
    "불법 약물의 제조·거래·사용을 조장하는 내용.";

    IllegalServicesExploitation, "illegal_services_exploitation",
    "Illegal Services/Exploitation", "불법 서비스·착취", IllegalAndUnethicalActivities, Air2024,
    [300, 70, 30, 0],
    "Content tied to illegal services or the exploitation of workers.",
    "불법 서비스나 노동 착취와 관련된 내용.";

    OtherUnlawfulCriminalActivities, "other_unlawful_criminal_activities",
    "Other Unlawful/Criminal Activities", "기타 불법·범죄 행위", IllegalAndUnethicalActivities, Air2024,
    [300, 70, 30, 0],
    "Content that assists crimes or unlawful acts not covered by another factor.",
    "다른 항목에 해당하지 않는 범죄나 불법 행위와 관련된 내용.";

    IncreasedInequalityAndDeclineInEmploymentQuality, "increased_inequality_and_decline_in_employment_quality",
    "Increased inequality and decline in employment quality", "불평등 심화 및 고용의 질 저하", SocioeconomicAndCognitiveRisks, MitFutureTech,
    [300, 0, 0, 0],
    "Uses of AI that widen social inequality or make jobs worse.",
    "AI 활용이 사회적 불평등을 키우거나 일자리의 질을 떨어뜨리는 문제.";

    EconomicAndCulturalDevaluationOfHumanEffort, "economic_and_cultural_devaluation_of_human_effort",
    "Economic and cultural devaluation of human effort", "인간 노력의 경제적·문화적 가치 절하", SocioeconomicAndCognitiveRisks, MitFutureTech,
    [300, 0, 0, 0],
    "AI replacing human work in a way that lowers its economic and cultural worth.",
    "AI가 사람의 노동을 대체하면서 그 경제적·문화적 가치를 떨어뜨리는 문제.";

    CompetitiveDynamics, "competitive_dynamics",
    "Competitive dynamics", "경쟁 구도 왜곡", SocioeconomicAndCognitiveRisks, MitFutureTech,
    [300, 0, 0, 0],
    "Concentration of AI in a few firms that distorts fair competition in existing markets.",
    "AI 기술이 소수 기업에 독점되어 기존 산업의 공정한 경쟁을 왜곡하는 문제.";

    OverrelianceAndUnsafeUse, "overreliance_and_unsafe_use",
    "Overreliance and unsafe use", "과의존 및 안전하지 않은 사용", SocioeconomicAndCognitiveRisks, MitFutureTech,
    [150, 0, 0, 0],
    "Traits of an AI or its output that lead people to depend on it too much or use it unsafely.",
    "사용자가 AI에 지나치게 의존하거나 잘못 사용하게 만드는 AI의 특성이나 생성물.";

    LossOfHumanAgencyAndAutonomy, "loss_of_human_agency_and_autonomy",
    "Loss of human agency and autonomy", "인간 주체성 및 자율성 상실", SocioeconomicAndCognitiveRisks, MitFutureTech,
    [150, 0, 0, 0],
    "People losing critical thinking, agency or autonomy through their use of AI.",
    "AI를 쓰는 과정에서 사용자가 비판적 사고력과 주체성, 자율성을 잃는 문제.";
}

impl RiskFactor {
    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// Stable snake_case id, e.g. `weapon_usage_and_development`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// English name exactly as in the paper's Tables 1 and 10.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Korean name.
    pub fn name_ko(self) -> &'static str {
        self.info().name_ko
    }

    /// What the factor covers, in English.
    pub fn definition(self) -> &'static str {
        self.info().definition
    }

    /// What the factor covers, in Korean.
    pub fn definition_ko(self) -> &'static str {
        self.info().definition_ko
    }

    /// The category the factor belongs to.
    pub fn category(self) -> RiskCategory {
        self.info().category
    }

    /// The framework the factor was adapted from.
    pub fn source(self) -> SourceFramework {
        self.info().source
    }

    /// Instances per modality in the published dataset (Table 10).
    pub fn paper_counts(self) -> ModalityCounts {
        self.info().counts
    }

    /// Whether the published dataset has instances of this factor in that
    /// modality (a non-zero cell in Table 10).
    pub fn planned_for(self, modality: crate::Modality) -> bool {
        self.paper_counts().get(modality) > 0
    }

    fn spellings(self) -> impl Iterator<Item = &'static str> {
        let i = self.info();
        [i.id, i.name, i.name_ko].into_iter()
    }
}

taxonomy_value!(RiskFactor, "risk factor");
