// The only hand-written script: small enhancements on top of forms that work without it.
(function () {
  "use strict";

  // Ask before destructive one-button forms (deactivate, reset); without JS they just submit.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // htmx sends its request from the form's own submit handler: ask there, once.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var message = elt.getAttribute && elt.getAttribute("data-confirm");
    if (!message) return;
    event.preventDefault();
    if (window.confirm(message)) event.detail.issueRequest(true);
  });

  // Close the menu when a click leaves it, or on Escape, as a phone user expects.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // Stepper buttons (−/+) next to count inputs.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-step]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-for"));
    if (!input || input.disabled) return;
    var next = Math.max(0, (parseFloat(input.value) || 0) + parseFloat(button.getAttribute("data-step")));
    input.value = String(next);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // The report's Print button opens the browser's print dialog (no inline script under the CSP).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // ---- autosave states: saving, saved, not saved (retried), error --------------------------
  var form = document.querySelector("[data-autosave]");
  if (!form) return;
  var pending = new Set(); // criteria whose last save did not reach the server

  function criterionOf(elt) {
    return elt && elt.closest ? elt.closest("fieldset.criterion") : null;
  }
  function statusOf(fieldset) {
    return fieldset.querySelector(".crit-status");
  }
  function setState(fieldset, state, text) {
    var status = statusOf(fieldset);
    if (!status) return;
    status.setAttribute("data-state", state);
    var label = status.querySelector(".save-state");
    if (label && text) label.textContent = text;
  }

  // Typed but not yet sent (the save waits for a pause in typing): still worth a warning.
  var typing = new Set();
  form.addEventListener("input", function (event) {
    var fieldset = criterionOf(event.target);
    if (fieldset && fieldset.hasAttribute("hx-post")) typing.add(fieldset.id);
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var fieldset = criterionOf(event.detail.elt);
    if (!fieldset) return;
    typing.delete(fieldset.id);
    setState(fieldset, "saving", form.getAttribute("data-msg-saving"));
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var fieldset = criterionOf(event.detail.elt);
    if (!fieldset) return;
    var xhr = event.detail.xhr;
    if (event.detail.successful || (xhr && (xhr.status === 422 || xhr.status === 409))) {
      pending.delete(fieldset.id); // the server answered: saved, or said what is wrong
    }
  });
  function markUnsaved(event) {
    var fieldset = criterionOf(event.detail.elt);
    if (!fieldset) return;
    var xhr = event.detail.xhr;
    // Network drop, timeout or a server error: keep the value on screen and try again later.
    if (!xhr || xhr.status === 0 || xhr.status >= 500) {
      pending.add(fieldset.id);
      setState(fieldset, "unsaved", form.getAttribute("data-msg-unsaved"));
    } else if (xhr.status === 403) {
      setState(fieldset, "error", xhr.responseText);
    }
  }
  document.body.addEventListener("htmx:sendError", markUnsaved);
  document.body.addEventListener("htmx:responseError", markUnsaved);
  document.body.addEventListener("htmx:timeout", markUnsaved);

  function retry() {
    pending.forEach(function (id) {
      var fieldset = document.getElementById(id);
      if (fieldset && window.htmx) window.htmx.trigger(fieldset, "change");
    });
  }
  window.addEventListener("online", retry);
  window.setInterval(function () {
    if (pending.size && navigator.onLine !== false) retry();
  }, 5000);

  window.addEventListener("beforeunload", function (event) {
    var saving = form.querySelector('.crit-status[data-state="saving"]');
    if (pending.size || typing.size || saving) {
      event.preventDefault();
      event.returnValue = form.getAttribute("data-msg-leave");
      return event.returnValue;
    }
  });
})();
