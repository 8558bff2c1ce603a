"""An organisation's data lifecycle: export, import into a new organisation, deletion.

- `purge`: remove an organisation's rows table by table in its tenant context, as the
  application role (row-level security applies), with the guard triggers switched off for
  that one transaction. The deletion worker and the benchmark's reset both use it.
- `export`: all of an organisation's data as a documented ZIP (docs/org-export.md).
- `importer`: such a ZIP into a new organisation (primary keys remapped, people matched by
  e-mail, files stored again, the exported audit trail kept as an attachment).
- `deletion`: an admin's request, the grace period, cancellation and the worker's removal.
"""
