"""Pages outside any organisation: choosing one, creating one, accepting an invitation,
resetting a password."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from isms.forms import InvitationRegisterForm, OrganizationForm, ThrottledPasswordResetForm
from isms.selectors import memberships_for_user
from isms.services import organizations
from isms.services.organizations import InvitationError
from isms.views.forms import apply_errors

SESSION_LAST_ORG = "guardrail_last_org"


@login_required
def choose_organization(request):
    memberships = memberships_for_user(request.user)
    if not request.GET.get("choose"):
        slugs = [m.organization.slug for m in memberships]
        last = request.session.get(SESSION_LAST_ORG)
        target = last if last in slugs else (slugs[0] if len(slugs) == 1 else None)
        if target:
            return redirect("org_home", org_slug=target)
    return render(request, "isms/choose_organization.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = organizations.organization_create(
                name=form.cleaned_data["name"], first_admin=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{org.name} is ready; you are its admin.")
            return redirect("org_home", org_slug=org.slug)
    return render(
        request, "isms/organization_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    if request.user.is_authenticated and request.method == "POST":
        # The service decides under the invitation's lock: once only, and the same person
        # accepting again (a second tab, a double click) is sent to their organisation.
        try:
            membership = organizations.invitation_accept(token=token, user=request.user)
        except InvitationError as error:
            return render(
                request, "isms/invitation_invalid.html", {"message": str(error)}, status=409
            )
        messages.success(request, f"You joined {membership.organization.name}.")
        return redirect("org_home", org_slug=membership.organization.slug)

    try:
        invitation = organizations.invitation_lookup(token)
    except InvitationError as error:
        return render(request, "isms/invitation_invalid.html", {"message": str(error)}, status=410)

    if request.user.is_authenticated:
        return render(request, "isms/invitation_accept.html", {"invitation": invitation})

    form = InvitationRegisterForm(request.POST or None, initial={"email": invitation.email})
    if request.method == "POST" and form.is_valid():
        try:
            user = organizations.invitation_register(
                token=token,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvitationError as error:
            return render(
                request, "isms/invitation_invalid.html", {"message": str(error)}, status=409
            )
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("org_home", org_slug=invitation.organization.slug)
    return render(
        request,
        "isms/invitation_register.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page with the throttled form (it needs the request for the address)."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
