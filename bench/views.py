"""Ceilings measured in the same run as the product's endpoints.

- `constant`: a plain Django view returning a constant: the server's own ceiling.
- `bare-metric-points/<org>`: the metrics intake's ceiling: the same JSON body parsed and
  its points inserted with the intake's own statement, without authentication, scopes or
  validation (a batch of good points only).
- `bare/<basename>`: a bare DRF list of the same rows with the same serializer, without
  authentication, scopes, object permissions or filtering. Row-level security still needs
  the organisation set, so it runs in `tenant_context` (one `set_config`), which is the
  least any list of one tenant's rows can do here.
"""

import json
from datetime import datetime

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import generics
from rest_framework.permissions import AllowAny

from isms.api.pagination import PageNumberPagination
from isms.api.routers import org_router
from isms.models import Organization
from isms.tenancy import tenant_context


def constant(request):
    return HttpResponse("ok", content_type="text/plain")


class BareList(generics.ListAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination
    filter_backends: list = []

    def get_queryset(self):
        viewset = self.kwargs["viewset"](request=self.request, format_kwarg=None, action="list")
        viewset.action = "list"
        return viewset.get_base_queryset()

    def list(self, request, *args, **kwargs):
        organization = Organization.objects.filter(slug=kwargs["org_slug"]).first()
        if organization is None:
            raise Http404
        with tenant_context(organization.pk):
            return super().list(request, *args, **kwargs)


def bare_list(request, org_slug: str, basename: str):
    viewset = next((v for _, v, b in org_router.registry if b == basename), None)
    if viewset is None:
        raise Http404
    view = BareList.as_view(serializer_class=viewset.serializer_class)
    return view(request, org_slug=org_slug, viewset=viewset)


@csrf_exempt
def bare_metric_points(request, org_slug: str):
    from monitoring.checks.services import _insert_points

    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None or request.method != "POST":
        raise Http404
    data = json.loads(request.body)
    with tenant_context(organization.pk):
        stored = _insert_points(
            organization.pk,
            [
                (p["asset"], p["metric"], datetime.fromisoformat(p["measured_at"]), p["value"])
                for p in data["points"]
            ],
            data.get("source", ""),
        )
    return JsonResponse({"stored": stored}, status=201)
