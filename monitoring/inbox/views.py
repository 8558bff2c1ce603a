"""My tasks, my notifications (mark read), and the organisation's reminder settings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from isms import policy
from isms.views.mixins import OrgFormView, OrgViewMixin
from monitoring.inbox import selectors, services
from monitoring.inbox.models import MAX_SOON_DAYS, Notification


def tasks_url(slug: str) -> str:
    return reverse("monitoring_inbox:my_tasks", args=[slug])


class MonitoringHomeView(OrgViewMixin, View):
    """The Monitoring menu entry opens My tasks."""

    scope_map = {"GET": ["monitoring:read"]}

    def get(self, request, *args, **kwargs):
        return HttpResponseRedirect(tasks_url(self.organization.slug))


class MyTasksView(OrgViewMixin, TemplateView):
    template_name = "monitoring/inbox/my_tasks.html"
    scope_map = {"GET": ["monitoring:read"]}
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tasks"] = selectors.my_tasks(self.actor)
        notifications = list(selectors.my_notifications(self.actor)[:50])
        context["notifications"] = notifications
        context["settings"] = selectors.inbox_settings()
        context["can_mark"] = self.actor.has_scope("monitoring:write")
        context["can_configure"] = self.actor.has_scopes(["monitoring:write", "monitoring:manage"])
        return context


class NotificationReadView(OrgViewMixin, View):
    model = Notification
    scope_map = {"POST": ["monitoring:write"]}

    def get_base_queryset(self):
        return policy.restrict(self.actor, "view", Notification.objects.all())

    def post(self, request, *args, **kwargs):
        notification = self.get_object()
        services.notification_mark_read(actor=self.actor, notification=notification)
        messages.success(request, f"Marked “{notification.subject}” as read.")
        return HttpResponseRedirect(tasks_url(self.organization.slug))


class NotificationReadAllView(OrgViewMixin, View):
    scope_map = {"POST": ["monitoring:write"]}

    def post(self, request, *args, **kwargs):
        count = services.notifications_mark_all_read(actor=self.actor)
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
        return HttpResponseRedirect(tasks_url(self.organization.slug))


class InboxSettingsForm(forms.Form):
    soon_days = forms.IntegerField(
        label="Remind this many days ahead", min_value=1, max_value=MAX_SOON_DAYS
    )
    escalate_after_days = forms.IntegerField(
        label="Escalate to the officers after this many days overdue", min_value=1, max_value=365
    )
    email_digest = forms.BooleanField(label="E-mail a digest of new reminders", required=False)


MANAGE = ["monitoring:write", "monitoring:manage"]


class InboxSettingsView(OrgFormView):
    template_name = "monitoring/form.html"
    form_class = InboxSettingsForm
    scope_map = {"GET": MANAGE, "POST": MANAGE}
    nav = "monitoring"
    success_message = "Reminder settings saved."

    def get_initial(self):
        row = selectors.inbox_settings()
        return {
            "soon_days": row.soon_days,
            "escalate_after_days": row.escalate_after_days,
            "email_digest": row.email_digest,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = "Reminder settings"
        context["back"] = tasks_url(self.organization.slug)
        return context

    def perform(self, form):
        return services.settings_update(actor=self.actor, **form.cleaned_data)

    def get_success_url(self) -> str:
        return tasks_url(self.organization.slug)
