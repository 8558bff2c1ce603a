from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"

    def ready(self) -> None:
        from isms import home
        from suppliers.home import supplier_figures

        home.register(supplier_figures)
        import suppliers.access
        import suppliers.pickers
        import suppliers.signals  # noqa: F401  (starter content of new organisations)
