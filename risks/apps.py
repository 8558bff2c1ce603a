from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from isms import getting_started, home
        from risks import access  # noqa: F401  (registers the risks policies)
        from risks.home import risk_figures
        from risks.services import setup

        home.register(risk_figures)
        setup.connect()
        getting_started.register_step(
            getting_started.Step(
                key="frameworks",
                order=50,
                title="Choose your frameworks and controls",
                hint="In the Statement of Applicability, say which controls apply and why.",
                url_name="soa_index",
                done=_applicability_decided,
            )
        )


def _applicability_decided(organization_id: int) -> bool:
    """A control's applicability has been decided with a reason, or a Statement submitted."""
    from risks.models import SoARow, StatementOfApplicability

    return (
        SoARow.objects.filter(organization_id=organization_id).exclude(justification="").exists()
        or StatementOfApplicability.objects.filter(organization_id=organization_id)
        .exclude(status=StatementOfApplicability.Status.DRAFT)
        .exists()
    )
