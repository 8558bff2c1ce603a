"""Scoring: the weighted score, the rating and the gaps of an assessment, in one function.

Pure: it takes questions and answers and returns a result; the assessment service stores it.
Credit per applicable question: a good answer 1, partial ½, anything else 0. "Not
applicable" leaves the question out of the total. A question earning less than full credit
is a gap, with the reason and what a bad answer means. The score is the weighted share of
credit, 0–100; the rating follows the score, and a gap on a knockout question rates the
supplier at least high risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

RATING_THRESHOLDS = ((Decimal(85), "low"), (Decimal(70), "medium"), (Decimal(50), "high"))
RATING_ORDER = ["low", "medium", "high", "critical"]


@dataclass(frozen=True)
class Gap:
    question_id: int
    answer_id: int | None
    group: str
    question: str
    reason: str
    meaning: str
    weight: int
    knockout: bool


@dataclass(frozen=True)
class Scoring:
    score: Decimal | None  # None when no question applies
    rating: str  # "" when there is no score
    gaps: list[Gap] = field(default_factory=list)


def _credit(question, answer, today: date) -> tuple[Decimal | None, str]:
    """(credit or None when not applicable, gap reason or "")."""
    if question.answer_type == "choice":
        choice = getattr(answer, "choice", "") if answer else ""
        if choice == "na":
            return None, ""
        if not choice:
            return Decimal(0), "Not answered"
        if choice == "partial":
            return Decimal("0.5"), "Only partly in place"
        if choice == question.good_answer:
            return Decimal(1), ""
        return Decimal(0), f"Answered '{choice}'"
    if question.answer_type == "date":
        value = getattr(answer, "date", None) if answer else None
        if value is None:
            return Decimal(0), "Not answered"
        if question.max_age_days and value < today - timedelta(days=question.max_age_days):
            return Decimal(0), f"Older than {question.max_age_days} days ({value.isoformat()})"
        return Decimal(1), ""
    text = (getattr(answer, "text", "") if answer else "").strip()
    return (Decimal(1), "") if text else (Decimal(0), "Not answered")


def score_assessment(pairs, *, today: date) -> Scoring:
    """pairs: iterable of (question, answer or None). The one place scores are computed."""
    earned = possible = Decimal(0)
    gaps: list[Gap] = []
    for question, answer in pairs:
        credit, reason = _credit(question, answer, today)
        if credit is None:
            continue
        weight = Decimal(question.weight)
        possible += weight
        earned += weight * credit
        if credit < 1:
            gaps.append(
                Gap(
                    question_id=question.pk,
                    answer_id=getattr(answer, "pk", None),
                    group=question.group,
                    question=question.text,
                    reason=reason,
                    meaning=question.bad_answer_meaning,
                    weight=question.weight,
                    knockout=question.knockout,
                )
            )
    if possible == 0:
        return Scoring(score=None, rating="", gaps=gaps)
    score = (earned * 100 / possible).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    rating = next((r for threshold, r in RATING_THRESHOLDS if score >= threshold), "critical")
    if any(g.knockout for g in gaps) and RATING_ORDER.index(rating) < RATING_ORDER.index("high"):
        rating = "high"
    return Scoring(score=score, rating=rating, gaps=gaps)
