from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from isms import lockout, security_events
from isms.client import client_ip
from isms.models import AIRole, APIKey, OrganizationProfile, Role, SecurityEventKind
from isms.models.sso import SSO_ROLES


class LoginForm(AuthenticationForm):
    """People log in with the e-mail address they were invited with (it is their user name),
    so the field says so and the browser offers the address it knows. Repeated failures pause
    log-in for the account name and the address (isms.lockout)."""

    username = forms.CharField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean(self):
        account = self.cleaned_data.get("username")
        address = client_ip(self.request) if self.request is not None else None
        if lockout.login_locked(account, address):
            security_events.record(
                SecurityEventKind.LOGIN_REFUSED_LOCKED, email=account or "", request=self.request
            )
            raise forms.ValidationError(lockout.locked_message(), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if lockout.login_failed(account, address):
                security_events.record(
                    SecurityEventKind.LOCKED_OUT, email=account or "", request=self.request
                )
                raise forms.ValidationError(lockout.locked_message(), code="locked") from None
            raise
        lockout.login_succeeded(account)
        return cleaned


class ThrottledPasswordResetForm(PasswordResetForm):
    """A reset link is e-mailed at most a few times an hour per address and per client, so
    the form cannot be used to flood someone's inbox. The answer never says whether the
    address has an account."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self):
        email = self.cleaned_data["email"]
        address = client_ip(self.request) if self.request is not None else None
        if not lockout.reset_allowed(email, address):
            raise forms.ValidationError(lockout.RESET_MESSAGE, code="throttled")
        return email

    def save(self, *args, **kwargs):
        for user in self.get_users(self.cleaned_data["email"]):
            security_events.record(
                SecurityEventKind.PASSWORD_RESET_REQUESTED, user=user, request=self.request
            )
        return super().save(*args, **kwargs)


class OrganizationForm(forms.Form):
    """Only the name: the address is generated (isms.services.organizations.new_slug), so the
    form never tells anyone which organisations exist."""

    name = forms.CharField(max_length=200)


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices)


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for no expiry. Auditors should always have one.",
    )
    top_management = forms.BooleanField(
        label="Top management",
        required=False,
        help_text="A designation, not a role: may endorse accepting a risk above the "
        "organisation's risk appetite, and set that appetite.",
    )


class InvitationRegisterForm(forms.Form):
    email = forms.EmailField(disabled=True, required=False)
    full_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Repeat password", widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        self.cleaned_data["email"] = self.initial.get("email", "")
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif cleaned.get("password1"):
            try:
                password_validation.validate_password(cleaned["password1"])
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class APIKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. 'SSO catalogue'.")
    access = forms.ChoiceField(choices=APIKey.Access.choices, initial=APIKey.Access.READ)
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional. After this moment the key stops working.",
    )


class OrganizationProfileForm(forms.ModelForm):
    """The organisation profile: its EU AI Act legal type and ISO/IEC 42001 4.1 AI roles."""

    ai_roles = forms.MultipleChoiceField(
        choices=AIRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="AI roles (ISO/IEC 42001 clause 4.1)",
        help_text="Every role the organisation holds with respect to the AI systems in scope.",
    )

    class Meta:
        model = OrganizationProfile
        fields = ["legal_type", "ai_roles"]
        widgets = {"legal_type": forms.RadioSelect}

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True


class SSOEmailForm(forms.Form):
    email = forms.EmailField(
        label="Work e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class SSOConnectionForm(forms.Form):
    """An organisation's OpenID Connect connection (isms.sso.connection saves it)."""

    enabled = forms.BooleanField(label="Single sign-on is on", required=False, initial=True)
    issuer = forms.URLField(
        label="Issuer",
        max_length=300,
        assume_scheme="https",
        help_text="Your IdP's issuer address, e.g. https://login.example.com; Guardrail reads "
        "its /.well-known/openid-configuration.",
    )
    client_id = forms.CharField(label="Client id", max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted and never shown again; leave empty to keep the stored one.",
    )
    domains = forms.CharField(
        label="E-mail domains",
        max_length=2000,
        help_text="The domains your IdP speaks for, separated by commas (example.com, "
        "example.co.uk). Only addresses of these domains may sign in through it.",
    )
    default_role = forms.ChoiceField(
        label="Role of new members",
        choices=SSO_ROLES,
        help_text="A person's first sign-in makes them a member with this role.",
    )
    password_login_allowed = forms.BooleanField(
        label="Members may still log in with a password",
        required=False,
        initial=True,
        help_text="Untick to require single sign-on for this organisation (API keys still work).",
    )
