/* typodesk desk: keyboard shortcuts and the inbox's selection. A static file (the desk's CSP
 * allows no inline script); every page of the desk loads it (desk/base.html).
 *
 * THE data-key CONTRACT (any desk page may use it)
 *   An element with data-key="K" (a single lower-case character) is activated when the key K
 *   is pressed: a link is followed, anything else is clicked (a submit button submits its form).
 *   Keys in use: f fixed, n not a mistake, s spam, r reopen, o open on the page.
 *   - Not while typing: keys in inputs, text areas, selects and editable elements are ignored,
 *     and so are keys with Ctrl, Alt or Meta held.
 *   - Inside a list with rows (an element with data-rows holding elements with data-row), the
 *     element of the current row wins; otherwise the first element with that data-key in the
 *     document that is not inside a row. Disabled or hidden elements are skipped.
 *   - A button with data-bulk (the inbox's bulk actions) acts on the selected rows; with none
 *     selected, on the current row.
 *   - List keys: j / k move the current row (focus goes to its data-open link, so Enter opens
 *     it), x toggles the current row's data-select checkbox. "?" opens the help dialog
 *     (#keys-help, a modal <dialog>: focus stays inside, Escape closes; pages add their keys to
 *     it through the "shortcuts" block of desk/base.html).
 */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var t = (el.type || "").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(t) < 0;
    }
    return false;
  }

  function visible(el) {
    return !el.disabled && !el.hidden && el.getClientRects().length > 0;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-rows] [data-row]"));
  }

  var current = null;

  function setCurrent(row, focus) {
    if (current) current.classList.remove("is-current");
    current = row;
    if (!row) return;
    row.classList.add("is-current");
    if (focus !== false) {
      var link = row.querySelector("[data-open]") || row;
      link.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(current);
    i = i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, i + step));
    setCurrent(all[i]);
  }

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-rows] [data-select]"));
  }

  function updateSelection() {
    var all = boxes();
    var checked = all.filter(function (b) { return b.checked; });
    var selectAll = document.querySelector("[data-select-all]");
    if (selectAll) {
      selectAll.checked = all.length > 0 && checked.length === all.length;
      selectAll.indeterminate = checked.length > 0 && checked.length < all.length;
    }
    all.forEach(function (b) {
      var row = b.closest("[data-row]");
      if (row) row.classList.toggle("is-selected", b.checked);
    });
  }

  function target(key) {
    var selector = '[data-key="' + key + '"]';
    if (current) {
      var inRow = Array.prototype.filter.call(current.querySelectorAll(selector), visible);
      if (inRow.length) return inRow[0];
    }
    var all = Array.prototype.filter.call(document.querySelectorAll(selector), function (el) {
      return !el.closest("[data-row]") && visible(el);
    });
    return all[0] || null;
  }

  function activate(el) {
    if (el.hasAttribute("data-bulk") && current && !boxes().some(function (b) { return b.checked; })) {
      var box = current.querySelector("[data-select]");
      if (box) box.checked = true;
    }
    el.click();
  }

  function openHelp() {
    var dialog = document.getElementById("keys-help");
    if (!dialog || dialog.open) return;
    dialog.showModal();
    var close = dialog.querySelector("button");
    if (close) close.focus();
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    if (typing(e.target)) return;
    var dialog = document.getElementById("keys-help");
    if (dialog && dialog.open) return; // the dialog handles Escape and Tab itself
    var key = e.key;
    if (key === "?") {
      e.preventDefault();
      openHelp();
      return;
    }
    if (key === "j" || key === "k") {
      if (!rows().length) return;
      e.preventDefault();
      move(key === "j" ? 1 : -1);
      return;
    }
    if (key === "x" && current) {
      var box = current.querySelector("[data-select]");
      if (box) {
        e.preventDefault();
        box.checked = !box.checked;
        updateSelection();
      }
      return;
    }
    if (key.length === 1 && /[a-z]/.test(key)) {
      var el = target(key);
      if (el) {
        e.preventDefault();
        activate(el);
      }
    }
  });

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-select-all")) {
      boxes().forEach(function (b) { b.checked = el.checked; });
    }
    if (el.hasAttribute && (el.hasAttribute("data-select-all") || el.hasAttribute("data-select"))) {
      updateSelection();
    }
  });

  // A row clicked or focused (mouse, Tab) becomes the current row too.
  document.addEventListener("focusin", function (e) {
    var row = e.target.closest && e.target.closest("[data-rows] [data-row]");
    if (row && row !== current) setCurrent(row, false);
  });

  // Closing the help gives focus back to where it was; clicking the backdrop closes it.
  var lastFocus = null;
  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("keys-help");
    if (dialog) {
      dialog.addEventListener("close", function () {
        if (lastFocus && lastFocus.focus) lastFocus.focus();
      });
      dialog.addEventListener("click", function (e) {
        if (e.target === dialog) dialog.close();
      });
    }
    updateSelection();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "?" && !typing(e.target)) lastFocus = e.target;
  }, true);
})();
