"""Starter templates, written for Guardrail (our own words, not copied from any standard).

Short by design: a policy people read beats a manifesto nobody does. One complete AI
acceptable use policy, and AI sections for the classification, supplier security and
incident response policies most organisations already have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.models import AISection, PolicyKind


@dataclass(frozen=True)
class StarterTemplate:
    key: str
    title: str
    kind: str
    summary: str
    body: str
    ai_sections: list[str] = field(default_factory=list)
    is_section: bool = False  # an AI section to add to an existing policy of this kind


AI_ACCEPTABLE_USE = """# AI acceptable use policy

## 1. Why this policy exists
We use AI tools to work faster and better. Used carelessly they can leak confidential
data, produce confident mistakes, or treat people unfairly. This policy says how everyone
here may use AI, in a few pages.

## 2. Who it applies to
Every employee, contractor and temporary worker who uses an AI tool for work, whether the
tool is provided by us or not.

## 3. Acceptable and prohibited uses
You **may** use approved AI tools to draft, summarise, translate, brainstorm, write and
review code, and analyse information you are allowed to see.

You **must not** use AI to:
- make decisions about people (hiring, performance, credit, access) without a person
  deciding and being able to explain the outcome;
- create content that deceives, harasses or discriminates;
- get around a security control or another policy;
- process data in a way the people it concerns would not reasonably expect.

## 4. Approved tools
Only tools on the approved AI tools list may be used with company data. To ask for a new
tool, open an AI change request; the security team assesses the supplier and the data
flows before it is approved.

## 5. Data you may give to an AI tool
| Classification | Approved tools with a business contract | Any other tool |
|---|---|---|
| Public | Allowed | Allowed |
| Internal | Allowed | Not allowed |
| Confidential | Allowed only where the tool is approved for it | Not allowed |
| Restricted or personal data | Only with the data owner's written approval | Not allowed |

Never paste passwords, keys, tokens or customer credentials into any AI tool.

## 6. Checking what AI produces
AI output can be wrong, out of date or made up. You remain responsible for anything you
send, publish, merge or decide. Check facts, sources, licences and code before use, and
have a second person review output that goes to customers or into production.

## 7. Being open about AI
Tell people when they are talking to an AI system or reading content it produced without
meaningful human editing, and label AI-generated images and media.

## 8. Accountability
Each AI system we run has a named owner in the asset register who keeps its purpose,
limitations and human oversight up to date.

## 9. Reporting problems
Report a suspected data leak, harmful or biased output, or misuse of an AI tool to the
security team straight away, as a security incident. Raising a concern in good faith is
always welcome and never held against you.

## 10. Breaches and review
Breaking this policy may lead to disciplinary action. The policy owner reviews it at least
once a year and whenever we adopt a significantly new kind of AI.
"""

CLASSIFICATION_AI = """# Information classification and handling — AI section

## Using classified information with AI systems
- The classification of information does not change because an AI tool processed it: a
  summary of a confidential document is confidential.
- Only give an AI system information up to the highest classification that system is
  approved for (see the approved AI tools list).
- Prompts, uploaded files and AI output are information assets: label and store them like
  any other information of the same classification.
- Training or fine-tuning a model on our data needs the data owner's written approval; the
  resulting model takes the highest classification of its training data.
- Personal and special-category data may be used with AI only where a data protection
  assessment has approved it.
"""

SUPPLIER_AI = """# Supplier security — AI section

## Suppliers that provide AI, or use AI on our data
Before a supplier processes our data with AI, we find out and record:
- where our data is stored and processed, including sub-processors;
- whether our data or our users' inputs train or improve their models, and how to opt out;
- how long inputs and outputs are kept and how they are deleted;
- the certifications they hold (for example ISO/IEC 27001, SOC 2, ISO/IEC 42001) and when
  those expire;
- how and how quickly they notify us of incidents affecting our data;
- where their models come from and how changes to them are announced.

Contracts with such suppliers include clauses on data use for training, retention,
incident notification and the right to assess. We reassess AI suppliers at least yearly.
"""

INCIDENT_AI = """# Incident response — AI section

## AI incidents
Treat the following as security incidents and report them the same way:
- confidential or personal data entered into an unapproved AI tool, or exposed by one;
- an AI system producing harmful, discriminatory or seriously wrong output that was relied on;
- a prompt-injection, jailbreak or data-extraction attempt against one of our AI systems;
- an AI supplier notifying us of a breach or a model change that affects us.

When handling an AI incident, also: record the AI system and model version involved, keep
the prompts and outputs as evidence, decide whether to suspend the system, tell the system
owner, and check whether affected people or a regulator must be informed. Lessons learned
feed back into the AI risk assessment.
"""

TEMPLATES: dict[str, StarterTemplate] = {
    t.key: t
    for t in [
        StarterTemplate(
            key="ai-acceptable-use",
            title="AI acceptable use policy",
            kind=PolicyKind.AI_ACCEPTABLE_USE,
            summary="A complete, short policy on how staff may use AI tools.",
            body=AI_ACCEPTABLE_USE,
            ai_sections=[
                AISection.ACCEPTABLE_USE,
                AISection.APPROVED_TOOLS,
                AISection.DATA_INPUT,
                AISection.HUMAN_REVIEW,
                AISection.TRANSPARENCY,
                AISection.INCIDENTS,
                AISection.ACCOUNTABILITY,
            ],
        ),
        StarterTemplate(
            key="classification-ai-section",
            title="Information classification and handling policy",
            kind=PolicyKind.CLASSIFICATION,
            summary="The AI section to add to an information classification policy.",
            body=CLASSIFICATION_AI,
            ai_sections=[AISection.DATA_INPUT],
            is_section=True,
        ),
        StarterTemplate(
            key="supplier-ai-section",
            title="Supplier security policy",
            kind=PolicyKind.SUPPLIER_SECURITY,
            summary="The AI section to add to a supplier security policy.",
            body=SUPPLIER_AI,
            ai_sections=[AISection.SUPPLIERS],
            is_section=True,
        ),
        StarterTemplate(
            key="incident-ai-section",
            title="Incident response policy",
            kind=PolicyKind.INCIDENT_RESPONSE,
            summary="The AI section to add to an incident response policy.",
            body=INCIDENT_AI,
            ai_sections=[AISection.INCIDENTS],
            is_section=True,
        ),
    ]
}
