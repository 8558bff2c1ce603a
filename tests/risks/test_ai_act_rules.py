"""EU AI Act classification as data (risks.ai_act), table-driven: every row names its article.

Pure functions, no database. Dates checked against Art. 113 (2 Feb 2025 Chapters I-II; 2 Aug
2025 Chapter V; 2 Aug 2026 the general date; 2 Aug 2027 Art. 6(1)).
"""

from __future__ import annotations

from datetime import date

import pytest

from risks.ai_act import (
    DATE_AMENDMENTS,
    PROHIBITIONS,
    AnnexIIIUseCase,
    Facts,
    HighRiskArea,
    area_of,
    classify,
    fria_required,
)

# --- Art. 5: every item, and each exception Art. 5 itself makes ---------------------------------

PROHIBITED_CASES = [
    # (practice, exception ticked, tier, article cited)
    ("manipulation", None, "prohibited", "Art. 5(1)(a)"),
    ("exploiting_vulnerability", None, "prohibited", "Art. 5(1)(b)"),
    ("social_scoring", None, "prohibited", "Art. 5(1)(c)"),
    ("crime_prediction", None, "prohibited", "Art. 5(1)(d)"),
    ("crime_prediction", "supports_human_assessment", "minimal", "Art. 5(1)(d), last sentence"),
    ("face_scraping", None, "prohibited", "Art. 5(1)(e)"),
    ("emotion_at_work", None, "prohibited", "Art. 5(1)(f)"),
    ("emotion_at_work", "medical_or_safety", "minimal", "Art. 5(1)(f)"),
    ("sensitive_biometric_categorisation", None, "prohibited", "Art. 5(1)(g)"),
    (
        "sensitive_biometric_categorisation",
        "lawful_dataset_labelling",
        "minimal",
        "Art. 5(1)(g), last sentence",
    ),
    ("realtime_remote_biometric_id", None, "prohibited", "Art. 5(1)(h)"),
    ("realtime_remote_biometric_id", "authorised_targeted_search", "minimal", "Art. 5(1)(h)"),
]


@pytest.mark.parametrize(("practice", "exception", "tier", "article"), PROHIBITED_CASES)
def test_art5_each_practice_blocks_unless_its_own_exception_holds(
    practice, exception, tier, article
):
    result = classify(
        Facts(prohibited=(practice,), prohibition_exceptions=(exception,) if exception else ())
    )
    assert result.tier == tier
    assert any(r.startswith(article) for r in result.reasons), result.reasons
    assert bool(result.blocking) == (exception is None)
    if exception is None:
        assert [o.article for o in result.obligations] == [article]
        assert result.obligations[0].applies_from == date(2025, 2, 2)


def test_art5_covers_eight_practices_and_the_wording_that_matters():
    assert len(PROHIBITIONS) == 8
    labels = {p.practice.label for p in PROHIBITIONS}
    assert any("deceptive" in label for label in labels)
    assert any("social or economic situation" in label for label in labels)


def test_an_exception_for_one_practice_does_not_lift_another():
    result = classify(
        Facts(
            prohibited=("emotion_at_work", "face_scraping"),
            prohibition_exceptions=("medical_or_safety",),
        )
    )
    assert result.tier == "prohibited" and result.blocking == ["face_scraping"]


# --- Art. 6(2) / Annex III: a listed use case per area, and a near miss ---------------------------

ANNEX_III_CASES = [
    # (area, listed use case that makes it high risk, a near miss described by the same area)
    ("biometrics", "1a", "face unlock that only verifies the phone's owner"),
    ("critical_infrastructure", "2a", "chatbot answering questions about electricity bills"),
    ("education", "3b", "tool that suggests reading material to students"),
    ("employment", "4a", "HR FAQ bot answering questions about leave"),
    ("essential_services", "5b", "fraud detection on card payments"),
    ("law_enforcement", "6c", "translation tool for police paperwork"),
    ("migration", "7c", "scheduling tool for visa appointments"),
    ("justice_democracy", "8a", "spell-checker for court clerks"),
]


@pytest.mark.parametrize(("area", "use_case", "near_miss"), ANNEX_III_CASES)
def test_annex_iii_listed_use_case_is_high_risk_and_the_area_alone_is_not(
    area, use_case, near_miss
):
    assert area_of(use_case) == area
    high = classify(Facts(use_cases=(use_case,)))
    assert high.tier == "high" and high.high_risk_route == "annex_iii"
    assert any(r.startswith("Art. 6(2)") and use_case in r for r in high.reasons)
    # The near miss serves the same area but no listed use: nothing to tick, not high risk.
    assert classify(Facts(use_cases=())).tier == "minimal", near_miss


def test_every_annex_iii_use_case_belongs_to_an_area():
    assert {area_of(c) for c in AnnexIIIUseCase.values} == set(HighRiskArea.values)


def test_art6_1_annex_i_product_is_high_risk_from_2_august_2027():
    result = classify(Facts(role="provider", annex_i_product=True))
    assert result.tier == "high" and result.high_risk_route == "annex_i"
    assert any(r.startswith("Art. 6(1)") for r in result.reasons)
    dates = {o.article: o.applies_from for o in result.obligations}
    assert dates["Art. 9"] == date(2027, 8, 2)
    assert dates["Art. 4"] == date(2025, 2, 2)


# --- Art. 6(3): the four conditions, the profiling override, the Art. 6(4) duty -------------------


@pytest.mark.parametrize(
    "condition", ["narrow_procedural", "improves_human_result", "detects_patterns", "preparatory"]
)
def test_art6_3_each_condition_lifts_high_risk_and_brings_art6_4(condition):
    result = classify(Facts(role="provider", use_cases=("4a",), derogation=(condition,)))
    assert result.tier == "minimal" and result.derogation_applies
    assert any(r.startswith("Art. 6(3)") for r in result.reasons)
    articles = [o.article for o in result.obligations]
    assert "Art. 6(4)" in articles and "Art. 49(2)" in articles
    assert "Art. 9" not in articles


def test_art6_3_profiling_of_people_is_always_high_risk():
    result = classify(Facts(use_cases=("4a",), derogation=("preparatory",), profiles_people=True))
    assert result.tier == "high" and not result.derogation_applies
    assert any("profiles people" in r for r in result.reasons)


# --- roles: provider, deployer, importer, distributor, Art. 25, GPAI ---------------------------


def _articles(**facts) -> list[str]:
    return [o.article for o in classify(Facts(**facts)).obligations]


def test_roles_get_their_own_high_risk_duties():
    provider = _articles(role="provider", use_cases=("4a",))
    deployer = _articles(role="deployer", use_cases=("4a",))
    importer = _articles(role="importer", use_cases=("4a",))
    distributor = _articles(role="distributor", use_cases=("4a",))
    assert "Art. 16(c), 17" in provider and "Art. 26(1)" not in provider
    assert "Art. 26(1)" in deployer and "Art. 16(c), 17" not in deployer
    assert importer == ["Art. 23(1)", "Art. 23(3)", "Art. 23(5)"]
    assert distributor == ["Art. 24(1)", "Art. 24(4)"]


@pytest.mark.parametrize("trigger", ["own_name", "substantial_modification", "high_risk_purpose"])
def test_art25_turns_a_deployer_of_a_high_risk_system_into_its_provider(trigger):
    result = classify(Facts(role="deployer", use_cases=("5b",), art25=(trigger,)))
    assert result.effective_role == "provider"
    assert any(r.startswith("Art. 25(1)") for r in result.reasons)
    assert "Art. 16(c), 17" in [o.article for o in result.obligations]
    assert not result.fria_required  # the FRIA is a deployer's duty


def test_art25_does_not_apply_to_a_system_that_is_not_high_risk():
    result = classify(Facts(role="deployer", art25=("own_name",)))
    assert result.effective_role == "deployer"


def test_gpai_model_provider_art53_and_systemic_risk_art55_from_2_august_2025():
    plain = classify(Facts(role="provider", gpai="model_provider"))
    articles = [o.article for o in plain.obligations]
    assert [a for a in articles if a.startswith("Art. 53")] == [
        "Art. 53(1)(a)",
        "Art. 53(1)(b)",
        "Art. 53(1)(c)",
        "Art. 53(1)(d)",
    ]
    assert not [a for a in articles if a.startswith("Art. 55")]
    systemic = classify(Facts(role="provider", gpai="model_provider", gpai_systemic_risk=True))
    art55 = [o for o in systemic.obligations if o.article.startswith("Art. 55")]
    assert len(art55) == 4 and {o.applies_from for o in art55} == {date(2025, 8, 2)}


def test_a_system_built_on_a_gpai_model_is_classified_as_a_system():
    result = classify(Facts(role="provider", gpai="built_on", use_cases=("4a",)))
    articles = [o.article for o in result.obligations]
    assert "Art. 53(1)(b)" in articles and "Art. 16(c), 17" in articles
    assert "Art. 53(1)(a)" not in articles  # the model's own duties stay with its provider


# --- Art. 50: transparency by role ------------------------------------------------------------

TRANSPARENCY_CASES = [
    ("chatbot", "provider", "Art. 50(1)"),
    ("synthetic_content", "provider", "Art. 50(2)"),
    ("emotion_recognition", "deployer", "Art. 50(3)"),
    ("deepfake", "deployer", "Art. 50(4)"),
    ("public_interest_text", "deployer", "Art. 50(4)"),
]


@pytest.mark.parametrize(("situation", "owed_by", "article"), TRANSPARENCY_CASES)
def test_art50_duties_fall_on_the_role_the_paragraph_names(situation, owed_by, article):
    other = "deployer" if owed_by == "provider" else "provider"
    owed = classify(Facts(role=owed_by, transparency=(situation,)))
    assert owed.tier == "limited" and article in [o.article for o in owed.obligations]
    assert article not in [
        o.article for o in classify(Facts(role=other, transparency=(situation,))).obligations
    ]
    assert {o.applies_from for o in owed.obligations if o.article == article} == {date(2026, 8, 2)}


# --- Art. 27(1): the FRIA trigger matrix (who deploys x Annex III point) ------------------------

LEGAL_TYPES = ["public_body", "public_service", "other"]
FRIA_MATRIX = {
    # point: (public-law body, private entity providing public services, other)
    "1a": (True, True, False),
    "2a": (False, False, False),  # critical infrastructure is excluded
    "3a": (True, True, False),
    "4a": (True, True, False),
    "5a": (True, True, False),
    "5b": (True, True, True),  # credit scoring: any deployer
    "5c": (True, True, True),  # life and health insurance pricing: any deployer
    "5d": (True, True, False),
    "6a": (True, True, False),
    "7c": (True, True, False),
    "8a": (True, True, False),
}


@pytest.mark.parametrize("use_case", sorted(FRIA_MATRIX))
@pytest.mark.parametrize("legal_type", LEGAL_TYPES)
def test_art27_fria_matrix(use_case, legal_type):
    expected = FRIA_MATRIX[use_case][LEGAL_TYPES.index(legal_type)]
    result = classify(Facts(role="deployer", legal_type=legal_type, use_cases=(use_case,)))
    assert result.fria_required is expected
    articles = [o.article for o in result.obligations]
    assert ("Art. 27" in articles) is expected and ("Art. 27(3)" in articles) is expected


def test_fria_is_a_deployers_duty_only_for_high_risk_systems():
    assert not fria_required(
        legal_type="public_body", use_cases=("4a",), role="provider", high_risk=True
    )
    assert not fria_required(
        legal_type="public_body", use_cases=(), role="deployer", high_risk=False
    )


def test_fraud_detection_is_not_credit_scoring():
    """Annex III 5(b) excludes fraud detection: nothing to tick, no FRIA for a private bank."""
    result = classify(Facts(role="deployer", legal_type="other", use_cases=()))
    assert result.tier == "minimal" and not result.fria_required


# --- dates are data with their source -------------------------------------------------------


def test_every_obligation_carries_its_date_and_source():
    result = classify(Facts(role="deployer", legal_type="public_body", use_cases=("4a",)))
    for obligation in result.obligations:
        assert obligation.date_source.startswith("Art. 113"), obligation
    assert {o.applies_from for o in result.obligations if o.article.startswith("Art. 26")} == {
        date(2026, 8, 2)
    }


def test_a_pending_amendment_is_shown_but_not_applied_until_in_force(monkeypatch):
    from risks import ai_act

    result = classify(Facts(role="deployer", use_cases=("4a",)))
    art26 = next(o for o in result.obligations if o.article == "Art. 26(1)")
    assert art26.applies_from == date(2026, 8, 2) and "Digital Omnibus" in art26.date_source
    in_force = tuple(
        ai_act.DateAmendment(a.schedule, a.applies_from, a.source, True) for a in DATE_AMENDMENTS
    )
    monkeypatch.setattr(ai_act, "DATE_AMENDMENTS", in_force)
    moved = classify(Facts(role="deployer", use_cases=("4a",)))
    art26 = next(o for o in moved.obligations if o.article == "Art. 26(1)")
    assert art26.applies_from == date(2027, 12, 2) and art26.date_source.startswith("Digital")
