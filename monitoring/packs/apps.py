from django.apps import AppConfig


class PacksConfig(AppConfig):
    name = "monitoring.packs"
    label = "monitoring_packs"
    verbose_name = "Evidence packs"

    def ready(self) -> None:
        from monitoring.engagements.registry import register_pack_provider
        from monitoring.packs import access  # noqa: F401  (registers the policies)
        from monitoring.packs.engagement_links import pack_links_for

        register_pack_provider(pack_links_for)
