"""What the demo's Statements of Applicability say, row by row (used by risks.demo).

Written to survive a certification auditor's first hour (ISO/IEC 27001:2022 6.1.3 d):
- every justification says why the control matters *to Demo Corp* (a 40-person software
  company that runs AI tools and an in-house churn model on a cloud platform);
- "implemented" only where the product itself holds the evidence (the asset register, the
  supplier assessments, the policies, the risk register, impact assessments); everything
  else is partly implemented or not started, with an owner and a target date;
- "risk treatment" only where a demo risk names the control;
- an exclusion only where the activity truly does not exist here (no outsourced
  development; no AI system offered to customers).
Our own words throughout; control titles come from the library.
"""

from __future__ import annotations

IMPLEMENTED, PARTIAL, NOT_STARTED = "implemented", "partial", "not_started"

# --- ISO/IEC 27001:2022 Annex A ----------------------------------------------------------------

# ref -> (status, justification, evidence); reasons are derived (risk treatment where a demo
# risk names the control, otherwise the reason given by the theme below).
ISO27001 = {
    "5.1": (
        IMPLEMENTED,
        "Management approved our information security policy and the AI acceptable use "
        "policy; staff acknowledge each version.",
        "Policies register: approved versions and acknowledgements.",
    ),
    "5.2": (
        PARTIAL,
        "Roles are named for the ISMS (compliance officer, risk and asset owners); the "
        "AI-specific roles are being added to job descriptions.",
        "",
    ),
    "5.3": (
        IMPLEMENTED,
        "Approvals of the SoA, risk acceptances, AI change requests and policy versions are "
        "made by someone other than the preparer; the product enforces it.",
        "Approval records in the audit trail.",
    ),
    "5.9": (
        IMPLEMENTED,
        "We keep AI models, datasets, prompts and AI SaaS tools in the asset register, each "
        "with one accountable owner.",
        "Asset register (all assets have an owner).",
    ),
    "5.10": (
        IMPLEMENTED,
        "Staff paste work data into AI tools daily; the AI acceptable use policy sets what may "
        "go in.",
        "AI acceptable use policy, acknowledged by staff.",
    ),
    "5.12": (
        PARTIAL,
        "Customer data must not reach AI tools without a contract; the classification scheme "
        "is approved, labelling of datasets is under way.",
        "Information classification policy.",
    ),
    "5.14": (
        PARTIAL,
        "Prompts to AI suppliers are information transfers to third parties; rules are set in "
        "the AI policy, the DLP rule is being rolled out.",
        "",
    ),
    "5.15": (
        PARTIAL,
        "Ticket summaries must reach only the team that owns the ticket; access is reviewed "
        "with the summariser's rollout.",
        "",
    ),
    "5.19": (
        IMPLEMENTED,
        "Six AI suppliers process our data; each is assessed before use and scheduled for "
        "reassessment.",
        "Supplier register with approved AI supplier assessments.",
    ),
    "5.20": (
        PARTIAL,
        "Contract clauses on training-data use, retention and incident notice are tracked per "
        "supplier; two contracts still lack the no-training clause.",
        "Contract clauses tracked per supplier.",
    ),
    "5.21": (
        PARTIAL,
        "AI SaaS tools depend on model providers we do not contract with directly; "
        "sub-processors are recorded in the supplier assessments.",
        "",
    ),
    "5.22": (
        PARTIAL,
        "Suppliers change models and terms often; reassessment dates are set, the review "
        "routine is being scheduled.",
        "",
    ),
    "5.23": (
        PARTIAL,
        "Our product and AI tools run on cloud services; the cloud services policy is drafted.",
        "",
    ),
    "5.24": (
        PARTIAL,
        "The incident response procedure covers AI incidents (harmful output, data leaks); "
        "the on-call rota is being set up.",
        "",
    ),
    "5.25": (
        PARTIAL,
        "Events are triaged by the compliance officer; criteria for AI events are being "
        "written from the first incident's lessons.",
        "",
    ),
    "5.26": (
        PARTIAL,
        "Responses follow the incident procedure; an AI incident handled this year is on "
        "record, the procedure is not yet exercised end to end.",
        "",
    ),
    "5.27": (
        NOT_STARTED,
        "Lessons learned from incidents are to feed risks and controls; the first review is "
        "planned.",
        "",
    ),
    "5.31": (
        PARTIAL,
        "GDPR and the EU AI Act apply to our use of AI; the register of legal requirements is "
        "being completed.",
        "",
    ),
    "5.32": (
        PARTIAL,
        "Developers use an AI code assistant that may suggest licensed code; the duplicate "
        "filter is being switched on.",
        "",
    ),
    "5.34": (
        PARTIAL,
        "The churn model and ticket summaries process personal data; fairness and privacy "
        "checks are scheduled quarterly.",
        "",
    ),
    "6.3": (
        PARTIAL,
        "Everyone uses AI tools; AI-specific awareness training starts with the policy roll-out.",
        "",
    ),
    "7.5": (
        PARTIAL,
        "Our office is in a shared building: fire detection and flood protection are the "
        "landlord's, confirmed in the lease; servers are in our cloud provider's certified "
        "data centres.",
        "Lease clauses; cloud provider's ISO/IEC 27001 certificate.",
    ),
    "8.12": (
        PARTIAL,
        "Customer data pasted into chat assistants is our top AI risk; a DLP rule on prompts "
        "is being deployed.",
        "",
    ),
    "8.28": (
        PARTIAL,
        "We build our product and integrate LLM APIs; secure coding covers prompt-injection "
        "handling, guidelines are being extended.",
        "",
    ),
    "8.30": (
        None,
        "Excluded: we develop our software in-house; no development is outsourced. Revisit if "
        "a contractor is engaged.",
        "",
    ),
    "8.32": (
        IMPLEMENTED,
        "Introducing or changing an AI system goes through the AI change gate (risk, impact "
        "assessment, approval).",
        "AI change requests and their approvals.",
    ),
}

# Theme defaults, by the first part of the reference: (reason, status, why it applies here).
THEMES = {
    "5": ("business", PARTIAL, "an organisational control our ISMS needs for {title_lower}"),
    "6": ("business", PARTIAL, "40 staff handle customer data and use AI tools: {title_lower}"),
    "7": (
        "business",
        PARTIAL,
        "our one office holds laptops and a network cabinet: {title_lower}",
    ),
    "8": (
        "business",
        PARTIAL,
        "our product and AI integrations run on a cloud platform and managed laptops: "
        "{title_lower}",
    ),
}


def iso27001_row(ref: str, title: str) -> dict:
    """The demo's fields for one ISO 27001 control (without owner, target or reasons)."""
    if ref in ISO27001:
        status, justification, evidence = ISO27001[ref]
        if status is None:
            return {"applicable": False, "justification": justification}
        return {
            "implementation_status": status,
            "justification": justification,
            "evidence": evidence,
        }
    reason, status, why = THEMES[ref.split(".")[0]]
    return {
        "implementation_status": status,
        "justification": "Applies: " + why.format(title_lower=title.lower()) + ".",
        "evidence": "",
        "reason": reason,
    }


# --- ISO/IEC 42001:2023 Annex A ----------------------------------------------------------------

ISO42001 = {
    "A.2.2": (IMPLEMENTED, "legal", "Our AI acceptable use policy is approved and published."),
    "A.2.3": (
        PARTIAL,
        "business",
        "The AI policy is being cross-referenced with security and privacy policies.",
    ),
    "A.2.4": (
        PARTIAL,
        "business",
        "The AI policy has a review date; the first review is due within the year.",
    ),
    "A.3.2": (
        PARTIAL,
        "business",
        "Owners of every AI asset are named; oversight roles per AI system are being assigned.",
    ),
    "A.3.3": (
        PARTIAL,
        "legal",
        "Staff and affected people need a way to raise AI concerns; "
        "a reporting address is being set up.",
    ),
    "A.4.2": (
        IMPLEMENTED,
        "business",
        "AI systems, datasets and tools are documented in the asset register.",
    ),
    "A.4.3": (
        PARTIAL,
        "business",
        "Training data of the churn model is recorded; provenance "
        "of vendor models is asked in supplier assessments.",
    ),
    "A.4.4": (PARTIAL, "business", "Our ML platform and AI tools are in the asset register."),
    "A.4.5": (PARTIAL, "business", "Compute for the churn model runs on a cloud ML platform."),
    "A.4.6": (
        PARTIAL,
        "business",
        "Data-science and engineering skills for AI are listed; training needs are being assessed.",
    ),
    "A.5.2": (
        IMPLEMENTED,
        "legal",
        "Every AI change goes through an AI impact assessment (EU AI Act screens included).",
    ),
    "A.5.3": (IMPLEMENTED, "legal", "Impact assessments are kept, approved and immutable."),
    "A.5.4": (
        IMPLEMENTED,
        "legal",
        "Assessments record harms to individuals and groups "
        "(e.g. older customers in the churn model).",
    ),
    "A.5.5": (
        PARTIAL,
        "legal",
        "Assessments record societal harms; guidance for assessors is being written.",
    ),
    "A.6.1.2": (
        PARTIAL,
        "business",
        "We develop one model in-house (customer churn); "
        "responsible-development objectives are drafted.",
    ),
    "A.6.1.3": (
        PARTIAL,
        "business",
        "The churn model follows our development process; fairness checks are part of it.",
    ),
    "A.6.2.2": (PARTIAL, "business", "Requirements of the churn model are written down."),
    "A.6.2.3": (PARTIAL, "business", "Design decisions of the churn model are being recorded."),
    "A.6.2.4": (
        IMPLEMENTED,
        "business",
        "The churn model is evaluated for accuracy and fairness before each release.",
    ),
    "A.6.2.5": (IMPLEMENTED, "business", "Deployment needs an approved AI change request."),
    "A.6.2.6": (
        PARTIAL,
        "business",
        "Drift and accuracy metrics are pushed to the product; thresholds are being tuned.",
    ),
    "A.6.2.7": (PARTIAL, "business", "Technical documentation of the churn model is in progress."),
    "A.6.2.8": (PARTIAL, "business", "Prediction logs of the churn model are kept 90 days."),
    "A.7.2": (
        PARTIAL,
        "business",
        "Data for the churn model is defined; rules for other AI data are being written.",
    ),
    "A.7.3": (
        PARTIAL,
        "legal",
        "Training data comes from our own subscription records (pseudonymised).",
    ),
    "A.7.4": (
        PARTIAL,
        "business",
        "Data quality checks run before training; age-band balance is checked.",
    ),
    "A.7.5": (PARTIAL, "business", "Provenance of the churn training dataset is recorded."),
    "A.7.6": (PARTIAL, "business", "Data preparation steps are scripted in the ML platform."),
    "A.8.2": (
        PARTIAL,
        "legal",
        "Users of the chat assistant are told they use AI; generated "
        "images are labelled (EU AI Act Art. 50).",
    ),
    "A.8.3": (
        NOT_STARTED,
        "legal",
        "External reporting duties under the EU AI Act are being identified.",
    ),
    "A.8.4": (
        PARTIAL,
        "legal",
        "AI incidents are communicated through the incident "
        "procedure; templates are being written.",
    ),
    "A.8.5": (
        PARTIAL,
        "business",
        "Information for interested parties about our AI use is being drafted for the website.",
    ),
    "A.9.2": (
        IMPLEMENTED,
        "business",
        "Use of AI tools is governed by the AI acceptable use policy and the AI change gate.",
    ),
    "A.9.3": (
        PARTIAL,
        "business",
        "Objectives for responsible use are set in the AI policy; measures are being defined.",
    ),
    "A.9.4": (
        IMPLEMENTED,
        "business",
        "The intended use of each AI system is recorded in its impact assessment.",
    ),
    "A.10.2": (
        PARTIAL,
        "contractual",
        "Responsibilities between us and AI suppliers are recorded per supplier.",
    ),
    "A.10.3": (
        IMPLEMENTED,
        "contractual",
        "AI suppliers are assessed before use and reassessed on schedule.",
    ),
    "A.10.4": (
        None,
        "",
        "Excluded: we offer no AI system or AI service to customers; AI-drafted "
        "marketing copy is edited by staff before publication (see A.9).",
    ),
}

EVIDENCE_42001 = {
    IMPLEMENTED: "Held in Guardrail: policies, asset register, impact assessments, change "
    "requests and supplier assessments.",
}
