from django.apps import AppConfig


class ContextConfig(AppConfig):
    name = "monitoring.context"
    label = "monitoring_context"
    verbose_name = "Context, scope and objectives"

    def ready(self) -> None:
        from isms import getting_started, home
        from monitoring.context import (  # noqa: F401
            access,  # registers the policies
            due,  # objectives' measurements are due sources of the inbox
        )
        from monitoring.context.home import scope_panel

        home.register_panel(scope_panel)
        getting_started.register_step(
            getting_started.Step(
                key="scope",
                order=10,
                title="Write the scope of the management system",
                hint="What it covers, its boundaries and exclusions; submit it for approval.",
                url_name="scope",
                done=_scope_written,
            )
        )


def _scope_written(organization_id: int) -> bool:
    """A version of the scope statement was submitted for approval, or approved."""
    from monitoring.context.models import ScopeStatement, ScopeStatus

    return (
        ScopeStatement.objects.filter(organization_id=organization_id)
        .exclude(status=ScopeStatus.DRAFT)
        .exists()
    )
