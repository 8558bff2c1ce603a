"""Every page of the demo, as an officer and as an auditor, has no serious or critical
accessibility violation that axe-core finds (issue 17, "Accessibility"), and leaves a
full-page screenshot for a reviewer (issue 17, "Screenshots as a test artefact").

axe-core is vendored from its npm package (tests/vendor/axe-core-*, MPL-2.0) and injected
into each page as an init script (the Content Security Policy refuses inline ones); nothing
is fetched. Screenshots go to `$GUARDRAIL_SCREENSHOTS` (default
`artifacts/screenshots/`, which .ci/run keeps), one folder per role, one file per page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from isms.models import Role
from tests.browser import log_in
from tests.demo_pages import demo_pages

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SHOTS = Path(os.environ.get("GUARDRAIL_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")

# Serious and critical violations, each with the first few elements it names.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help} — ` +
         v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


def _file_name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") + ".png"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR])
def test_every_demo_page_passes_axe_and_is_photographed(role, browser_page, client_for, in_tenant):
    from isms.controls.loader import load_control_library
    from isms.demo import DEMO_PASSWORD, load_demo

    load_control_library()
    demo = load_demo()
    person = demo.user(role)
    urls = [url for url, _ in demo_pages(client_for(person), demo, in_tenant)]
    folder = SHOTS / role
    folder.mkdir(parents=True, exist_ok=True)
    page = browser_page
    log_in(page, person.email, DEMO_PASSWORD)
    # An init script, not a <script> tag: the Content Security Policy refuses inline scripts.
    page.context.add_init_script(path=str(AXE))
    found = {}
    for url in urls:
        page.goto(url)
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[url] = violations
        page.screenshot(path=str(folder / _file_name(url)), full_page=True)
    assert len(urls) >= 30, urls
    assert not found, "\n".join(f"{url}:\n  " + "\n  ".join(v) for url, v in found.items())
