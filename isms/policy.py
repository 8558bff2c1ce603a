"""The authorization policy: one per model, registered here; nothing else decides.

A request's scopes (isms.access) say what a member may do in a register as a whole; a model's
policy says what they may do to one object:

    @policy.register
    class AssetPolicy(policy.ModelPolicy):
        model = Asset
        domain = "assets"
        owner_grant = "change_asset"

    policy.require(actor, "change", asset)          # raises NotPermitted with a code
    policy.can(actor, "approve", request)           # -> bool, for showing a button
    policy.restrict(actor, "change", Asset.objects.all())

The base viewset, the base UI view and the services ask these functions and nothing else.

Rules, in the order they apply:
- `view` needs `<domain>:read`; `create` needs `<domain>:write` (`<domain>:manage` for a
  ManagedPolicy);
- `change` and `delete` need `<domain>:write`, and either `<domain>:manage` (officers, admins,
  read-write API keys) or the owner's object grant (django-guardian, direct foreign-key
  tables): one ownership mechanism for every register;
- an approval action (`approvals`) needs a named person holding `<domain>:approve` at the
  moment of approving, and is refused to whoever prepared, requested, sent or reviewed the
  object (segregation of duties, `separation_of_duties`). A policy that gives a decision to
  an owner on purpose (a risk owner accepts their own residual risk) does so in a named rule
  of its own, with its own test: an explicit exception, not a hole.
- any other action is a `rule_<action>` method of the model's policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet

from isms import permissions
from isms.access import Actor
from isms.errors import ErrorCode, NotPermitted


class Refusal(NamedTuple):
    message: str
    code: str = ErrorCode.PERMISSION_DENIED


class ModelPolicy:
    model: type[Model]
    domain: str
    # The guardian permission codename an owner is granted on their object ("change_asset").
    owner_grant: str | None = None
    # Every codename the owner receives when ownership is transferred.
    owner_grants: tuple[str, ...] = ()
    # Actions that are approvals: a named person with `<domain>:approve`, never a participant.
    approvals: frozenset[str] = frozenset({"approve"})
    # action -> {field on the object: "what that person did"}; the field holds a user (FK).
    separation_of_duties: dict[str, dict[str, str]] = {}

    # --- scopes --------------------------------------------------------------------------

    @property
    def read_scope(self) -> str:
        return f"{self.domain}:read"

    @property
    def write_scope(self) -> str:
        return f"{self.domain}:write"

    @property
    def manage_scope(self) -> str:
        return f"{self.domain}:manage"

    @property
    def approve_scope(self) -> str:
        return f"{self.domain}:approve"

    def _scope_refusal(self, actor: Actor, scope: str) -> Refusal | None:
        if actor.has_scope(scope):
            return None
        return Refusal(actor.missing_scopes_message([scope]), ErrorCode.MISSING_SCOPE)

    # --- the question ----------------------------------------------------------------------

    def refusal(self, actor: Actor, action: str, obj) -> Refusal | None:
        if action in self.approvals:
            refused = self.approval_refusal(actor, action, obj)
            if refused is not None:
                return refused
        rule = getattr(self, f"rule_{action}", None)
        if rule is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no rule for {action!r}.")
        return rule(actor, obj)

    def rule_view(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, self.read_scope)

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        """Adding to the register: whoever writes in it (`obj` may be the model class)."""
        return self._scope_refusal(actor, self.write_scope)

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or self.owns(actor, obj):
            return None
        return Refusal(
            f"Only the owner of {self.describe(obj)} or a compliance officer may change it."
        )

    def rule_delete(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_approve(self, actor: Actor, obj) -> Refusal | None:
        return None  # approval_refusal has already checked scope and duties

    def rule_manage(self, actor: Actor, obj) -> Refusal | None:
        """Register-wide acts (bulk changes, imports, settings): the manage scope."""
        refused = self._scope_refusal(actor, self.write_scope)
        return refused or self._scope_refusal(actor, self.manage_scope)

    # --- approvals and segregation of duties ------------------------------------------------

    def participants(self, action: str, obj) -> dict[int, str]:
        """user id -> what they did to the object that bars them from this approval."""
        found: dict[int, str] = {}
        for field, did in self.separation_of_duties.get(action, {}).items():
            user_id = getattr(obj, f"{field}_id", None)
            if user_id is not None:
                found.setdefault(user_id, did)
        return found

    def approval_refusal(self, actor: Actor, action: str, obj) -> Refusal | None:
        if actor.user is None:
            return Refusal(
                "An approval needs a named person; an API key cannot approve.",
                ErrorCode.PERMISSION_DENIED,
            )
        refused = self._scope_refusal(actor, self.approve_scope)
        if refused is not None:
            return refused
        did = self.participants(action, obj).get(actor.user_id)
        if did is not None:
            return Refusal(
                f"You {did} {self.describe(obj)}; someone else must {action.replace('_', ' ')} "
                "it (segregation of duties).",
                ErrorCode.SEGREGATION_OF_DUTIES,
            )
        return None

    # --- ownership (django-guardian) ----------------------------------------------------------

    def owns(self, actor: Actor, obj) -> bool:
        return self.owner_grant is not None and self.holds(actor, self.owner_grant, obj)

    def holds(self, actor: Actor, codename: str, obj) -> bool:
        """Whether the actor's user holds this guardian grant on `obj` (read from the grants
        `attach_grants` prefetched for list pages when present, else one query)."""
        if actor.user is None:
            return False
        prefetched = getattr(obj, "_my_grants", None)
        if prefetched is not None:
            return codename in prefetched
        return permissions.has_object_permission(actor.user, codename, obj)

    def grant_owner(self, obj, user, *, previous=None) -> None:
        """Give the new owner their grants; take them from the previous one."""
        codenames = self.owner_grants or ((self.owner_grant,) if self.owner_grant else ())
        if not codenames:
            return
        if previous is not None and getattr(previous, "pk", None) != getattr(user, "pk", None):
            permissions.revoke_all(previous, codenames, obj)
        if user is not None:
            permissions.grant_all(user, codenames, obj)

    # --- lists ---------------------------------------------------------------------------------

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action == "view":
            return queryset if actor.has_scope(self.read_scope) else queryset.none()
        if action in {"change", "delete"}:
            if not actor.has_scope(self.write_scope):
                return queryset.none()
            if actor.has_scope(self.manage_scope):
                return queryset
            if self.owner_grant is None or actor.user is None:
                return queryset.none()
            return permissions.objects_granted(actor.user, self.owner_grant, queryset)
        raise ImproperlyConfigured(f"{type(self).__name__} cannot restrict {action!r}.")

    def describe(self, obj) -> str:
        name = getattr(obj, "name", None) or getattr(obj, "title", None)
        noun = self.model._meta.verbose_name
        return f"{noun} “{name}”" if name else f"this {noun}"


class ManagedPolicy(ModelPolicy):
    """A record only the register's managers change (settings, the SoA, criteria, question
    sets, audit programmes…): change and delete need `<domain>:manage`. Lists need nothing
    more: with no owner grant, the base `restrict` already gives managers every row and
    everyone else none."""

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_create(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)


_registry: dict[type[Model], ModelPolicy] = {}


def register(policy_class: type[ModelPolicy]) -> type[ModelPolicy]:
    """Class decorator: the policy of `policy_class.model`."""
    model = policy_class.model
    if model in _registry and type(_registry[model]) is not policy_class:
        raise ImproperlyConfigured(f"{model.__name__} already has a policy.")
    _registry[model] = policy_class()
    return policy_class


def registered() -> dict[type[Model], ModelPolicy]:
    return dict(_registry)


def policy_for(model_or_obj) -> ModelPolicy:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    model = getattr(model._meta, "concrete_model", model)
    try:
        return _registry[model]
    except KeyError:
        raise ImproperlyConfigured(f"No authorization policy is registered for {model}.") from None


def refusal(actor: Actor, action: str, obj) -> Refusal | None:
    return policy_for(obj).refusal(actor, action, obj)


def can(actor: Actor, action: str, obj) -> bool:
    return refusal(actor, action, obj) is None


def require(actor: Actor, action: str, obj) -> None:
    refused = refusal(actor, action, obj)
    if refused is not None:
        raise NotPermitted(refused.message, code=refused.code)


def restrict(actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
    return policy_for(queryset.model).restrict(actor, action, queryset)


def allowed(actor: Actor, obj, actions: Iterable[str]) -> frozenset[str]:
    """The subset of `actions` the actor may take on `obj` now (for rendering controls)."""
    return frozenset(a for a in actions if can(actor, a, obj))


def attach_grants(actor: Actor, objects: list) -> list:
    """Read the actor's object grants on many objects in one query (for list pages)."""
    if not objects or actor.user is None:
        for obj in objects:
            obj._my_grants = frozenset()
        return objects
    from guardian.utils import get_user_obj_perms_model

    model = type(objects[0])
    grant_model = get_user_obj_perms_model(objects[0])
    rows = grant_model.objects.filter(
        user_id=actor.user_id, content_object__in=[o.pk for o in objects]
    ).values_list("content_object_id", "permission__codename")
    by_object: dict[int, set[str]] = {}
    for object_id, codename in rows:
        by_object.setdefault(object_id, set()).add(codename)
    for obj in objects:
        assert type(obj) is model
        obj._my_grants = frozenset(by_object.get(obj.pk, ()))
    return objects
