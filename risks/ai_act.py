"""EU AI Act (Regulation (EU) 2024/1689) classification and obligations, as data: pure
functions, no database.

Every rule is a row that names its article; `classify()` walks the rows and returns the tier,
the reasons (each with its article), the organisation's effective role, whether a
fundamental-rights impact assessment is due, and the obligations for that role, each with the
date it applies from and where that date comes from. Amending acts move dates: they are rows
of `APPLICATION_DATES` / `DATE_AMENDMENTS`, not code.

The wording is ours (short summaries to help an officer screen a system); it is not legal text
and not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import models

# --- Art. 5: prohibited practices ------------------------------------------------------------


class ProhibitedPractice(models.TextChoices):
    """Art. 5(1)(a)-(h)."""

    MANIPULATION = (
        "manipulation",
        "Subliminal, purposefully manipulative or deceptive techniques that distort behaviour "
        "and cause significant harm",
    )
    EXPLOITING_VULNERABILITY = (
        "exploiting_vulnerability",
        "Exploiting vulnerabilities of age, disability or a specific social or economic situation",
    )
    SOCIAL_SCORING = "social_scoring", "Social scoring leading to unjustified or unrelated harm"
    CRIME_PREDICTION = (
        "crime_prediction",
        "Predicting a person's crime risk from profiling or personality traits alone",
    )
    FACE_SCRAPING = "face_scraping", "Untargeted scraping of faces to build recognition databases"
    EMOTION_AT_WORK = "emotion_at_work", "Emotion recognition at work or in education"
    SENSITIVE_BIOMETRIC_CATEGORISATION = (
        "sensitive_biometric_categorisation",
        "Biometric categorisation to infer race, politics, union membership, beliefs or sex life",
    )
    REALTIME_REMOTE_BIOMETRIC_ID = (
        "realtime_remote_biometric_id",
        "Real-time remote biometric identification in public spaces for law enforcement",
    )


class ProhibitionException(models.TextChoices):
    """The carve-outs written into Art. 5 itself: ticked, the practice does not block."""

    SUPPORTS_HUMAN_ASSESSMENT = (
        "supports_human_assessment",
        "Crime risk: it only supports a human assessment already based on objective, "
        "verifiable facts linked to a criminal activity",
    )
    MEDICAL_OR_SAFETY = (
        "medical_or_safety",
        "Emotion recognition: placed or used for medical or safety reasons",
    )
    LAWFUL_DATASET_LABELLING = (
        "lawful_dataset_labelling",
        "Biometric categorisation: labelling or filtering lawfully acquired biometric datasets "
        "(or categorising them in law enforcement)",
    )
    AUTHORISED_TARGETED_SEARCH = (
        "authorised_targeted_search",
        "Real-time identification: an authorised, strictly necessary use for a listed objective "
        "(victims, imminent threat, serious-crime suspects)",
    )


@dataclass(frozen=True)
class Prohibition:
    practice: str
    article: str
    exception: str | None = None
    exception_article: str = ""


PROHIBITIONS: tuple[Prohibition, ...] = (
    Prohibition(ProhibitedPractice.MANIPULATION, "Art. 5(1)(a)"),
    Prohibition(ProhibitedPractice.EXPLOITING_VULNERABILITY, "Art. 5(1)(b)"),
    Prohibition(ProhibitedPractice.SOCIAL_SCORING, "Art. 5(1)(c)"),
    Prohibition(
        ProhibitedPractice.CRIME_PREDICTION,
        "Art. 5(1)(d)",
        ProhibitionException.SUPPORTS_HUMAN_ASSESSMENT,
        "Art. 5(1)(d), last sentence",
    ),
    Prohibition(ProhibitedPractice.FACE_SCRAPING, "Art. 5(1)(e)"),
    Prohibition(
        ProhibitedPractice.EMOTION_AT_WORK,
        "Art. 5(1)(f)",
        ProhibitionException.MEDICAL_OR_SAFETY,
        "Art. 5(1)(f)",
    ),
    Prohibition(
        ProhibitedPractice.SENSITIVE_BIOMETRIC_CATEGORISATION,
        "Art. 5(1)(g)",
        ProhibitionException.LAWFUL_DATASET_LABELLING,
        "Art. 5(1)(g), last sentence",
    ),
    Prohibition(
        ProhibitedPractice.REALTIME_REMOTE_BIOMETRIC_ID,
        "Art. 5(1)(h)",
        ProhibitionException.AUTHORISED_TARGETED_SEARCH,
        "Art. 5(1)(h)(i)-(iii), 5(2)-(3)",
    ),
)

# --- Annex III: areas and their listed use cases ---------------------------------------------


class HighRiskArea(models.TextChoices):
    """Annex III areas (points 1-8): derived from the use cases, never ticked alone."""

    BIOMETRICS = "biometrics", "Biometrics"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", "Critical infrastructure"
    EDUCATION = "education", "Education and vocational training"
    EMPLOYMENT = "employment", "Employment and management of workers"
    ESSENTIAL_SERVICES = "essential_services", "Access to essential private and public services"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    MIGRATION = "migration", "Migration, asylum and border control"
    JUSTICE_DEMOCRACY = "justice_democracy", "Administration of justice and democratic processes"


AREA_POINT = {
    HighRiskArea.BIOMETRICS: "1",
    HighRiskArea.CRITICAL_INFRASTRUCTURE: "2",
    HighRiskArea.EDUCATION: "3",
    HighRiskArea.EMPLOYMENT: "4",
    HighRiskArea.ESSENTIAL_SERVICES: "5",
    HighRiskArea.LAW_ENFORCEMENT: "6",
    HighRiskArea.MIGRATION: "7",
    HighRiskArea.JUSTICE_DEMOCRACY: "8",
}
POINT_AREA = {point: area for area, point in AREA_POINT.items()}


class AnnexIIIUseCase(models.TextChoices):
    """The use cases Annex III lists, by point (our summaries)."""

    REMOTE_BIOMETRIC_ID = "1a", "1(a) Remote biometric identification (not mere verification)"
    BIOMETRIC_CATEGORISATION = "1b", "1(b) Biometric categorisation by sensitive attributes"
    EMOTION_RECOGNITION = "1c", "1(c) Emotion recognition"
    CRITICAL_INFRASTRUCTURE_SAFETY = (
        "2a",
        "2(a) Safety component of critical digital infrastructure, road traffic, or water, gas, "
        "heating or electricity supply",
    )
    EDUCATION_ADMISSION = "3a", "3(a) Deciding access or admission to education or training"
    EDUCATION_EVALUATION = "3b", "3(b) Evaluating learning outcomes"
    EDUCATION_LEVEL = "3c", "3(c) Assessing the level of education a person will receive"
    EDUCATION_PROCTORING = "3d", "3(d) Monitoring students for prohibited behaviour in tests"
    RECRUITMENT = (
        "4a",
        "4(a) Recruitment or selection: targeted job ads, screening or filtering applications, "
        "evaluating candidates",
    )
    WORKER_MANAGEMENT = (
        "4b",
        "4(b) Decisions on work terms, promotion or termination, task allocation by behaviour or "
        "traits, monitoring or evaluating workers",
    )
    PUBLIC_BENEFITS = (
        "5a",
        "5(a) Public authorities assessing eligibility for public assistance benefits and services",
    )
    CREDIT_SCORING = (
        "5b",
        "5(b) Creditworthiness or credit score of natural persons (not fraud detection)",
    )
    LIFE_HEALTH_INSURANCE = "5c", "5(c) Risk assessment and pricing of life and health insurance"
    EMERGENCY_TRIAGE = (
        "5d",
        "5(d) Classifying emergency calls, dispatching emergency services, patient triage",
    )
    VICTIM_RISK = "6a", "6(a) Law enforcement: risk of a person becoming a victim"
    LAW_ENFORCEMENT_POLYGRAPH = "6b", "6(b) Law enforcement: polygraphs and similar tools"
    EVIDENCE_RELIABILITY = "6c", "6(c) Law enforcement: reliability of evidence"
    OFFENDING_RISK = (
        "6d",
        "6(d) Law enforcement: risk of offending or re-offending (not solely by profiling)",
    )
    LAW_ENFORCEMENT_PROFILING = "6e", "6(e) Law enforcement: profiling in investigations"
    MIGRATION_POLYGRAPH = "7a", "7(a) Migration: polygraphs and similar tools"
    MIGRATION_RISK = "7b", "7(b) Migration: security, irregular-migration or health risk"
    ASYLUM_VISA = "7c", "7(c) Examining asylum, visa and residence applications and complaints"
    BORDER_IDENTIFICATION = (
        "7d",
        "7(d) Detecting, recognising or identifying people at borders (not document checks)",
    )
    JUDICIAL_ASSISTANCE = (
        "8a",
        "8(a) Assisting a judicial authority or ADR body to research, interpret and apply law",
    )
    ELECTION_INFLUENCE = "8b", "8(b) Influencing elections, referenda or voting behaviour"


def area_of(use_case: str) -> str:
    return POINT_AREA[use_case[0]]


# --- Art. 6(3): the derogation and its conditions --------------------------------------------


class DerogationCondition(models.TextChoices):
    """Art. 6(3)(a)-(d): an Annex III system that meets one, and does not profile, may not be
    high risk; the provider documents that assessment (Art. 6(4)) and registers (Art. 49(2))."""

    NARROW_PROCEDURAL = "narrow_procedural", "6(3)(a) It performs a narrow procedural task"
    IMPROVES_HUMAN_RESULT = (
        "improves_human_result",
        "6(3)(b) It improves the result of a previously completed human activity",
    )
    DETECTS_PATTERNS = (
        "detects_patterns",
        "6(3)(c) It detects decision patterns or deviations, without replacing or influencing "
        "the human assessment without proper human review",
    )
    PREPARATORY = "preparatory", "6(3)(d) It performs a preparatory task to an assessment"


# --- Art. 50: transparency --------------------------------------------------------------------


class TransparencyDuty(models.TextChoices):
    """Art. 50 situations."""

    CHATBOT = "chatbot", "People interact with it directly (e.g. a chatbot)"
    SYNTHETIC_CONTENT = "synthetic_content", "It generates synthetic text, images, audio or video"
    EMOTION_RECOGNITION = (
        "emotion_recognition",
        "Emotion recognition or biometric categorisation",
    )
    DEEPFAKE = "deepfake", "It produces deepfakes"
    PUBLIC_INTEREST_TEXT = (
        "public_interest_text",
        "It generates text published to inform the public on matters of public interest",
    )


# --- roles --------------------------------------------------------------------------------------


class OperatorRole(models.TextChoices):
    """The organisation's role for one AI system (Art. 3(3)-(7))."""

    PROVIDER = "provider", "Provider"
    DEPLOYER = "deployer", "Deployer"
    IMPORTER = "importer", "Importer"
    DISTRIBUTOR = "distributor", "Distributor"


class GPAIRelation(models.TextChoices):
    """General-purpose AI models (Chapter V)."""

    NONE = "none", "No general-purpose AI model involved"
    MODEL_PROVIDER = "model_provider", "We place a general-purpose AI model on the market"
    BUILT_ON = "built_on", "The system is built on a general-purpose AI model (downstream)"


class Art25Trigger(models.TextChoices):
    """Art. 25(1)(a)-(c): what makes a deployer, importer or distributor a provider."""

    OWN_NAME = "own_name", "25(1)(a) We put our name or trademark on the high-risk system"
    SUBSTANTIAL_MODIFICATION = (
        "substantial_modification",
        "25(1)(b) We made a substantial modification and it remains high risk",
    )
    HIGH_RISK_PURPOSE = (
        "high_risk_purpose",
        "25(1)(c) We changed its intended purpose so that it became high risk",
    )


class Tier(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited"
    HIGH = "high", "High"
    LIMITED = "limited", "Limited (transparency)"
    MINIMAL = "minimal", "Minimal"


# --- application dates (data, with their source) ---------------------------------------------


@dataclass(frozen=True)
class ApplicationDate:
    applies_from: date
    source: str


APPLICATION_DATES: dict[str, ApplicationDate] = {
    "general_provisions": ApplicationDate(date(2025, 2, 2), "Art. 113(a): Chapters I and II"),
    "prohibitions": ApplicationDate(date(2025, 2, 2), "Art. 113(a): Chapter II (Art. 5)"),
    "gpai": ApplicationDate(date(2025, 8, 2), "Art. 113(b): Chapter V"),
    "annex_iii": ApplicationDate(date(2026, 8, 2), "Art. 113: general date of application"),
    "transparency": ApplicationDate(date(2026, 8, 2), "Art. 113: general date (Chapter IV)"),
    "general": ApplicationDate(date(2026, 8, 2), "Art. 113: general date of application"),
    "annex_i": ApplicationDate(date(2027, 8, 2), "Art. 113(c): Art. 6(1) and its obligations"),
}


@dataclass(frozen=True)
class DateAmendment:
    """An amending act that moves an application date. Applied only once `in_force`."""

    schedule: str
    applies_from: date
    source: str
    in_force: bool


DATE_AMENDMENTS: tuple[DateAmendment, ...] = (
    # Digital Omnibus on AI (COM(2025) 836/820): political agreement of 7 May 2026. Flip
    # `in_force` once its publication in the Official Journal is confirmed.
    DateAmendment(
        "annex_iii", date(2027, 12, 2), "Digital Omnibus on AI (agreed 7 May 2026)", False
    ),
    DateAmendment("annex_i", date(2028, 8, 2), "Digital Omnibus on AI (agreed 7 May 2026)", False),
)


def application_date(schedule: str) -> ApplicationDate:
    current = APPLICATION_DATES[schedule]
    for amendment in DATE_AMENDMENTS:
        if amendment.schedule == schedule and amendment.in_force:
            current = ApplicationDate(amendment.applies_from, amendment.source)
    return current


def pending_amendment(schedule: str) -> DateAmendment | None:
    return next((a for a in DATE_AMENDMENTS if a.schedule == schedule and not a.in_force), None)


# --- obligations (data) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    code: str
    article: str
    text: str
    schedule: str


@dataclass(frozen=True)
class Obligation:
    code: str
    article: str
    text: str
    applies_from: date
    date_source: str

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "article": self.article,
            "text": self.text,
            "applies_from": self.applies_from.isoformat(),
            "date_source": self.date_source,
        }


AI_LITERACY = Duty(
    "art4",
    "Art. 4",
    "Give the staff who use or run it sufficient AI literacy.",
    "general_provisions",
)

PROVIDER_HIGH_RISK: tuple[Duty, ...] = (
    Duty("art9", "Art. 9", "Run a risk management system over its whole life cycle.", ""),
    Duty("art10", "Art. 10", "Govern training, validation and test data for quality and bias.", ""),
    Duty("art11", "Art. 11", "Draw up the technical documentation (Annex IV) before release.", ""),
    Duty("art12", "Art. 12", "Make it record events automatically (logging).", ""),
    Duty("art13", "Art. 13", "Give deployers clear instructions for use.", ""),
    Duty("art14", "Art. 14", "Design it for effective human oversight.", ""),
    Duty("art15", "Art. 15", "Reach appropriate accuracy, robustness and cybersecurity.", ""),
    Duty("art17", "Art. 16(c), 17", "Put a quality management system in place.", ""),
    Duty("art18", "Art. 16(d), 18", "Keep the documentation for ten years.", ""),
    Duty("art19", "Art. 16(e), 19", "Keep the logs under your control.", ""),
    Duty("art43", "Art. 16(f), 43", "Pass the conformity assessment before release.", ""),
    Duty(
        "art47",
        "Art. 16(g), 47, 48",
        "Sign the EU declaration of conformity; affix CE marking.",
        "",
    ),
    Duty("art49_1", "Art. 16(i), 49(1)", "Register the system in the EU database.", ""),
    Duty(
        "art20", "Art. 16(j), 20", "Take corrective action and inform when it does not conform.", ""
    ),
    Duty("art16_b", "Art. 16(b)", "Show your name, trade name or mark and address on it.", ""),
    Duty("art16_k", "Art. 16(k)", "Show conformity on a reasoned request of an authority.", ""),
    Duty("art16_l", "Art. 16(l)", "Meet the EU accessibility requirements.", ""),
    Duty("art72", "Art. 72", "Run post-market monitoring.", ""),
    Duty("art73", "Art. 73", "Report serious incidents to the market surveillance authority.", ""),
)

DEPLOYER_HIGH_RISK: tuple[Duty, ...] = (
    Duty("art26_1", "Art. 26(1)", "Use it according to the provider's instructions for use.", ""),
    Duty(
        "art26_2",
        "Art. 26(2)",
        "Assign human oversight to competent, trained people with authority.",
        "",
    ),
    Duty(
        "art26_4",
        "Art. 26(4)",
        "Keep the input data you control relevant and representative for its purpose.",
        "",
    ),
    Duty(
        "art26_5",
        "Art. 26(5)",
        "Monitor its operation; on risk, inform the provider first, then the "
        "authority, and suspend use; report serious incidents.",
        "",
    ),
    Duty("art26_6", "Art. 26(6)", "Keep the logs under your control for at least six months.", ""),
    Duty(
        "art26_7",
        "Art. 26(7)",
        "Inform workers' representatives and affected workers before using it at the workplace.",
        "",
    ),
    Duty(
        "art26_9",
        "Art. 26(9)",
        "Carry out the data protection impact assessment using the provider's information.",
        "",
    ),
    Duty("art26_11", "Art. 26(11)", "Inform the people it makes or supports decisions about.", ""),
)
DEPLOYER_PUBLIC_REGISTRATION = Duty(
    "art26_8",
    "Art. 26(8), 49(3)",
    "As a public authority, register your use in the EU database before use.",
    "",
)
FRIA_DUTY = Duty(
    "art27", "Art. 27", "Carry out a fundamental-rights impact assessment before first use.", ""
)
FRIA_NOTIFY = Duty(
    "art27_3", "Art. 27(3)", "Notify the market surveillance authority of the FRIA results.", ""
)
EXPLANATION = Duty(
    "art86",
    "Art. 86",
    "Give affected people, on request, a clear explanation of the system's role in a decision.",
    "",
)

IMPORTER_HIGH_RISK: tuple[Duty, ...] = (
    Duty(
        "art23_1",
        "Art. 23(1)",
        "Before placing it on the market, check its conformity assessment, "
        "documentation, CE marking and authorised representative.",
        "",
    ),
    Duty(
        "art23_3",
        "Art. 23(3)",
        "Show your name and address on the system, its packaging or documentation.",
        "",
    ),
    Duty(
        "art23_5",
        "Art. 23(5)",
        "Keep the certificate, instructions and declaration for ten years.",
        "",
    ),
)
DISTRIBUTOR_HIGH_RISK: tuple[Duty, ...] = (
    Duty(
        "art24_1",
        "Art. 24(1)",
        "Before making it available, check its CE marking, declaration and instructions.",
        "",
    ),
    Duty(
        "art24_4",
        "Art. 24(4)",
        "Withdraw or recall it, or have it corrected, when it does not conform.",
        "",
    ),
)

DEROGATION_DUTIES: tuple[Duty, ...] = (
    Duty(
        "art6_4",
        "Art. 6(4)",
        "Document why the Annex III system is not high risk, before release; "
        "hand it to authorities on request.",
        "",
    ),
    Duty("art49_2", "Art. 49(2)", "Register the system in the EU database even so.", ""),
)

GPAI_PROVIDER: tuple[Duty, ...] = (
    Duty(
        "art53_1a",
        "Art. 53(1)(a)",
        "Keep the model's technical documentation (Annex XI) up to date.",
        "gpai",
    ),
    Duty(
        "art53_1b",
        "Art. 53(1)(b)",
        "Give downstream providers the information and documentation of Annex XII.",
        "gpai",
    ),
    Duty("art53_1c", "Art. 53(1)(c)", "Have a policy to comply with Union copyright law.", "gpai"),
    Duty(
        "art53_1d", "Art. 53(1)(d)", "Publish a summary of the content used for training.", "gpai"
    ),
)
GPAI_SYSTEMIC: tuple[Duty, ...] = (
    Duty("art55_1a", "Art. 55(1)(a)", "Evaluate the model, including adversarial testing.", "gpai"),
    Duty("art55_1b", "Art. 55(1)(b)", "Assess and mitigate systemic risks at Union level.", "gpai"),
    Duty(
        "art55_1c", "Art. 55(1)(c)", "Track and report serious incidents to the AI Office.", "gpai"
    ),
    Duty(
        "art55_1d",
        "Art. 55(1)(d)",
        "Ensure adequate cybersecurity of the model and its infrastructure.",
        "gpai",
    ),
)
GPAI_DOWNSTREAM = Duty(
    "art53_1b_use",
    "Art. 53(1)(b)",
    "Obtain and use the information the model's provider owes downstream providers (Annex XII).",
    "gpai",
)

TRANSPARENCY: dict[str, tuple[str, Duty]] = {
    # situation: (the role that owes it, the duty)
    TransparencyDuty.CHATBOT: (
        "provider",
        Duty(
            "art50_1",
            "Art. 50(1)",
            "Design it so that people know they are interacting with an AI system.",
            "transparency",
        ),
    ),
    TransparencyDuty.SYNTHETIC_CONTENT: (
        "provider",
        Duty(
            "art50_2",
            "Art. 50(2)",
            "Mark its synthetic output in a machine-readable, detectable way.",
            "transparency",
        ),
    ),
    TransparencyDuty.EMOTION_RECOGNITION: (
        "deployer",
        Duty(
            "art50_3",
            "Art. 50(3)",
            "Inform the people exposed to emotion recognition or biometric categorisation.",
            "transparency",
        ),
    ),
    TransparencyDuty.DEEPFAKE: (
        "deployer",
        Duty(
            "art50_4_deepfake",
            "Art. 50(4)",
            "Disclose that deepfake content is artificially generated or manipulated.",
            "transparency",
        ),
    ),
    TransparencyDuty.PUBLIC_INTEREST_TEXT: (
        "deployer",
        Duty(
            "art50_4_text",
            "Art. 50(4)",
            "Disclose that text published to inform the public is AI-generated "
            "(unless human-reviewed under editorial responsibility).",
            "transparency",
        ),
    ),
}


# --- the classification -----------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the screens record about one AI system, and who the organisation is."""

    role: str = OperatorRole.DEPLOYER
    legal_type: str = "other"  # isms.models.LegalType
    prohibited: tuple[str, ...] = ()
    prohibition_exceptions: tuple[str, ...] = ()
    annex_i_product: bool = False
    use_cases: tuple[str, ...] = ()
    derogation: tuple[str, ...] = ()
    profiles_people: bool = False
    transparency: tuple[str, ...] = ()
    gpai: str = GPAIRelation.NONE
    gpai_systemic_risk: bool = False
    art25: tuple[str, ...] = ()


@dataclass
class Classification:
    tier: str
    effective_role: str
    reasons: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)  # Art. 5 practices that apply
    high_risk_route: str = ""  # "annex_i" | "annex_iii" | ""
    derogation_applies: bool = False
    fria_required: bool = False
    obligations: list[Obligation] = field(default_factory=list)

    @property
    def areas(self) -> list[str]:
        return []


def _prohibitions(facts: Facts) -> tuple[list[str], list[str]]:
    blocking, reasons = [], []
    for rule in PROHIBITIONS:
        if rule.practice not in facts.prohibited:
            continue
        if rule.exception and rule.exception in facts.prohibition_exceptions:
            reasons.append(
                f"{rule.exception_article}: the exception for "
                f"{ProhibitionException(rule.exception).label.split(':')[0].lower()} applies."
            )
            continue
        blocking.append(rule.practice)
        reasons.append(f"{rule.article}: {ProhibitedPractice(rule.practice).label}.")
    return blocking, reasons


def fria_required(*, legal_type: str, use_cases, role: str, high_risk: bool) -> bool:
    """Art. 27(1): deployers that are public-law bodies or private entities providing public
    services, for Annex III systems other than point 2; any deployer for 5(b) and 5(c)."""
    if role != OperatorRole.DEPLOYER or not high_risk:
        return False
    cases = set(use_cases)
    if cases & {AnnexIIIUseCase.CREDIT_SCORING, AnnexIIIUseCase.LIFE_HEALTH_INSURANCE}:
        return True
    public = legal_type in ("public_body", "public_service")
    return public and any(not c.startswith("2") for c in cases)


def classify(facts: Facts) -> Classification:
    blocking, reasons = _prohibitions(facts)
    route = ""
    derogation = False
    if facts.annex_i_product:
        route = "annex_i"
        reasons.append(
            "Art. 6(1): safety component of, or itself, a product under Annex I legislation "
            "needing third-party conformity assessment."
        )
    elif facts.use_cases:
        listed = ", ".join(sorted(facts.use_cases))
        if facts.derogation and not facts.profiles_people:
            derogation = True
            reasons.append(
                f"Art. 6(3): Annex III point(s) {listed}, but a derogation condition holds "
                "and it does not profile people: not high risk (document it, Art. 6(4))."
            )
        else:
            route = "annex_iii"
            reasons.append(f"Art. 6(2): listed in Annex III, point(s) {listed}.")
            if facts.derogation and facts.profiles_people:
                reasons.append(
                    "Art. 6(3), last subparagraph: it profiles people, so always high risk."
                )
    if blocking:
        tier = Tier.PROHIBITED
    elif route:
        tier = Tier.HIGH
    elif facts.transparency:
        tier = Tier.LIMITED
    else:
        tier = Tier.MINIMAL
    role = facts.role
    if role != OperatorRole.PROVIDER and tier == Tier.HIGH and facts.art25:
        reasons.append(
            "Art. 25(1): "
            + "; ".join(Art25Trigger(t).label for t in facts.art25)
            + " — you are now its provider."
        )
        role = OperatorRole.PROVIDER
    if facts.gpai == GPAIRelation.MODEL_PROVIDER:
        reasons.append("Art. 53: you provide a general-purpose AI model.")
        if facts.gpai_systemic_risk:
            reasons.append("Art. 51, 55: the model has systemic risk.")
    elif facts.gpai == GPAIRelation.BUILT_ON:
        reasons.append("Art. 3(68): a downstream system built on a general-purpose AI model.")
    result = Classification(
        tier=tier,
        effective_role=role,
        reasons=reasons,
        blocking=blocking,
        high_risk_route=route,
        derogation_applies=derogation,
    )
    result.fria_required = fria_required(
        legal_type=facts.legal_type,
        use_cases=facts.use_cases,
        role=role,
        high_risk=tier == Tier.HIGH,
    )
    result.obligations = _obligations(facts, result)
    return result


def _dated(duty: Duty, schedule: str) -> Obligation:
    when = application_date(duty.schedule or schedule)
    source = when.source
    pending = pending_amendment(duty.schedule or schedule)
    if pending is not None:
        source += f"; {pending.source} would move it to {pending.applies_from:%d %b %Y}"
    return Obligation(duty.code, duty.article, duty.text, when.applies_from, source)


def _obligations(facts: Facts, result: Classification) -> list[Obligation]:
    if result.tier == Tier.PROHIBITED:
        return [
            Obligation(
                "art5",
                PROHIBITIONS[[p.practice for p in PROHIBITIONS].index(result.blocking[0])].article,
                "Do not place it on the market, put it into service or use it.",
                application_date("prohibitions").applies_from,
                application_date("prohibitions").source,
            )
        ]
    role = result.effective_role
    schedule = result.high_risk_route or "general"
    duties: list[Duty] = (
        [AI_LITERACY] if role in (OperatorRole.PROVIDER, OperatorRole.DEPLOYER) else []
    )
    if result.tier == Tier.HIGH:
        if role == OperatorRole.PROVIDER:
            duties += PROVIDER_HIGH_RISK
        elif role == OperatorRole.DEPLOYER:
            duties += DEPLOYER_HIGH_RISK
            if facts.legal_type == "public_body":
                duties.append(DEPLOYER_PUBLIC_REGISTRATION)
            if result.fria_required:
                duties += [FRIA_DUTY, FRIA_NOTIFY]
            if result.high_risk_route == "annex_iii" and any(
                not c.startswith("2") for c in facts.use_cases
            ):
                duties.append(EXPLANATION)
        elif role == OperatorRole.IMPORTER:
            duties += IMPORTER_HIGH_RISK
        elif role == OperatorRole.DISTRIBUTOR:
            duties += DISTRIBUTOR_HIGH_RISK
    if result.derogation_applies and role == OperatorRole.PROVIDER:
        duties += DEROGATION_DUTIES
        schedule = "annex_iii"
    if facts.gpai == GPAIRelation.MODEL_PROVIDER:
        duties += GPAI_PROVIDER
        if facts.gpai_systemic_risk:
            duties += GPAI_SYSTEMIC
    elif facts.gpai == GPAIRelation.BUILT_ON and role == OperatorRole.PROVIDER:
        duties.append(GPAI_DOWNSTREAM)
    for situation in TransparencyDuty.values:
        if situation in facts.transparency:
            owed_by, duty = TRANSPARENCY[situation]
            if owed_by == role:
                duties.append(duty)
    return [_dated(d, schedule) for d in duties]


def obligation_lines(obligations: list[Obligation]) -> list[str]:
    """The obligations as short lines (kept on the assessment for the summary and the API)."""
    return [f"{o.article}: {o.text} (applies from {o.applies_from:%d %b %Y})" for o in obligations]


# --- kept for callers that only need the tier ---------------------------------------------------


def risk_tier(*, prohibited, high_risk_areas=(), transparency, use_cases=(), annex_i=False) -> str:
    return classify(
        Facts(
            prohibited=tuple(prohibited),
            use_cases=tuple(use_cases),
            annex_i_product=annex_i,
            transparency=tuple(transparency),
        )
    ).tier
