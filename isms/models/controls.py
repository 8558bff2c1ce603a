"""The control library: global reference data shared by every organisation.

IDs and short titles are public identifiers; descriptions are our own words (never the
standards' text). Loaded by `manage.py load_controls` from isms/controls/data/.
"""

from django.db import models


class Framework(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Control(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="controls")
    ref = models.CharField(max_length=20)
    # The group as the standard numbers it: "5" (organizational controls) in ISO/IEC 27001
    # Annex A; "A.6.1" or "A.6.2" (the two sub-groups of A.6) in ISO/IEC 42001 Annex A.
    group_code = models.CharField(max_length=10, blank=True, default="")
    group = models.CharField(max_length=120)
    title = models.CharField(max_length=250)
    description = models.TextField()
    sort_key = models.CharField(max_length=40, editable=False)

    class Meta:
        ordering = ["framework__code", "sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "ref"], name="control_unique_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @staticmethod
    def make_sort_key(ref: str) -> str:
        parts = ref.removeprefix("A.").split(".")
        return ".".join(p.zfill(3) for p in parts)


class ControlMapping(models.Model):
    class Relation(models.TextChoices):
        EQUIVALENT = "equivalent", "Equivalent"
        PARTIAL = "partial", "Partially overlaps"
        RELATED = "related", "Related"

    source = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="mappings_out")
    target = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="mappings_in")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="control_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source.ref} → {self.target.ref} ({self.relation})"
