from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from isms import lockout
from isms.client import client_ip
from isms.models import APIKey, Organization, Role
from isms.models.access import slug_validator


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
            raise forms.ValidationError(lockout.locked_message(), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if lockout.login_failed(account, address):
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


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(
        max_length=50,
        validators=[slug_validator],
        help_text="Used in addresses: /o/<slug>/. Lower-case letters, digits and hyphens.",
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Organization.objects.filter(slug=slug).exists():
            raise forms.ValidationError("An organisation with this slug already exists.")
        return slug


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
