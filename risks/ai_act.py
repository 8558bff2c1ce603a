"""EU AI Act screens and what follows for a deployer: pure functions, no database.

The wording is ours (short summaries to help an officer screen a system); it is not legal text
and not legal advice.
"""

from __future__ import annotations

from django.db import models


class ProhibitedPractice(models.TextChoices):
    """Art. 5: practices that may not be placed on the market or used in the EU."""

    MANIPULATION = "manipulation", "Subliminal or deliberately manipulative techniques"
    EXPLOITING_VULNERABILITY = (
        "exploiting_vulnerability",
        "Exploiting vulnerabilities of age, disability or social situation",
    )
    SOCIAL_SCORING = "social_scoring", "Social scoring leading to unfair treatment"
    CRIME_PREDICTION = "crime_prediction", "Predicting crime from profiling alone"
    FACE_SCRAPING = "face_scraping", "Untargeted scraping of faces to build recognition databases"
    EMOTION_AT_WORK = "emotion_at_work", "Emotion recognition at work or in education"
    SENSITIVE_BIOMETRIC_CATEGORISATION = (
        "sensitive_biometric_categorisation",
        "Biometric categorisation to infer sensitive traits",
    )
    REALTIME_REMOTE_BIOMETRIC_ID = (
        "realtime_remote_biometric_id",
        "Real-time remote biometric identification in public for law enforcement",
    )


class HighRiskArea(models.TextChoices):
    """Annex III areas."""

    BIOMETRICS = "biometrics", "Biometrics"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", "Critical infrastructure"
    EDUCATION = "education", "Education and vocational training"
    EMPLOYMENT = "employment", "Employment and management of workers"
    ESSENTIAL_SERVICES = "essential_services", "Access to essential private and public services"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    MIGRATION = "migration", "Migration, asylum and border control"
    JUSTICE_DEMOCRACY = "justice_democracy", "Administration of justice and democratic processes"


class TransparencyDuty(models.TextChoices):
    """Art. 50 situations."""

    CHATBOT = "chatbot", "People interact with it directly (e.g. a chatbot)"
    SYNTHETIC_CONTENT = "synthetic_content", "It generates synthetic text, images, audio or video"
    EMOTION_RECOGNITION = (
        "emotion_recognition",
        "Emotion recognition or biometric categorisation",
    )
    DEEPFAKE = "deepfake", "It produces deepfakes"


class Tier(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited"
    HIGH = "high", "High"
    LIMITED = "limited", "Limited (transparency)"
    MINIMAL = "minimal", "Minimal"


def risk_tier(*, prohibited: list[str], high_risk_areas: list[str], transparency: list[str]) -> str:
    if prohibited:
        return Tier.PROHIBITED
    if high_risk_areas:
        return Tier.HIGH
    if transparency:
        return Tier.LIMITED
    return Tier.MINIMAL


FRIA_AREAS = {
    HighRiskArea.ESSENTIAL_SERVICES,
    HighRiskArea.EDUCATION,
    HighRiskArea.LAW_ENFORCEMENT,
    HighRiskArea.MIGRATION,
    HighRiskArea.JUSTICE_DEMOCRACY,
}

TRANSPARENCY_OBLIGATIONS = {
    TransparencyDuty.CHATBOT: "Tell people that they are interacting with an AI system.",
    TransparencyDuty.SYNTHETIC_CONTENT: "Mark generated content as artificially generated.",
    TransparencyDuty.EMOTION_RECOGNITION: (
        "Inform the people exposed to emotion recognition or biometric categorisation."
    ),
    TransparencyDuty.DEEPFAKE: "Disclose that deepfake content is artificially generated.",
}


def deployer_obligations(
    *, prohibited: list[str], high_risk_areas: list[str], transparency: list[str]
) -> list[str]:
    """What a deployer must do, given the screens (in our words)."""
    tier = risk_tier(
        prohibited=prohibited, high_risk_areas=high_risk_areas, transparency=transparency
    )
    if tier == Tier.PROHIBITED:
        return ["Do not deploy it: a prohibited practice applies (Art. 5)."]
    duties = ["Make sure the staff who use it have sufficient AI literacy (Art. 4)."]
    if tier == Tier.HIGH:
        duties += [
            "Use it according to the provider's instructions for use.",
            "Assign human oversight to people with the competence and authority to intervene.",
            "Keep the logs it generates for at least six months.",
            "Monitor its operation; report serious incidents to the provider and authority.",
            "Inform the people it makes or supports decisions about.",
        ]
        if HighRiskArea.EMPLOYMENT in high_risk_areas:
            duties.append("Inform workers and their representatives before using it at work.")
        if set(high_risk_areas) & FRIA_AREAS:
            duties.append(
                "Carry out a fundamental-rights impact assessment before first use where it "
                "applies (public bodies, public services, credit scoring, life and health "
                "insurance pricing)."
            )
    duties += [TRANSPARENCY_OBLIGATIONS[d] for d in TransparencyDuty.values if d in transparency]
    return duties
