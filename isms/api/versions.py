"""`ETag` on every object the API answers with, `If-Match` on every write to one object.

An object's tag is a hash of the representation `GET …/<id>/` returns, so it changes whenever
anything a client can read of the object changes (its related lists too), and two reads of an
unchanged object give the same tag. A write to one object (PATCH, PUT, DELETE, a detail action)
sent with `If-Match` first locks the object's row (`SELECT … FOR UPDATE`, held until the
request's transaction ends), reads it again and compares: a tag that is no longer current is
answered 412 `precondition_failed` and nothing changes. Of two writes sent with the same tag
at the same moment, the second waits for the first's lock, then finds a new tag and gets 412.
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.exceptions import ValidationError

from isms.access import SAFE_METHODS
from isms.errors import PreconditionFailed

OBJECT_ACTIONS = {"retrieve", "create", "update", "partial_update"}


def etag_of(representation) -> str:
    text = json.dumps(representation, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def parse_if_match(header: str) -> list[str]:
    """The tags an If-Match header lists (`*` included). Weak tags (`W/"…"`) are accepted
    and never match: If-Match compares strongly (RFC 9110 section 13.1.1)."""
    tags = [t.strip() for t in header.split(",") if t.strip()]
    quoted = [t.removeprefix("W/") for t in tags if t != "*"]
    if not tags or any(len(t) < 2 or t[0] != '"' or t[-1] != '"' for t in quoted):
        raise ValidationError({"If-Match": ['Entity tags in double quotes, or "*".']})
    return tags


class ObjectVersionMixin:
    """Mixed into isms.api.viewsets.TenantViewSet."""

    # Write actions whose answer is already the object exactly as `GET …/<id>/` shows it
    # (read back through the retrieve queryset and serializer): tagged from the body, without
    # reading the object a second time.
    representation_answers: frozenset[str] = frozenset()

    def object_etag(self, pk) -> str | None:
        """The tag of object `pk` as `GET …/<id>/` answers it (its queryset and serializer)."""
        saved = self.action
        self.action = "retrieve"
        try:
            current = self.get_queryset().filter(pk=pk).first()
            if current is None:
                return None
            return etag_of(self.get_serializer(current).data)
        finally:
            self.action = saved

    def get_object(self):
        obj = super().get_object()
        header = self.request.headers.get("If-Match")
        if header is None or self.request.method in SAFE_METHODS:
            return obj
        tags = parse_if_match(header)
        # Hold the row until the transaction ends, then read what is committed now.
        list(type(obj)._base_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))
        obj = super().get_object()
        current = self.object_etag(obj.pk)
        if "*" not in tags and current not in tags:
            raise PreconditionFailed(
                "The object changed since the version named in If-Match: read it again "
                f"(its ETag is now {current}) and send your change with that tag.",
                field="If-Match",
            )
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            getattr(self, "action", None) in OBJECT_ACTIONS
            and 200 <= response.status_code < 300
            and isinstance(response.data, dict)
        ):
            if self.action == "retrieve" or self.action in self.representation_answers:
                response["ETag"] = etag_of(response.data)
            elif response.data.get("id") is not None:
                # A write's answer may lack what the list queryset annotates: tag the object
                # as a GET would show it.
                tag = self.object_etag(response.data["id"])
                if tag:
                    response["ETag"] = tag
        return response
