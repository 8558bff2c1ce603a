import importlib

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

import isms.api.urls  # noqa: F401  (each api.urls registers its viewsets on the org router)
from isms.api.routers import org_router
from isms.views import auth, controls, health, lifecycle, org, sso, two_factor
from isms.views.pick import pick_views
from isms.webhooks import views as webhooks

FEATURE_APPS = ["suppliers", "assets", "risks", "policies", "monitoring"]
for _app in FEATURE_APPS:
    importlib.import_module(f"{_app}.api.urls")

org_patterns = [
    path("", org.OrgHomeView.as_view(), name="org_home"),
    path("controls/", controls.ControlListView.as_view(), name="control_list"),
    path("controls/<int:pk>/", controls.ControlDetailView.as_view(), name="control_detail"),
    path("settings/profile/", org.OrganizationProfileView.as_view(), name="organization_profile"),
    path("settings/members/", org.MemberListView.as_view(), name="member_list"),
    path("settings/members/<int:pk>/", org.MembershipEditView.as_view(), name="membership_edit"),
    path("settings/api-keys/", org.APIKeyListView.as_view(), name="apikey_list"),
    path("settings/sso/", sso.SSOSettingsView.as_view(), name="sso_settings"),
    path(
        "settings/two-factor/",
        two_factor.OrganizationTwoFactorView.as_view(),
        name="organization_two_factor",
    ),
    path(
        "settings/api-keys/<int:pk>/revoke/", org.APIKeyRevokeView.as_view(), name="apikey_revoke"
    ),
    path("settings/data/", lifecycle.OrganizationDataView.as_view(), name="organization_data"),
    path(
        "settings/data/export/",
        lifecycle.OrganizationExportRequestView.as_view(),
        name="organization_export_request",
    ),
    path(
        "settings/data/exports/<int:pk>/download/",
        lifecycle.OrganizationExportDownloadView.as_view(),
        name="organization_export_file",
    ),
    path(
        "settings/data/delete/",
        lifecycle.OrganizationDeletionRequestView.as_view(),
        name="organization_delete_request",
    ),
    path(
        "settings/data/delete/cancel/",
        lifecycle.OrganizationDeletionCancelView.as_view(),
        name="organization_delete_cancel",
    ),
    path("settings/webhooks/", webhooks.WebhookListView.as_view(), name="webhook_list"),
    path(
        "settings/webhooks/<int:pk>/", webhooks.WebhookDetailView.as_view(), name="webhook_detail"
    ),
    path(
        "settings/webhooks/<int:pk>/rotate-secret/",
        webhooks.WebhookRotateView.as_view(),
        name="webhook_rotate",
    ),
    path(
        "settings/webhooks/<int:pk>/ping/", webhooks.WebhookPingView.as_view(), name="webhook_ping"
    ),
    path(
        "settings/webhooks/<int:pk>/delete/",
        webhooks.WebhookDeleteView.as_view(),
        name="webhook_delete",
    ),
    path(
        "settings/webhook-deliveries/<int:pk>/",
        webhooks.WebhookDeliveryView.as_view(),
        name="webhook_delivery",
    ),
    path(
        "settings/webhook-deliveries/<int:pk>/redeliver/",
        webhooks.WebhookRedeliverView.as_view(),
        name="webhook_redeliver",
    ),
    path("audit/", org.AuditTrailView.as_view(), name="audit_trail"),
    path("audit/chain/", org.AuditChainView.as_view(), name="audit_chain"),
    path("audit/export.<str:fmt>", org.AuditTrailExportView.as_view(), name="audit_trail_export"),
    *[path(f"{app}/", include(f"{app}.urls")) for app in FEATURE_APPS],
    *[path(f"pick/{name}/", view.as_view(), name=f"pick_{name}") for name, view in pick_views()],
]

account_patterns = [
    path("login/", two_factor.LoginView.as_view(), name="login"),
    path("login/code/", two_factor.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("two-factor/", two_factor.TwoFactorView.as_view(), name="two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sso/", sso.sso_email, name="sso_email"),
    path("sso/callback/", sso.sso_callback, name="sso_callback"),
    path("sso/<slug:org_slug>/", sso.sso_begin, name="sso_begin"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

_api_reference = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})

urlpatterns = [
    # First: the API carries the machine traffic (a gateway's decision on every AI request).
    path("api/v1/orgs/<slug:org_slug>/", include(org_router.urls)),
    path("", auth.choose_organization, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("orgs/new/", auth.organization_create, name="organization_create"),
    path("invitations/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("accounts/", include(account_patterns)),
    path("o/<slug:org_slug>/", include(org_patterns)),
    # The supplier's account-free questionnaire link: no organisation in the URL (suppliers).
    path("supplier-portal/", include("suppliers.portal_urls")),
    path("concern/", include("monitoring.incidents.concern_urls")),
    # Every organisation of a consultant or group in one table (monitoring.checks).
    path("portfolio/", include("monitoring.checks.portfolio_urls")),
    # The MCP server over HTTP for AI assistants, authenticated by API key (monitoring.usage).
    path("mcp/", include("monitoring.usage.mcp_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The reference renderers draw with inline styles (and Redoc with a worker); their scripts
    # still come only from our static files (the split view serves Swagger's set-up as a file).
    path(
        "api/docs/",
        _api_reference(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        _api_reference(SpectacularRedocView.as_view(url_name="schema")),
        name="redoc",
    ),
    path("api/", RedirectView.as_view(pattern_name="swagger-ui"), name="api_root"),
    path("admin/", admin.site.urls),
]

handler400 = "isms.views.errors.bad_request"
handler403 = "isms.views.errors.permission_denied"
handler404 = "isms.views.errors.page_not_found"
handler500 = "isms.views.errors.server_error"
