from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Asset register"

    def ready(self) -> None:
        from isms import getting_started, home

        from . import (
            access,  # noqa: F401  (registers the register's authorization policies)
            pickers,  # noqa: F401  (the asset picker's source)
        )

        home.register(home_figures)
        getting_started.register_step(
            getting_started.Step(
                key="assets",
                order=30,
                title="Add your first assets from a CSV file",
                hint="Import the AI systems, data sets and tools you already know of.",
                url_name="asset_import",
                done=_has_assets,
            )
        )


def _has_assets(organization_id: int) -> bool:
    from assets.models import Asset

    return Asset.objects.filter(organization_id=organization_id).exists()


def home_figures(actor) -> list:
    from django.urls import reverse

    from isms.home import HomeFigure
    from policies.selectors import ai_acceptable_use_gap

    from . import selectors

    if not actor.has_scope("assets:read"):
        return []
    counts = selectors.home_counts()
    base = reverse("asset_list", args=[actor.organization.slug])
    figures = []
    gap = ai_acceptable_use_gap(counts["ai"])
    if gap:
        # Stays on the home page until a published policy covers AI acceptable use.
        figures.append(
            HomeFigure(
                "AI assets with no published AI acceptable use policy",
                counts["ai"],
                reverse("policies:policy_list", args=[actor.organization.slug])
                + "?kind=ai_acceptable_use",
                "danger",
                gap,
            )
        )
    return [
        *figures,
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
