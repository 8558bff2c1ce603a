// Pickers that scale (isms.pickers): a <select data-picker="members"> holds only what is
// chosen; Tom Select (vendored) asks /o/<slug>/pick/<source>/?q=… as the user types, so a
// page never lists 10,000 members. No inline script or style element: the CSP allows none.
(function () {
  "use strict";

  function search(select) {
    const base = document.body.dataset.pickBase;
    const url = new URL(base + select.dataset.picker + "/", document.baseURI);
    return function (query, callback) {
      const tom = this;
      url.search = "";
      url.searchParams.set("q", query);
      if (select.dataset.pickerScope) { url.searchParams.set("scope", select.dataset.pickerScope); }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          tom.clearOptions();  // show the server's answer to this query, not earlier ones
          callback(data.results);
          select.dataset.pickerAnswered = query;  // the query whose answer is on show
        })
        .catch(function () { callback(); });
    };
  }

  function enhance(root) {
    if (!window.TomSelect || !document.body.dataset.pickBase) { return; }
    root.querySelectorAll("select[data-picker]").forEach(function (select) {
      if (select.tomselect) { return; }
      // Tom Select points the <label> at its own search box, the one control assistive
      // technology should meet; the original <select> (kept, visually hidden and out of the
      // tab order, for the form) keeps the label's words as its name and leaves the
      // accessibility tree, so a screen reader does not announce the field twice.
      const label = select.id && document.querySelector('label[for="' + select.id + '"]');
      const name = label ? label.textContent.trim() : select.getAttribute("aria-label");
      if (name) { select.setAttribute("aria-label", name); }
      select.setAttribute("aria-hidden", "true");
      new window.TomSelect(select, {
        valueField: "value",
        labelField: "text",
        searchField: [],  // the server has matched already
        maxOptions: null,
        preload: "focus",
        closeAfterSelect: true,
        loadThrottle: 200,
        allowEmptyOption: !select.multiple,
        placeholder: select.dataset.placeholder,
        plugins: select.multiple ? ["remove_button"] : [],
        shouldLoad: function () { return true; },
        load: search(select),
        render: {
          no_results: function () { return "<div class=\"no-results\">No match</div>"; },
          loading: function () { return "<div class=\"spinner-border spinner-border-sm m-2\" role=\"status\"><span class=\"visually-hidden\">Searching…</span></div>"; },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
