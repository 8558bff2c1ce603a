"""Keyboard-only use of the main forms (issue 17, accessibility; WCAG 2.1.1 Keyboard, 2.4.1
Bypass Blocks, 2.4.7 Focus Visible): an officer logs in, registers an AI asset through its
form (a searchable picker included), finds it in the register and opens it; then asks for an
AI change through the change-request form; a supplier answers its assessment through the
portal. Only Tab, Shift+Tab, Enter, Space, the arrow keys and typing are used: locators only
ask which element has the focus (tests/browser.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from assets.models import Asset
from isms.models import Role
from risks.models import AIChangeRequest
from suppliers.models import SupplierAnswer
from tests.assets.factories import AssetFactory
from tests.browser import focus_ring, has_focus_ring, is_focused, keyboard_pick, tab_to
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-test-123!"
SHOTS_DIR = (
    Path(
        os.environ.get("GUARDRAIL_SCREENSHOTS")
        or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    )
    / "keyboard"
)
SHOTS_DIR.mkdir(parents=True, exist_ok=True)
SHOTS = str(SHOTS_DIR / "journey")


def _choose(page, select, value: str, limit: int = 40) -> None:
    """A native <select> with the focus: the arrow keys move through its options."""
    assert is_focused(select)
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(limit):
            if select.input_value() == value:
                return
            page.keyboard.press(key)
    raise AssertionError(f"{value!r} not reached with the arrow keys")


def _log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("E-mail address"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/o/[^/]+/$"))


def _world(in_tenant):
    org = OrganizationFactory(name="Keys Ltd", slug="keys")
    officer = MembershipFactory(
        organization=org,
        role=Role.OFFICER,
        user=UserFactory(first_name="Olive", last_name="Officer"),
    ).user
    zed = MembershipFactory(
        organization=org,
        role=Role.CONTRIBUTOR,
        user=UserFactory(first_name="Zed", last_name="Zulu"),
    ).user
    approver = MembershipFactory(
        organization=org, role=Role.ADMIN, user=UserFactory(first_name="Ada", last_name="Admin")
    ).user
    for user in (officer, zed, approver):
        user.set_password(PASSWORD)
        user.save()
    with in_tenant(org):
        AssetFactory(organization=org, name="Older dataset", owner=officer)
    return org, officer, zed, approver


def test_an_officer_registers_an_ai_asset_with_the_keyboard_alone(browser_page, in_tenant):
    page = browser_page
    org, officer, zed, _ = _world(in_tenant)
    _log_in(page, officer.email)

    # The first Tab of a page reaches "Skip to content", shown when focused; Enter skips
    # the navigation.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert is_focused(skip) and skip.is_visible() and has_focus_ring(skip)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    # To the register through the navigation (Shift+Tab from the content walks back up into
    # it), then "Add asset".
    assets_link = page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Assets"
    )
    tab_to(page, assets_link, backwards=True)
    assert has_focus_ring(assets_link), focus_ring(assets_link)
    page.keyboard.press("Enter")
    page.wait_for_url("**/o/keys/assets/")
    add = page.get_by_role("link", name="Add asset")
    tab_to(page, add)
    assert has_focus_ring(add), focus_ring(add)
    page.keyboard.press("Enter")
    page.wait_for_url("**/o/keys/assets/new/")

    # The form: a text field, a select moved with the arrow keys, the owner picker.
    name = page.get_by_role("textbox", name="Name", exact=True)
    tab_to(page, name)
    assert has_focus_ring(name), focus_ring(name)
    page.keyboard.type("Keyboard transcriber")
    kind = page.get_by_role("combobox", name="Type", exact=True)
    tab_to(page, kind)
    _choose(page, kind, "ai_saas_tool")
    owner = page.get_by_role("combobox", name="Owner", exact=True)
    tab_to(page, owner)
    ts_control = page.locator(".ts-wrapper.focus .ts-control")
    assert has_focus_ring(ts_control) or has_focus_ring(owner), focus_ring(ts_control)
    page.keyboard.press("Backspace")  # the officer is filled in: remove, then choose Zed
    keyboard_pick(page, "Owner", "Zulu")
    page.keyboard.press("Escape")
    # A data category is a check box: Space ticks it.
    personal = page.get_by_role("checkbox", name=re.compile(r"^Personal data"))
    tab_to(page, personal)
    page.keyboard.press("Space")
    assert personal.is_checked()
    page.screenshot(path=f"{SHOTS}-asset-form.png", full_page=True)
    # Back up with Shift+Tab to the name (the order runs both ways), then on to Save.
    tab_to(page, name, backwards=True)
    save = page.get_by_role("button", name="Save")
    tab_to(page, save)
    assert has_focus_ring(save), focus_ring(save)
    page.keyboard.press("Enter")
    page.get_by_text("Keyboard transcriber added to the register.").wait_for()
    with in_tenant(org):
        asset = Asset.objects.get(name="Keyboard transcriber")
        assert (asset.owner_id, asset.asset_type) == (zed.pk, "ai_saas_tool")
        assert asset.data_categories == ["personal"]

    # Find it in the register: type in the search box, Tab to the row's link, Enter.
    tab_to(page, assets_link)
    page.keyboard.press("Enter")
    page.wait_for_url("**/o/keys/assets/")
    search = page.get_by_label("Search", exact=True)
    tab_to(page, search)
    page.keyboard.type("transcriber")
    page.wait_for_url(re.compile(r"q=transcriber"))
    row_link = page.locator("#asset-rows").get_by_role("link", name="Keyboard transcriber")
    row_link.wait_for()
    assert page.locator("#asset-rows").get_by_role("link", name="Older dataset").count() == 0
    tab_to(page, row_link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/o/keys/assets/{asset.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Keyboard transcriber")
    page.screenshot(path=f"{SHOTS}-asset-detail.png", full_page=True)


def test_the_change_request_form_with_the_keyboard_alone(browser_page, in_tenant):
    page = browser_page
    org, officer, _, approver = _world(in_tenant)
    with in_tenant(org):
        tool = AssetFactory(
            organization=org, name="Pilot notetaker", asset_type="ai_saas_tool", owner=officer
        )
    _log_in(page, officer.email)
    page.goto("/o/keys/risks/changes/new/")
    tab_to(page, page.get_by_label("What is being introduced or changed"))
    page.keyboard.type("Use Pilot notetaker for sales calls")
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label(re.compile(r"^Why")))
    page.keyboard.type("Notes take an hour per call")
    tab_to(page, page.get_by_role("combobox", name="Existing AI asset", exact=True))
    keyboard_pick(page, "Existing AI asset", tool.name)
    page.keyboard.press("Escape")
    tab_to(page, page.get_by_label("Data going in"))
    page.keyboard.type("Recordings of sales calls")
    customer = page.get_by_role("checkbox", name=re.compile(r"^Customer"))
    tab_to(page, customer)
    page.keyboard.press("Space")
    assert customer.is_checked()
    tab_to(page, page.get_by_label("Who is affected"))
    page.keyboard.type("Customers on calls")
    stage = page.get_by_label("Stage it moves to when approved")
    tab_to(page, stage)
    _choose(page, stage, "pilot")
    tab_to(page, page.get_by_role("combobox", name="Designated approver", exact=True))
    keyboard_pick(page, "Designated approver", "Ada")
    page.keyboard.press("Escape")
    page.screenshot(path=f"{SHOTS}-change-request-form.png", full_page=True)
    submit = page.get_by_role("button", name="Submit the request")
    tab_to(page, submit)
    assert has_focus_ring(submit), focus_ring(submit)
    page.keyboard.press("Enter")
    page.get_by_text("AI change request submitted.").wait_for()
    with in_tenant(org):
        change = AIChangeRequest.objects.get(title="Use Pilot notetaker for sales calls")
        assert (change.asset_id, change.approver_id) == (tool.pk, approver.pk)
        assert change.target_lifecycle == "pilot"
        assert any(c.startswith("customer") for c in change.data_categories)


def test_a_supplier_answers_its_assessment_with_the_keyboard_alone(browser_page, in_tenant):
    from tests.suppliers.test_portal import issue_link

    page = browser_page
    org = OrganizationFactory(name="Keys Ltd", slug="keys")
    token, assessment_id = issue_link(org, in_tenant, supplier_name="Chatty Assist")
    page.goto(f"/supplier-portal/{token}/")
    main = page.locator("main")
    fields = main.locator("select, input[type=date], textarea, input[type=text]")
    count = fields.count()
    assert count > 3
    answered = 0
    page.keyboard.press("Tab")
    for _ in range(count * 4 + 20):
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e && e.closest('main') ?"
            " [e.tagName, e.type || '', e.name || ''] : null; }"
        )
        if focused:
            tag, kind, _name = focused
            if tag == "SELECT":
                page.keyboard.press("ArrowDown")  # the first answer after the empty choice
                answered += 1
            elif kind == "date":
                page.keyboard.type("01012030")  # month, day, year in this browser's locale
                answered += 1
            elif tag == "TEXTAREA" or kind == "text":
                page.keyboard.type("EU only; see our DPA.")
                answered += 1
            elif tag == "BUTTON" and "Save" in (page.evaluate("document.activeElement.innerText")):
                break
        page.keyboard.press("Tab")
    assert answered >= count
    save = page.get_by_role("button", name="Save answers")
    assert is_focused(save) and has_focus_ring(save), focus_ring(save)
    page.screenshot(path=f"{SHOTS}-supplier-answers.png", full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # What was typed came back, and a second save of the unchanged page keeps it (item 1).
    dates = main.locator("input[type=date]")
    for i in range(dates.count()):
        assert dates.nth(i).input_value() == "2030-01-01"
    tab_to(page, page.get_by_role("button", name="Save answers"))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    with in_tenant(org):
        answers = list(SupplierAnswer.objects.filter(assessment_id=assessment_id))
        assert sum(1 for a in answers if a.choice) >= 1
        assert any("EU only" in a.text + a.supplier_note for a in answers)
        dated = [a for a in answers if a.date is not None]
        assert dated and all(str(a.date) == "2030-01-01" for a in dated)
