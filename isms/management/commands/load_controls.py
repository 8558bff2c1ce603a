from django.core.management.base import BaseCommand

from isms.controls.loader import load_control_library


class Command(BaseCommand):
    help = "Load or refresh the control library (ISO 27001:2022 and ISO 42001:2023 Annex A)."

    def handle(self, *args, **options):
        report = load_control_library()
        self.stdout.write(
            f"control library: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )
