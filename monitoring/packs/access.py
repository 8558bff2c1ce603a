"""Evidence pack policies (domain "monitoring"): readers of monitoring see packs (the API
lists them); opening and downloading them in the UI also needs `evidence:export` (officers,
auditors), which the pages declare; officers request, cancel and retry them; only an
administrator deletes one (services.pack_delete), and the database records that deletion."""

from __future__ import annotations

from isms import policy
from isms.access import Actor
from isms.policy import ManagedPolicy, Refusal
from monitoring.packs.models import EvidencePack, PackSchedule, PackSigningKey


@policy.register
class EvidencePackPolicy(ManagedPolicy):
    model = EvidencePack
    domain = "monitoring"

    def rule_delete(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, "org:admin")


@policy.register
class PackSchedulePolicy(ManagedPolicy):
    model = PackSchedule
    domain = "monitoring"


@policy.register
class PackSigningKeyPolicy(ManagedPolicy):
    model = PackSigningKey
    domain = "monitoring"
