from django.views.generic import DetailView, ListView

from isms import selectors
from isms.filters import ControlFilterSet
from isms.models import Control
from isms.views.mixins import OrgViewMixin


class ControlListView(OrgViewMixin, ListView):
    template_name = "isms/control_list.html"
    scope_map = {"GET": ["controls:read"]}
    paginate_by = 100
    context_object_name = "controls"

    def get_queryset(self):
        self.filterset = ControlFilterSet(self.request.GET, queryset=selectors.controls_list())
        return self.filterset.qs

    def get_template_names(self):
        if self.request.htmx:
            return ["isms/_control_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["frameworks"] = selectors.frameworks_with_counts()
        return context


class ControlDetailView(OrgViewMixin, DetailView):
    template_name = "isms/control_detail.html"
    scope_map = {"GET": ["controls:read"]}
    model = Control
    context_object_name = "control"

    def get_base_queryset(self):
        return selectors.control_with_mappings(selectors.controls_list())
