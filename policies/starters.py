"""Starter templates, written for Guardrail (our own words, not copied from any standard).

Short by design: a policy people read beats a manifesto nobody does. Complete starter
policies (information security, AI, AI acceptable use, AI system lifecycle, AI data
governance, AI impact assessment), each linked to the controls it implements, and AI
sections for the classification, supplier security and incident response policies most
organisations already have.
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
    # The library controls it implements, as (framework code, control ref): a policy started
    # from the template is linked to them, and their SoA rows list it.
    controls: tuple[tuple[str, str], ...] = ()


ISO27001 = "iso27001-2022"
ISO42001 = "iso42001-2023"


AI_ACCEPTABLE_USE = """# AI acceptable use policy

## 1. Why this policy exists
We use AI tools to work faster and better. Used carelessly they can leak confidential
data, produce confident mistakes, or treat people unfairly. This policy says how everyone
here may use AI, in a few pages.

## 2. Who it applies to
Every employee, contractor and temporary worker who uses an AI tool for work, whether the
tool is provided by us or not, and every AI agent that acts on our behalf (section 9).

## 3. Acceptable uses
You **may** use approved AI tools to draft, summarise, translate, brainstorm, write and
review code, and analyse information you are allowed to see, within section 5.

You **must not** use AI to:
- make decisions about people (hiring, performance, credit, access) without a person
  deciding and being able to explain the outcome;
- create content that deceives, harasses or discriminates;
- get around a security control or another policy.

## 4. Prohibited practices
Some uses of AI are banned outright in the EU (EU AI Act, Article 5). We never build, buy,
pilot or use AI that:
- manipulates people with subliminal or deceptive techniques, or exploits their age,
  disability or social or economic situation, in a way likely to cause them harm;
- scores people on their social behaviour or personal traits, leading to unfair treatment;
- predicts whether a person will commit a crime from profiling or personality traits alone;
- builds facial-recognition databases by scraping images from the internet or CCTV;
- infers the emotions of staff or students at work or in education (medical or safety
  reasons aside);
- sorts people by biometric data to infer race, political views, union membership,
  religion or beliefs, or sex life or sexual orientation;
- identifies people remotely and in real time from biometrics in public places.

If you are unsure whether a use falls here, stop and ask the AI governance owner before
going further; the AI change request screens every new AI system for these practices.

## 5. Data you may give to an AI tool
| Classification | Approved tools with a business contract | Any other tool |
|---|---|---|
| Public | Allowed | Allowed |
| Internal | Allowed | Not allowed |
| Confidential | Allowed only where the tool is approved for it | Not allowed |
| Restricted | Only with the data owner's written approval | Not allowed |
| Personal data | Only where a data protection assessment approved it | Not allowed |

This follows the AI section of the information classification and handling policy. Never
paste passwords, keys, tokens or customer credentials into any AI tool.

## 6. Approved tools, and tools that are not
Only tools on the approved AI tools list may be used with company data. To ask for a new
tool, open an AI change request; the supplier and the data flows are assessed before it
is approved. If you find an AI tool in use that is not approved (yours or a colleague's,
or an AI feature newly switched on in a tool we already use), report it through the
"report an AI tool" form: reporting is welcome and is how we bring it under control.

## 7. Being open about AI
Tell people when they are talking to an AI system or reading content it produced without
meaningful human editing, and label AI-generated images and media.

## 8. Checking what AI produces
AI output can be wrong, out of date or made up. You remain responsible for anything you
send, publish, merge or decide. Check facts, sources, licences and code before use, and
have a second person review output that goes to customers or into production.

## 9. AI agents acting for us
An AI agent is an AI system that takes actions (sends messages, changes records, spends
money, runs code) rather than only answering. For every agent:
- it is an asset in the register with a named owner, who answers for what it does;
- it acts with its own credentials and the least access its task needs, never a person's
  login, and its actions are logged;
- actions that commit us to a third party, move money, delete data or change production
  need a person's approval before they happen;
- it treats content from outside (web pages, e-mails, documents) as untrusted input that
  may carry instructions, and is tested against prompt injection before and after changes;
- it can be stopped at once, and the owner knows how.

## 10. AI literacy
Everyone who uses or oversees AI systems completes the AI literacy training before first
use and refreshes it each year; owners and human overseers of AI systems take the training
their responsibility requires. Records are kept with the competence records.

## 11. Accountability
Each AI system we run has a named owner in the asset register who keeps its purpose,
limitations and human oversight up to date.

## 12. Reporting problems
Report a suspected data leak, harmful or biased output, or misuse of an AI tool to the
security team straight away, as a security incident. Raising a concern in good faith is
always welcome and never held against you.

## 13. Breaches and review
Breaking this policy may lead to disciplinary action. The policy owner reviews it at least
once a year and whenever we adopt a significantly new kind of AI.
"""

INFORMATION_SECURITY = """# Information security policy

## 1. Purpose
We protect the confidentiality, integrity and availability of the information our
customers, staff and partners trust us with, and of the AI systems that process it. This
policy sets the direction; topic-specific policies (access control, classification,
suppliers, secure development, incident response, AI) say how.

## 2. Scope
The information security management system covers what the approved scope statement says.
This policy applies to everyone who works for us or with our information.

## 3. Our commitments
- Top management sets information security objectives each year, funds them and reviews
  progress in the management review.
- We meet the legal, regulatory and contractual requirements that apply to us, and the
  requirements of our interested parties that we have chosen to address.
- We decide how to treat risks from a documented risk assessment and accept residual risk
  only within the agreed appetite.
- We improve the management system continually, learning from incidents, audits and
  nonconformities.

## 4. Roles
Top management is accountable for information security. The information security officer
runs the management system day to day. Every asset and every risk has a named owner.
Everyone reports security events and weaknesses as soon as they notice them.

## 5. Topic-specific policies
Topic-specific policies are approved by their owners, published to the people they
concern, acknowledged by them, and reviewed at least yearly.

## 6. Review
This policy is reviewed at least once a year and after significant changes, and approved
by top management.
"""

AI_POLICY = """# AI policy

## 1. Purpose
This policy states how we develop, provide and use AI systems responsibly, and frames the
AI objectives of our AI management system.

## 2. Our principles
- **Purposeful:** every AI system has a stated purpose and a named owner.
- **Assessed before use:** no AI system reaches production without an approved AI change
  request, including a risk assessment and an AI impact assessment.
- **Human oversight:** people can understand, correct and stop the AI systems that affect
  others, at the level the impact assessment sets.
- **Fair and transparent:** we test for bias where people are affected and tell people when
  they deal with AI.
- **Secure and private:** AI systems follow our information security policy; personal data
  is used only where a data protection assessment allows it.
- **Lawful:** we meet the EU AI Act obligations of our role for each system and never use
  the practices it prohibits.

## 3. Commitments
Top management commits to meet the requirements that apply to our AI systems, to provide
the resources and competence the AI management system needs, and to improve it
continually. AI objectives are set, measured and reviewed with the other objectives.

## 4. Alignment
This policy sits beside the information security policy and the privacy rules; the AI
acceptable use, AI system lifecycle, AI data governance and AI impact assessment documents
put it into practice.

## 5. Exceptions and concerns
Exceptions are requested through an AI change request and approved by the risk owner.
Anyone may raise a concern about an AI system, including anonymously; we respond to every
concern.

## 6. Review
Reviewed at least yearly, after a serious AI incident, and when the law or our use of AI
changes significantly.
"""

AI_LIFECYCLE = """# AI system lifecycle and development

## 1. Purpose and scope
How we plan, build or buy, test, deploy, operate and retire AI systems, including systems
built on a supplier's model.

## 2. Objectives for responsible development
Each AI system has written objectives covering its intended use, the people it affects,
acceptable performance, fairness, robustness, security and transparency. They are set
before design and checked before release.

## 3. Stages and gates
1. **Requirements:** purpose, users, affected people, data, success measures, human
   oversight and the supplier (if any) are written in the AI change request.
2. **Design and development:** design decisions, models, data sets and prompts are recorded
   and version-controlled; secure development rules apply to AI code as to any code.
3. **Verification and validation:** before release, the system is evaluated against its
   objectives (accuracy, bias, robustness, prompt injection and misuse) with results kept
   as evidence. Failing results block release unless the risk owner accepts them.
4. **Deployment:** a documented release plan; users are told the system's limits.
5. **Operation and monitoring:** performance, drift and incidents are monitored against
   thresholds; changes to the model or prompts go back through the gates in proportion to
   their impact.
6. **Technical documentation:** what the system is, how it was built and tested and how to
   operate it, kept current for users and, where the law requires, for authorities.
7. **Event logs:** the system records the events needed to trace its outputs and
   investigate incidents, kept for the agreed period.
8. **Retirement:** data, models and access are removed or archived, and users are told.

## 4. Responsibilities
The AI system owner answers for each stage; the risk owner approves release; the security
team reviews security testing.
"""

AI_DATA_GOVERNANCE = """# AI data governance

## 1. Purpose
The data that trains, tests, grounds and feeds our AI systems determines what they do. This
document says how we choose and manage it.

## 2. Rules
- **Know the data:** each data set used for AI is an asset in the register with an owner,
  a classification, its categories of personal data and its source.
- **Acquisition:** we record where data comes from and the right to use it (licence,
  contract, legal basis); data from scraping or third parties is checked before use.
- **Quality:** the owner defines what good enough means (completeness, accuracy,
  timeliness, representativeness of the people the system affects) and checks it before
  training and at each significant change.
- **Provenance:** we keep the lineage of data sets and of the models trained on them, so
  any model version can be traced back to its data.
- **Preparation:** cleaning, labelling, filtering and augmentation steps are documented and
  repeatable.
- **Personal data:** used only where a data protection assessment approves it, minimised,
  and removed when it is no longer needed.
- **Retention:** training data, prompts and outputs are kept only as long as their
  classification and purpose allow.

## 3. Responsibilities
Data set owners approve use of their data; AI system owners make sure their systems use
only approved data sets.
"""

AI_IMPACT_ASSESSMENT = """# AI impact assessment procedure

## 1. When
An AI impact assessment is part of every AI change request, and is repeated when the
purpose, the model, the data, the affected people or the context of use change
significantly, and at least every two years for systems in production.

## 2. What it covers
- the intended purpose and the foreseeable misuse;
- who is affected (individuals, groups, society), including vulnerable people;
- the possible effects on them: on safety, rights, access to services and fair treatment;
- whether the system is prohibited, high-risk or subject to transparency duties under the
  EU AI Act, and our role for it;
- the human oversight, transparency and redress in place, and the residual impact.

## 3. How
The AI system owner prepares the assessment with people who know the affected groups;
the risk owner reviews it and approves the change request only with the assessment
approved. Results feed the risk assessment and the AI system's documentation.

## 4. Records
Assessments are versioned and kept for the life of the system and afterwards for the
retention period; they are available to the auditors.
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
            controls=((ISO42001, "A.9.2"), (ISO42001, "A.9.4"), (ISO27001, "5.10")),
        ),
        StarterTemplate(
            key="information-security",
            title="Information security policy",
            kind=PolicyKind.INFORMATION_SECURITY,
            summary="The top-level policy of the ISMS: commitments, roles, policy set, review.",
            body=INFORMATION_SECURITY,
            controls=((ISO27001, "5.1"),),
        ),
        StarterTemplate(
            key="ai-policy",
            title="AI policy",
            kind=PolicyKind.AI_POLICY,
            summary="The AI management system's policy (ISO 42001 5.2): principles, commitments.",
            body=AI_POLICY,
            ai_sections=[AISection.ACCOUNTABILITY, AISection.TRANSPARENCY],
            controls=((ISO42001, "A.2.2"), (ISO42001, "A.2.3"), (ISO42001, "A.2.4")),
        ),
        StarterTemplate(
            key="ai-lifecycle",
            title="AI system lifecycle and development",
            kind=PolicyKind.AI_LIFECYCLE,
            summary="Objectives, stages and release gates from requirements to retirement.",
            body=AI_LIFECYCLE,
            ai_sections=[AISection.HUMAN_REVIEW, AISection.ACCOUNTABILITY],
            controls=(
                (ISO42001, "A.6.1.2"),
                (ISO42001, "A.6.1.3"),
                (ISO42001, "A.6.2.2"),
                (ISO42001, "A.6.2.3"),
                (ISO42001, "A.6.2.4"),
                (ISO42001, "A.6.2.5"),
                (ISO42001, "A.6.2.6"),
                (ISO42001, "A.6.2.7"),
                (ISO42001, "A.6.2.8"),
                (ISO27001, "8.25"),
            ),
        ),
        StarterTemplate(
            key="ai-data-governance",
            title="AI data governance",
            kind=PolicyKind.AI_DATA,
            summary="Acquisition, quality, provenance and preparation of data for AI.",
            body=AI_DATA_GOVERNANCE,
            ai_sections=[AISection.DATA_INPUT],
            controls=(
                (ISO42001, "A.7.2"),
                (ISO42001, "A.7.3"),
                (ISO42001, "A.7.4"),
                (ISO42001, "A.7.5"),
                (ISO42001, "A.7.6"),
            ),
        ),
        StarterTemplate(
            key="ai-impact-assessment",
            title="AI impact assessment procedure",
            kind=PolicyKind.AI_IMPACT,
            summary="When and how AI system impact assessments are made and recorded.",
            body=AI_IMPACT_ASSESSMENT,
            ai_sections=[AISection.ACCOUNTABILITY],
            controls=(
                (ISO42001, "A.5.2"),
                (ISO42001, "A.5.3"),
                (ISO42001, "A.5.4"),
                (ISO42001, "A.5.5"),
            ),
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
