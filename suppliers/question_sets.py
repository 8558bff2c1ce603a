# ruff: noqa: E501  (question texts read better unwrapped)
"""The starter questionnaire, written for Guardrail (not taken from any standard or vendor).

Each entry: (group, answer type, text, weight 1–10, good answer for choice questions,
knockout, what a bad answer means, extra). Date questions carry `max_age_days` in extra.
"""

from __future__ import annotations

STARTER_NAME = "AI service provider assessment"
STARTER_DESCRIPTION = (
    "What a vendor's trust page rarely answers: where our data goes, whether it trains "
    "their models, who else touches it, and what happens when something goes wrong."
)

D, S, A, INC, C = "data_handling", "security", "ai_specifics", "incidents", "contract"
CHOICE, TEXT, DATE = "choice", "text", "date"

STARTER_QUESTIONS: list[dict] = [
    # Data handling
    dict(
        group=D,
        answer_type=TEXT,
        weight=3,
        text=(
            "In which countries or regions is our data stored, and in which is it processed "
            "(including by support staff and model hosting)?"
        ),
        bad=(
            "We cannot tell whether transfers need safeguards or whether residency "
            "commitments to our own customers hold."
        ),
    ),
    dict(
        group=D,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        text=(
            "Can we choose, and contractually fix, the region where our data is stored and processed?"
        ),
        bad="Data may move to locations our commitments or the law do not allow.",
    ),
    dict(
        group=D,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "Is there a defined retention period for prompts, inputs, outputs and logs, after which "
            "they are deleted?"
        ),
        bad="Our data may be kept indefinitely, widening the impact of any later breach.",
    ),
    dict(
        group=D,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "Will you delete or return all our data on request and at the end of the contract, "
            "and confirm it in writing?"
        ),
        bad="We cannot prove deletion at exit; data outlives the relationship.",
    ),
    dict(
        group=D,
        answer_type=CHOICE,
        weight=8,
        good="no",
        knockout=True,
        text=(
            "Is customer data (inputs, outputs, files, feedback) used to train or improve your "
            "models or anyone else's?"
        ),
        bad=(
            "Our confidential or personal data may end up in a model other customers use; "
            "it may be reproduced and cannot be taken back."
        ),
    ),
    dict(
        group=D,
        answer_type=CHOICE,
        weight=6,
        good="yes",
        text=(
            "If any such use exists, can we opt out, and is the opt-out on by default for our account?"
        ),
        bad="Training use depends on a setting someone must remember to change.",
    ),
    # Security
    dict(
        group=S,
        answer_type=CHOICE,
        weight=5,
        good="yes",
        text=(
            "Do you hold a current independent certification or attestation covering this service "
            "(ISO/IEC 27001, SOC 2 Type II, ISO/IEC 42001)?"
        ),
        bad="Claims about controls rest on the supplier's word alone.",
    ),
    dict(
        group=S,
        answer_type=DATE,
        weight=3,
        extra={"max_age_days": 365},
        text=("When was the service last tested by an independent penetration tester?"),
        bad="Weaknesses may exist that nobody outside the supplier has looked for in a year.",
    ),
    dict(
        group=S,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        text=(
            "Is our data encrypted in transit and at rest, with keys managed under documented control?"
        ),
        bad="A lost disk, a snapshot or a network tap could expose our data.",
    ),
    dict(
        group=S,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        text=(
            "Is staff access to customer data limited to named roles, protected by multi-factor "
            "authentication, logged and reviewed?"
        ),
        bad="Insiders or stolen credentials could read our data unnoticed.",
    ),
    # AI specifics
    dict(
        group=A,
        answer_type=TEXT,
        weight=4,
        text=(
            "Which models power the service, who built them, and which third-party model "
            "providers receive our data?"
        ),
        bad="We do not know whose model processes our data or under what terms.",
    ),
    dict(
        group=A,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        text=(
            "Do you publish a current list of sub-processors, including AI model providers, and "
            "notify us before adding one?"
        ),
        bad="New parties may receive our data without our knowledge or a chance to object.",
    ),
    dict(
        group=A,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "Can the service be configured so that a person reviews outputs before they are acted "
            "on, where we need it?"
        ),
        bad="Wrong or harmful outputs may reach customers or decisions without a human check.",
    ),
    dict(
        group=A,
        answer_type=CHOICE,
        weight=2,
        good="yes",
        text=(
            "Do you provide documentation of the model's intended use, known limitations and "
            "evaluation results (a model card or similar)?"
        ),
        bad="We cannot judge whether our use fits what the model is good at.",
    ),
    dict(
        group=A,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "Are changes to the underlying model announced in advance, with release notes and a "
            "way to stay on the previous version for a period?"
        ),
        bad="Behaviour may change overnight and break our controls or evaluations.",
    ),
    dict(
        group=A,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        text=(
            "Do you test the service against prompt injection, jailbreaks and extraction of data "
            "or instructions, including independent red-team exercises before major releases, "
            "and fix what they find?"
        ),
        bad="Attackers could steer the model through the content it reads and reach our data.",
    ),
    dict(
        group=A,
        answer_type=TEXT,
        weight=3,
        text=(
            "What is your role under the EU AI Act for this service (provider of an AI system or "
            "of a general-purpose AI model, deployer, importer, distributor), and which "
            "documentation do you give us (instructions for use, intended purpose, limitations, "
            "transparency information)?"
        ),
        bad=(
            "We cannot tell which obligations are theirs and which fall to us as deployer, or "
            "meet ours without their documentation."
        ),
    ),
    dict(
        group=D,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "If you keep our prompts and outputs to monitor abuse, is that retention limited to a "
            "stated period, restricted to named staff, and can we have it shortened or switched "
            "off?"
        ),
        bad="Our prompts and outputs may sit with the supplier long after we need them.",
    ),
    dict(
        group=S,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        knockout=True,
        text=(
            "Is our data kept apart from other customers' data at every layer, including caches, "
            "embeddings, retrieval indexes, fine-tuned models and logs?"
        ),
        bad="Another customer of the service could receive our data in their answers.",
    ),
    dict(
        group=S,
        answer_type=CHOICE,
        weight=2,
        good="yes",
        text=(
            "Can we see and export the usage and audit logs of our own account (who used the "
            "service, when, and with which model or feature)?"
        ),
        bad="We could not investigate misuse of the service by our own people or accounts.",
    ),
    # Incidents
    dict(
        group=INC,
        answer_type=TEXT,
        weight=4,
        text=(
            "Within how many hours of discovery will you notify us of a security or personal-data "
            "incident affecting our data?"
        ),
        bad="We may learn of a breach too late to meet our own notification duties.",
    ),
    dict(
        group=INC,
        answer_type=CHOICE,
        weight=4,
        good="yes",
        knockout=True,
        text=(
            "Will you tell us promptly of AI incidents as well as security ones: harmful or "
            "seriously wrong outputs, misuse of the model, successful prompt-injection attacks, "
            "and serious incidents you report under the EU AI Act?"
        ),
        bad="An AI failure affecting our customers could go on without our knowing.",
    ),
    dict(
        group=INC,
        answer_type=TEXT,
        weight=2,
        text=("Who is the security contact (name or role, e-mail, phone) we reach at any hour?"),
        bad="In an incident we would not know whom to call.",
    ),
    # Contract
    dict(
        group=C,
        answer_type=CHOICE,
        weight=5,
        good="yes",
        text=("Will you sign a data processing agreement covering this service?"),
        bad="Personal data would be processed without the terms the law requires.",
    ),
    dict(
        group=C,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "Do the terms give us the right to audit, or to receive independent audit reports, "
            "for this service?"
        ),
        bad="We could not verify the answers given here.",
    ),
    dict(
        group=C,
        answer_type=CHOICE,
        weight=2,
        good="yes",
        text=("Do the terms state that we own the outputs the service produces for us?"),
        bad="Rights in outputs we rely on may be unclear or claimed by the supplier.",
    ),
    dict(
        group=C,
        answer_type=CHOICE,
        weight=3,
        good="yes",
        text=(
            "Will you defend and indemnify us against third-party intellectual-property claims "
            "about the outputs, when we use the service as documented?"
        ),
        bad="A claim that an output infringes someone's rights would fall on us alone.",
    ),
]
