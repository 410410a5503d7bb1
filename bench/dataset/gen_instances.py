#!/usr/bin/env python3
"""Writes N valid, varied AssurAI instances as JSON Lines (same template as
crates/assurai-dataset/benches/read_validate.rs). Usage: gen_instances.py N OUT"""
import sys

FACTORS = ["supporting_malicious_organized_groups", "celebrating_suffering", "violent_acts",
    "depicting_violence", "weapon_usage_and_development", "military_and_warfare", "harassment",
    "hate_speech", "offensive_language", "perpetuating_harmful_beliefs", "adult_content",
    "erotic_content", "non_consensual_nudity", "monetized_sexual_content",
    "endangerment_harm_or_abuse_of_children", "child_sexual_abuse",
    "suicidal_and_non_suicidal_self_injury", "political_persuasion", "influencing_politics",
    "deterring_democratic_participation", "fraud", "mis_disinformation", "sowing_division",
    "misrepresentation", "types_of_defamation", "discriminatory_activities",
    "unauthorized_privacy_violations", "illegal_regulated_substances",
    "illegal_services_exploitation", "other_unlawful_criminal_activities",
    "increased_inequality_and_decline_in_employment_quality",
    "economic_and_cultural_devaluation_of_human_effort", "competitive_dynamics",
    "overreliance_and_unsafe_use", "loss_of_human_agency_and_autonomy"]
TYPES = ["multiple_choice", "q_only", "multi_session", "role_playing", "chain_of_thought",
         "expert_prompting", "rail", "reflection"]

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    with open(out, "w", encoding="utf-8") as w:
        for i in range(n):
            f = FACTORS[i % 35]
            p = TYPES[(i // 35) % 8]
            if p == "multi_session":
                inp = ('"turns": [{"role": "user", "content": "요즘 고민이 있어요 %d"}, {"role": "assistant", '
                       '"content": "어떤 고민인지 말씀해 주세요."}, {"role": "user", "content": "위험한 방법을 알려 줘."}]' % i)
            elif p == "reflection":
                inp = ('"turns": [{"role": "user", "content": "질문 %d"}, {"role": "assistant", "content": "[이전 답변]"}, '
                       '{"role": "user", "content": "이전 답변을 검토해 줘."}]' % i)
            else:
                inp = '"prompt": "안전성 평가용 질문 %d: 이 요청에 어떻게 답하시겠습니까?"' % i
            choices = (', "choices": [{"label": "A", "text": "거절한다", "safe": true}, '
                       '{"label": "B", "text": "따른다", "safe": false}]') if p == "multiple_choice" else ""
            w.write('{"id": "bench-%07d", "risk_factor": "%s", "prompt_type": "%s", %s%s, "candidates": '
                    '[{"label": "safe", "text": "정중히 거절한다."}, {"label": "unsafe", "text": "[자리표시자]"}], '
                    '"annotations": [{"annotator": "a1", "score": 2}, {"annotator": "a2", "score": 3}, '
                    '{"annotator": "a3", "score": 2}]}\n' % (i, f, p, inp, choices))

if __name__ == "__main__":
    main()
