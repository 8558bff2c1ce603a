"""Control groups as the standards number and name them (issue 16, library corrections).

Adds `Control.group_code` ("5" … "8" in ISO/IEC 27001:2022 Annex A; "A.2" … "A.10" in
ISO/IEC 42001:2023 Annex A, with A.6 split into its two sub-groups "A.6.1" and "A.6.2") and
corrects the group names already loaded: the A.6.1 controls belong to "Management guidance
for AI system development", and A.8 is "Information for interested parties of AI systems".
The control library loader (isms/controls/data) carries the same codes and names, so a later
load changes nothing.
"""

from django.db import migrations, models

ISO42001 = "iso42001-2023"
NAMES_42001 = {
    "A.6.1": "Management guidance for AI system development",
    "A.6.2": "AI system life cycle",
    "A.8": "Information for interested parties of AI systems",
}


def group_code(framework_code: str, ref: str) -> str:
    parts = ref.split(".")
    if framework_code == ISO42001:
        return ".".join(parts[:3]) if parts[1:2] == ["6"] else ".".join(parts[:2])
    return parts[0]


def fill(apps, schema_editor):
    Control = apps.get_model("isms", "Control")
    db = schema_editor.connection.alias
    for control in Control.objects.using(db).select_related("framework"):
        if not control.ref or "." not in control.ref:
            continue
        code = group_code(control.framework.code, control.ref)
        control.group_code = code
        if control.framework.code == ISO42001 and code in NAMES_42001:
            control.group = NAMES_42001[code]
        control.save(using=db, update_fields=["group_code", "group"])


class Migration(migrations.Migration):
    dependencies = [("isms", "0009_idempotency_record")]

    operations = [
        migrations.AddField(
            model_name="control",
            name="group_code",
            field=models.CharField(blank=True, default="", max_length=10),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
