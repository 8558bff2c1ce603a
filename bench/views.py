"""Ceilings measured in the same run as the product's endpoints.

- `constant`: a plain Django view returning a constant: the server's own ceiling.
- `bare-metric-points/<org>`: the metrics intake's ceiling: the same JSON body parsed and
  its points inserted with the intake's own statement, without authentication, scopes or
  validation (a batch of good points only).
- `bare/<basename>`: a bare DRF list of the same rows with the same serializer, without
  authentication, scopes, object permissions or filtering. Row-level security still needs
  the organisation set, so it runs in `tenant_context` (one `set_config`), which is the
  least any list of one tenant's rows can do here.
- `bare-write/<org>/<basename>/[<pk>/]`: the write ceiling — the same INSERT (POST) or
  UPDATE (PATCH) through a bare DRF view with an automatic ModelSerializer of the model's
  editable columns, in the organisation's tenant context and one transaction (row-level
  security and the audit trigger fire as for the product), without authentication, scopes,
  policies, services, idempotency or ETags.
- `raw/<basename>`: what the machine can do for the same page: the same rows (every column of
  the model's table, in the list's order, the same page size), in the same tenant context,
  read with one SQL statement and encoded by the API's own JSON renderer; no serializer, no
  pagination count, no DRF view. A list endpoint is measured against both.
"""

import json
from datetime import datetime

from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

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


def raw_list(request, org_slug: str, basename: str):
    viewset = next((v for _, v, b in org_router.registry if b == basename), None)
    organization = Organization.objects.filter(slug=org_slug).first()
    if viewset is None or organization is None:
        raise Http404
    size = min(int(request.GET.get("page_size", "50")), PageNumberPagination.max_page_size)
    model = viewset.model
    with tenant_context(organization.pk):
        base = viewset(request=request, format_kwarg=None, action="list")
        base.action = "list"
        ordering = base.get_base_queryset().query.order_by or model._meta.ordering or ["pk"]
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = list(model.objects.order_by(*ordering).values(*columns)[:size])
    renderer = api_settings.DEFAULT_RENDERER_CLASSES[0]()
    body = renderer.render({"next": None, "previous": None, "results": rows})
    return HttpResponse(body, content_type=renderer.media_type)


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


class BareWrite(generics.CreateAPIView, generics.UpdateAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_queryset(self):
        return self.kwargs["model"].objects.all()

    def dispatch(self, request, *args, **kwargs):
        organization = Organization.objects.filter(slug=kwargs["org_slug"]).first()
        if organization is None:
            raise Http404
        with tenant_context(organization.pk), transaction.atomic():
            return super().dispatch(request, *args, **kwargs)


def _bare_serializer(model):
    names = ["id"] + [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "organization"
    ]
    meta = type("Meta", (), {"model": model, "fields": names})
    return type(f"Bare{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


@csrf_exempt
def bare_write(request, org_slug: str, basename: str, pk: int | None = None):
    viewset = next((v for _, v, b in org_router.registry if b == basename), None)
    if viewset is None or request.method not in ("POST", "PATCH"):
        raise Http404
    view = BareWrite.as_view(serializer_class=_bare_serializer(viewset.model))
    return view(request, org_slug=org_slug, model=viewset.model, pk=pk)
