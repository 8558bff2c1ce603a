from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Asset register"

    def ready(self) -> None:
        from isms import home

        home.register(home_figures)


def home_figures(actor) -> list:
    from django.urls import reverse

    from isms.home import HomeFigure

    from . import selectors

    if not actor.has_scope("assets:read"):
        return []
    counts = selectors.home_counts()
    base = reverse("asset_list", args=[actor.organization.slug])
    return [
        HomeFigure("AI assets in the register", counts["ai"], f"{base}?ai=true", "primary"),
        HomeFigure(
            "Assets without an owner or needing a new one",
            counts["ownerless"],
            f"{base}?no_owner=true",
            "danger" if counts["ownerless"] else "success",
            "No owner, no asset: reassign in one bulk action.",
        ),
        HomeFigure(
            "Reported AI tools awaiting triage",
            counts["triage"],
            reverse("asset_triage", args=[actor.organization.slug]),
            "warning" if counts["triage"] else "secondary",
        ),
    ]
