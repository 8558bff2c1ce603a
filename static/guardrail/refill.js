// A refused POST redirects back to its page (isms.views.errors.refusal_response). The server
// kept what was typed and why it was refused; this fills the form in again and puts each
// reason beside its field, so nothing typed is lost. No input is kept for secrets or files.
(function () {
  "use strict";

  function formFor(kept) {
    const forms = Array.from(document.querySelectorAll("form[method='post' i]"));
    const names = Object.keys(kept.data).concat(Object.keys(kept.errors));
    return forms.find(function (form) {
      return new URL(form.action, document.baseURI).pathname === kept.action &&
        names.some(function (name) { return form.elements.namedItem(name); });
    }) || null;
  }

  function fill(form, data) {
    Array.from(form.elements).forEach(function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden" || el.type === "password" ||
          el.type === "submit" || el.type === "button") {
        return;
      }
      const values = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = (values || []).includes(el.value);  // an unticked box is not submitted
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.from(el.options).forEach(function (o) { o.selected = (values || []).includes(o.value); });
      } else if (values !== undefined) {
        el.value = values[0];
      }
    });
  }

  function reveal(form) {
    const details = form.closest("details");
    if (details) { details.open = true; }
    const collapsed = form.closest(".collapse");
    if (collapsed) { collapsed.classList.add("show"); }
  }

  function explain(form, errors) {
    let first = null;
    Object.keys(errors).forEach(function (name) {
      const found = form.elements.namedItem(name);
      const field = found && found.length !== undefined && !found.tagName ? found[0] : found;
      if (!field) { return; }  // a reason about the whole form is in the message above
      const note = document.createElement("div");
      note.className = "invalid-feedback d-block";
      note.id = (field.id || name) + "-refused";
      note.textContent = errors[name].join(" ");
      const group = field.closest(".form-check") ? field.closest("fieldset, .mb-3") || field.parentNode : field;
      group.insertAdjacentElement("afterend", note);
      field.classList.add("is-invalid");
      field.setAttribute("aria-invalid", "true");
      const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      field.setAttribute("aria-describedby", described.concat(note.id).join(" "));
      first = first || field;
    });
    if (first) { first.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const script = document.getElementById("refused-input");
    if (!script) { return; }
    const kept = JSON.parse(script.textContent);
    const form = formFor(kept);
    if (!form) { return; }
    reveal(form);
    fill(form, kept.data);
    explain(form, kept.errors);
  });
})();
