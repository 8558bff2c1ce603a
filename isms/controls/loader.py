"""Load the control library from isms/controls/data/ (idempotent: a second run changes nothing)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from isms.models import Control, ControlMapping, Framework
from isms.signals import control_library_loaded

DATA = Path(__file__).parent / "data"
FRAMEWORK_FILES = ["iso27001_2022.json", "iso42001_2023.json"]
MAPPING_FILE = "mapping_42001_27001.json"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def load_control_library() -> LoadReport:
    report = LoadReport()
    frameworks: dict[str, Framework] = {}
    for filename in FRAMEWORK_FILES:
        data = json.loads((DATA / filename).read_text())
        framework, created = Framework.objects.get_or_create(
            code=data["framework"], defaults={"name": data["name"]}
        )
        if not created and framework.name != data["name"]:
            framework.name = data["name"]
            framework.save(update_fields=["name"])
        frameworks[framework.code] = framework
        existing = {c.ref: c for c in framework.controls.all()}
        for row in data["controls"]:
            values = {
                "group_code": row["group_code"],
                "group": row["group"],
                "title": row["title"],
                "description": row["description"],
                "sort_key": Control.make_sort_key(row["ref"]),
            }
            control = existing.get(row["ref"])
            if control is None:
                Control.objects.create(framework=framework, ref=row["ref"], **values)
                report.created += 1
            elif any(getattr(control, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(control, key, value)
                control.save()
                report.updated += 1
            else:
                report.unchanged += 1
    _load_mappings(report)
    control_library_loaded.send(sender=Framework, created=report.created)
    return report


def _load_mappings(report: LoadReport) -> None:
    data = json.loads((DATA / MAPPING_FILE).read_text())
    source_fw, target_fw = "iso42001-2023", "iso27001-2022"
    controls = {
        (c.framework.code, c.ref): c
        for c in Control.objects.select_related("framework").filter(
            framework__code__in=[source_fw, target_fw]
        )
    }
    existing = {
        (m.source_id, m.target_id): m
        for m in ControlMapping.objects.filter(source__framework__code=source_fw)
    }
    keep = set()
    for row in data["mappings"]:
        source, target = controls[(source_fw, row["source"])], controls[(target_fw, row["target"])]
        key = (source.pk, target.pk)
        keep.add(key)
        mapping = existing.get(key)
        if mapping is None:
            ControlMapping.objects.create(
                source=source, target=target, relation=row["relation"], note=row["note"]
            )
            report.created += 1
        elif (mapping.relation, mapping.note) != (row["relation"], row["note"]):
            mapping.relation, mapping.note = row["relation"], row["note"]
            mapping.save()
            report.updated += 1
        else:
            report.unchanged += 1
    stale = [m.pk for k, m in existing.items() if k not in keep]
    ControlMapping.objects.filter(pk__in=stale).delete()
