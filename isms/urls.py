import importlib

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

import isms.api.urls  # noqa: F401  (each api.urls registers its viewsets on the org router)
from isms.api.routers import org_router
from isms.forms import LoginForm
from isms.views import auth, controls, health, org

FEATURE_APPS = ["suppliers", "assets", "risks", "policies", "monitoring"]
for _app in FEATURE_APPS:
    importlib.import_module(f"{_app}.api.urls")

org_patterns = [
    path("", org.OrgHomeView.as_view(), name="org_home"),
    path("controls/", controls.ControlListView.as_view(), name="control_list"),
    path("controls/<int:pk>/", controls.ControlDetailView.as_view(), name="control_detail"),
    path("settings/members/", org.MemberListView.as_view(), name="member_list"),
    path("settings/members/<int:pk>/", org.MembershipEditView.as_view(), name="membership_edit"),
    path("settings/api-keys/", org.APIKeyListView.as_view(), name="apikey_list"),
    path(
        "settings/api-keys/<int:pk>/revoke/", org.APIKeyRevokeView.as_view(), name="apikey_revoke"
    ),
    path("audit/", org.AuditTrailView.as_view(), name="audit_trail"),
    path("audit/export.<str:fmt>", org.AuditTrailExportView.as_view(), name="audit_trail_export"),
    *[path(f"{app}/", include(f"{app}.urls")) for app in FEATURE_APPS],
]

account_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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

urlpatterns = [
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
    path("api/v1/orgs/<slug:org_slug>/", include(org_router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", RedirectView.as_view(pattern_name="swagger-ui"), name="api_root"),
    path("admin/", admin.site.urls),
]

handler400 = "isms.views.errors.bad_request"
handler403 = "isms.views.errors.permission_denied"
handler404 = "isms.views.errors.page_not_found"
handler500 = "isms.views.errors.server_error"
