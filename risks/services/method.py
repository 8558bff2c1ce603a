"""The risk method's rules that make results comparable (ISO/IEC 27001:2022 6.1.2):

- every likelihood and impact level of the criteria is defined in words and with an example,
  not by a label alone, so two people assessing the same risk score it alike (6.1.2 b);
- a risk names what it threatens — the confidentiality, integrity or availability of
  information (6.1.2 c 1) — and, for an AI risk, who could be harmed: individuals, groups
  of people or society (ISO/IEC 42001:2023 6.1.4).

Called by the criteria and risk writes (risks.services.register) before anything is saved.
"""

from __future__ import annotations

from risks.models import Risk, RiskCriteria
from risks.models.change import HarmTo
from risks.models.register import SecurityProperty

SCALES = (("likelihood", "likelihood_labels"), ("impact", "impact_labels"))


def clean_definitions(value) -> list[dict]:
    """[{meaning, example}] from what a form or an integration sent (texts stripped)."""
    if not isinstance(value, list | tuple):
        return value
    cleaned = []
    for item in value:
        if not isinstance(item, dict):
            return value
        cleaned.append(
            {
                "meaning": str(item.get("meaning") or "").strip(),
                "example": str(item.get("example") or "").strip(),
            }
        )
    return cleaned


def check_definitions(criteria: RiskCriteria, errors: dict[str, str]) -> None:
    """Each level of both scales has a meaning and an example, one per label."""
    for scale, labels_field in SCALES:
        field = f"{scale}_definitions"
        if labels_field in errors:
            continue
        definitions = clean_definitions(getattr(criteria, field))
        labels = getattr(criteria, labels_field)
        if not isinstance(definitions, list):
            errors[field] = 'Give a list of {"meaning": …, "example": …}, one per level.'
            continue
        if len(definitions) != len(labels):
            errors[field] = (
                f"Define each of the {len(labels)} {scale} levels (you gave "
                f"{len(definitions)}): a meaning and an example per level, lowest first."
            )
            continue
        missing = [
            labels[i] for i, d in enumerate(definitions) if not d["meaning"] or not d["example"]
        ]
        if missing:
            errors[field] = (
                f"Say what each {scale} level means and give an example; missing for: "
                f"{', '.join(missing)}."
            )
            continue
        setattr(criteria, field, definitions)


def check_tags(risk: Risk, errors: dict[str, str]) -> None:
    """Known values only, stored sorted and without repeats (a set, in a stable order)."""
    for field, choices in (("threatens", SecurityProperty), ("harm_to", HarmTo)):
        values = getattr(risk, field) or []
        if isinstance(values, str) or not isinstance(values, list | tuple):
            errors[field] = f"Give a list of: {', '.join(choices.values)}."
            continue
        bad = [v for v in values if v not in choices.values]
        if bad:
            errors[field] = (
                f"Unknown value(s) {', '.join(map(str, bad))}; use {', '.join(choices.values)}."
            )
            continue
        order = list(choices.values)
        setattr(risk, field, sorted(set(values), key=order.index))
