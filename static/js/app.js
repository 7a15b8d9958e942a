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

  // Rows of links that scroll sideways on a phone (a campaign's pages, the form's areas) start
  // with the current one in view, also when a save redraws them; otherwise it may sit off-screen.
  function showCurrent(scope) {
    var lists = Array.prototype.slice.call(scope.querySelectorAll(".campaign-nav ul, .areas ul"));
    if (scope.matches && scope.matches(".campaign-nav, .areas")) lists.push(scope.querySelector("ul"));
    lists.forEach(function (list) {
      var current = list && list.querySelector("[aria-current]");
      if (!current || list.scrollWidth <= list.clientWidth) return;
      var item = current.getBoundingClientRect();
      var box = list.getBoundingClientRect();
      list.scrollLeft += item.left - box.left - (box.width - item.width) / 2;
    });
  }
  showCurrent(document);
  // htmx fires this on the element put in place (the one it replaced is gone by then).
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target.nodeType === 1) showCurrent(event.target);
  });

  // Table rows folded on a phone (the ranking): each row's button unfolds its other figures.
  // The buttons come hidden, so a page without script keeps every figure in view.
  function armToggles(scope, open) {
    scope.querySelectorAll("button.row-toggle").forEach(function (button) {
      button.hidden = false;
      var row = button.closest("tr");
      if (open && row && open.indexOf(row.getAttribute("data-unit")) >= 0) {
        button.setAttribute("aria-expanded", "true");
      }
    });
  }
  armToggles(document);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.row-toggle");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
  });
  // A live ranking redraws itself when figures change: rows the reader unfolded stay unfolded.
  var unfolded = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    unfolded = [];
    document.querySelectorAll('button.row-toggle[aria-expanded="true"]').forEach(function (b) {
      var row = b.closest("tr");
      if (row) unfolded.push(row.getAttribute("data-unit"));
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    armToggles(document, unfolded);
  });

  // ---- a section declared not applicable: its criteria are set aside at once -------------
  // (the reason field shows through app.css; here it becomes required, and the criteria below
  // the section are disabled as the server renders them once the declaration is saved).
  function sectionsAbove(fieldset) {
    try {
      return JSON.parse(fieldset.getAttribute("data-na-under")) || [];
    } catch (e) {
      return [];
    }
  }
  function applyNotApplicable() {
    var declared = {};
    document.querySelectorAll("input.na-toggle").forEach(function (toggle) {
      var code = toggle.getAttribute("data-na-section");
      declared[code] = toggle.checked;
      var reason = document.getElementById("expl-" + code);
      if (reason) reason.required = toggle.checked;
    });
    document.querySelectorAll("fieldset[data-na-under]").forEach(function (fieldset) {
      fieldset.disabled = sectionsAbove(fieldset).some(function (code) { return declared[code]; });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input.na-toggle")) applyNotApplicable();
  });

  // ---- autosave states: saving, saved, not saved (retried), error --------------------------
  var form = document.querySelector("[data-autosave]");
  if (!form) return;
  var pending = new Set(); // criteria whose last save did not reach the server

  function criterionOf(elt) {
    return elt && elt.closest ? elt.closest("fieldset.criterion") : null;
  }
  function autosaved(elt) {
    var fieldset = criterionOf(elt);
    return fieldset && fieldset.hasAttribute("hx-post") ? fieldset : null;
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
  function fieldsOf(fieldset) {
    return fieldset.querySelectorAll("input:not([type=hidden]), textarea");
  }
  function valueOf(field) {
    return field.type === "checkbox" || field.type === "radio" ? field.checked : field.value;
  }

  // What is unsaved: a field whose value differs from the last one the server acknowledged (at
  // first, the one the page came with), from the first keystroke until its save is answered.
  // A field re-sent unchanged (a change event on leaving it) stays clean.
  var acked = new Map(); // field -> the value the server last acknowledged
  var sent = new Map(); // field -> the value the request in flight carries
  function unsaved(field) {
    var saved = acked.has(field)
      ? acked.get(field)
      : field.type === "checkbox" || field.type === "radio"
        ? field.defaultChecked
        : field.defaultValue;
    return valueOf(field) !== saved;
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var fieldset = autosaved(event.detail.elt);
    if (!fieldset) return;
    fieldsOf(fieldset).forEach(function (field) { sent.set(field, valueOf(field)); });
    setState(fieldset, "saving", form.getAttribute("data-msg-saving"));
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var fieldset = autosaved(event.detail.elt);
    if (!fieldset) return;
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var saved = status >= 200 && status < 300;
    fieldsOf(fieldset).forEach(function (field) {
      if (saved && sent.has(field)) acked.set(field, sent.get(field));
      sent.delete(field);
    });
    if (saved || status === 422 || status === 409) {
      pending.delete(fieldset.id); // the server answered: saved, or said what is wrong
    }
    // The answer names the field it refuses (data-invalid): only that one is marked invalid.
    var answer = statusOf(fieldset);
    var invalid = answer && answer.getAttribute("data-invalid");
    fieldsOf(fieldset).forEach(function (field) {
      if (field.id && field.id === invalid) field.setAttribute("aria-invalid", "true");
      else if (saved || invalid) field.removeAttribute("aria-invalid");
    });
  });
  function markUnsaved(event) {
    var fieldset = autosaved(event.detail.elt);
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

  // A plain form that is being sent carries its own fields: leaving for its answer loses nothing.
  var sending = null;
  document.addEventListener("submit", function (event) {
    sending = event.defaultPrevented ? null : event.target;
  });
  window.addEventListener("beforeunload", function (event) {
    var left = Array.prototype.some.call(
      form.querySelectorAll("fieldset.criterion[hx-post]"),
      function (fieldset) {
        return Array.prototype.some.call(fieldsOf(fieldset), function (field) {
          return !field.matches(":disabled") && field.form !== sending && unsaved(field);
        });
      }
    );
    sending = null;
    if (left) {
      event.preventDefault();
      event.returnValue = form.getAttribute("data-msg-leave");
      return event.returnValue;
    }
  });
})();
