"""Helpers for Playwright journeys (the `browser_page` fixture is in conftest)."""

from playwright.sync_api import expect


def log_in(page, email: str, password: str = "pw-test-123!") -> None:
    """Log in through the real form."""
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _await_picker(control, condition: str, arg=None) -> None:
    """Wait until `condition` (JavaScript over `tom`, the Tom Select instance behind the
    picker's search box `control`, and `arg`) holds."""
    control.page.wait_for_function(
        f"""([input, arg]) => {{
            const select = document.getElementById(input.id.replace(/-ts-control$/, ""));
            const tom = select.tomselect;
            return {condition};
        }}""",
        arg=[control.element_handle(), arg],
    )


def await_answer(control, query: str) -> None:
    """Wait until the picker shows the server's answer to `query` and no other answer is on
    its way. Tom Select asks 200 ms after the last key: options drawn from an earlier answer
    (the preload on focus, a shorter query) are replaced, and the list reopened over the
    form, when a later answer arrives. picker.js marks the query whose answer it shows."""
    _await_picker(control, "select.dataset.pickerAnswered === arg && tom.loading === 0", query)


def open_picker(control) -> None:
    """Click the picker open, as a person would, and wait until it has settled: focused, with
    its first answer (the preload on focus) drawn. Typing earlier races Tom Select's own
    focus handling, which empties the search box when it closes a list it just opened."""
    wrapper = control.locator("xpath=ancestor::div[contains(@class, 'ts-wrapper')][1]")
    wrapper.locator(".ts-control").click()
    expect(control).to_be_focused()
    _await_picker(
        control, 'tom.isFocused && tom.wrapper.classList.contains("preloaded") && !tom.loading'
    )


def pick(scope, label: str, search: str) -> None:
    """Choose in a searchable picker (isms.pickers, Tom Select): type `search` into the picker
    labelled `label` and click the first option that contains it."""
    control = scope.get_by_role("combobox", name=label, exact=True)
    wrapper = control.locator("xpath=ancestor::div[contains(@class, 'ts-wrapper')][1]")
    open_picker(control)
    control.page.keyboard.type(search)
    await_answer(control, search)
    wrapper.get_by_role("option").filter(has_text=search).first.click()
    wrapper.locator(".ts-control .item").filter(has_text=search).wait_for()
    control.press("Escape")  # the picker keeps focus with its list open: close it
    control.evaluate("input => input.blur()")
    expect(wrapper.locator(".ts-dropdown")).to_be_hidden()


# --- Keyboard only (issue 17: "keyboard-only use of the main forms works") -----------------
# These move and act with the keyboard alone. A locator is used only to ask "is this the
# element that has the focus now?", never to click or fill.


def is_focused(locator) -> bool:
    return locator.count() == 1 and locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, *, backwards: bool = False, limit: int = 120) -> int:
    """Press Tab (Shift+Tab when `backwards`) until `locator` has the focus; the number of
    presses it took. Fails if it is not reached in `limit` presses (out of the tab order)."""
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if is_focused(locator):
            return presses
    raise AssertionError(f"{locator} was not reached with {key} in {limit} presses")


def focus_ring(locator) -> dict:
    """The focused element's visible focus indicator: its outline and box shadow."""
    return locator.evaluate(
        """el => { const s = getComputedStyle(el);
                   return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                           shadow: s.boxShadow !== 'none', style: s.outlineStyle + ' '
                           + s.outlineWidth + ' / ' + s.boxShadow}; }"""
    )


def has_focus_ring(locator) -> bool:
    ring = focus_ring(locator)
    return ring["outline"] or ring["shadow"]


def keyboard_pick(page, label: str, search: str) -> None:
    """In a Tom Select picker that has the focus: type, wait for the server's answer, move to
    the matching option with the arrow keys and choose it with Enter."""
    control = page.get_by_role("combobox", name=label, exact=True)
    assert is_focused(control), f"the picker {label!r} should have the focus"
    wrapper = control.locator("xpath=ancestor::div[contains(@class, 'ts-wrapper')][1]")
    page.keyboard.type(search, delay=20)
    await_answer(control, search)
    for _ in range(20):
        active = wrapper.locator(".ts-dropdown .option.active")
        if active.count() and search.lower() in active.inner_text().lower():
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wrapper.locator(".ts-control .item").filter(has_text=search).wait_for()
