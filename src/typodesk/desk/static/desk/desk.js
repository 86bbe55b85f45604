/* typodesk desk: keyboard shortcuts, the inbox's selection, status changes in place and their
 * undo. A static file (the desk's CSP allows no inline script); every page of the desk loads it
 * (desk/base.html). Without it every action is a plain form post and a redirect.
 *
 * THE data-key CONTRACT (any desk page may use it)
 *   An element with data-key="K" (a single lower-case character) is activated when the key K
 *   is pressed: a link is followed, anything else is clicked (a submit button submits its form).
 *   Keys in use: f fixed, n not a mistake, s spam, r reopen, o open on the page, z undo (the
 *   toast's Undo button).
 *   - Not while typing: keys in inputs, text areas, selects and editable elements are ignored,
 *     and so are keys with Ctrl, Alt or Meta held.
 *   - Inside a list with rows (an element with data-rows holding elements with data-row), the
 *     element of the current row wins; otherwise the first element with that data-key in the
 *     document that is not inside a row. Disabled or hidden elements are skipped.
 *   - A button with data-bulk (the inbox's bulk actions, in form#bulk) acts on the selected rows;
 *     with none selected, its key acts on the current row. The buttons are disabled while
 *     nothing is selected.
 *   - List keys: j / k move the current row (focus goes to its data-open link, so Enter opens
 *     it); past the last row j follows the pager's rel="next" link and lands on that page's first
 *     row, before the first row k follows rel="prev" and lands on its last row. x toggles the
 *     current row's data-select checkbox. "?" opens the help dialog (#keys-help, a modal
 *     <dialog>: focus stays inside, Escape closes; pages add their keys to it through the
 *     "shortcuts" block of desk/base.html).
 *   - On a finding's page (an element with data-finding-page="{pk}"): j / k open the next /
 *     previous finding of the list the editor came from (remembered in sessionStorage when the
 *     list was shown), Escape goes back to that list at this finding's row.
 *
 * IN PLACE (the inbox): form#bulk is posted with fetch (Accept: application/json; the server
 * answers JSON, desk/actions.py). Rows whose finding left the list's status tab are taken out,
 * the others show their new status, and the cursor moves to the next row. The toast
 * ([data-toast-region], desk/_toast.html: an aria-live region) says what changed and offers Undo
 * (z); it stays until the next action or Dismiss. A change of more findings than the server's
 * threshold is confirmed in a dialog first. Keys are handled one after another: a key pressed
 * while a change is on its way acts once the change is done.
 */
(function () {
  "use strict";

  var LIST_KEY = "typodesk.list";

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

  function toArray(list) {
    return Array.prototype.slice.call(list);
  }

  function rows() {
    return toArray(document.querySelectorAll("[data-rows] [data-row]"));
  }

  function rowOf(id) {
    return document.querySelector('[data-rows] [data-row][data-finding="' + id + '"]');
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

  function pagerLink(rel) {
    var a = document.querySelector('a[rel~="' + rel + '"]');
    return a ? a.href : null;
  }

  function move(step) {
    var all = rows();
    var i = all.indexOf(current);
    if (all.length && i < 0) {
      setCurrent(all[step > 0 ? 0 : all.length - 1]);
      return;
    }
    var to = i + step;
    if (to >= 0 && to < all.length) {
      setCurrent(all[to]);
      return;
    }
    // Past either end of the page: the next or previous page, landing on its first or last row.
    var href = pagerLink(step > 0 ? "next" : "prev");
    if (href) location.href = withHash(href, step > 0 ? "row=first" : "row=last");
  }

  function withHash(href, hash) {
    return href.split("#")[0] + "#" + hash;
  }

  function boxes() {
    return toArray(document.querySelectorAll("[data-rows] [data-select]"));
  }

  function selectedIds() {
    return boxes().filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
  }

  function updateSelection() {
    var all = boxes();
    var checked = all.filter(function (b) { return b.checked; });
    var selectAll = document.querySelector("[data-select-all]");
    if (selectAll) {
      selectAll.checked = all.length > 0 && checked.length === all.length;
      selectAll.indeterminate = checked.length > 0 && checked.length < all.length;
      selectAll.disabled = all.length === 0;
    }
    all.forEach(function (b) {
      var row = b.closest("[data-row]");
      if (row) row.classList.toggle("is-selected", b.checked);
    });
    toArray(document.querySelectorAll("#bulk [data-bulk]")).forEach(function (button) {
      button.disabled = checked.length === 0;
    });
  }

  function target(key) {
    var selector = '[data-key="' + key + '"]';
    if (current) {
      var inRow = toArray(current.querySelectorAll(selector)).filter(visible);
      if (inRow.length) return inRow[0];
    }
    var all = toArray(document.querySelectorAll(selector)).filter(function (el) {
      return !el.closest("[data-row]") && visible(el);
    });
    return all[0] || null;
  }

  // The list the editor sees, for the finding page's j / k / Escape ------------------------

  function saveList() {
    if (!document.querySelector("[data-rows]")) return;
    var list = {
      url: location.pathname + location.search,
      rows: rows().map(function (row) {
        var link = row.querySelector("[data-open]");
        return { id: row.getAttribute("data-finding"), href: link ? link.href : null };
      }),
      next: pagerLink("next"),
      prev: pagerLink("prev"),
    };
    try {
      sessionStorage.setItem(LIST_KEY, JSON.stringify(list));
    } catch (err) { /* storage full or refused: the finding page's j / k do nothing */ }
  }

  function loadList() {
    try {
      var list = JSON.parse(sessionStorage.getItem(LIST_KEY) || "null");
      return list && Array.isArray(list.rows) ? list : null;
    } catch (err) {
      return null;
    }
  }

  // Where the page lands: "#row=first", "#row=last" or "#row={pk}" (the cursor goes there);
  // "#open=first" or "#open=last" (that row's finding opens at once: the finding page's j / k
  // past the end of its list).
  function land() {
    var m = /^#(row|open)=(first|last|\d+)$/.exec(location.hash);
    if (!m || !document.querySelector("[data-rows]")) return;
    var all = rows();
    var row = null;
    if (m[2] === "first") row = all[0] || null;
    else if (m[2] === "last") row = all[all.length - 1] || null;
    else row = rowOf(m[2]) || rowAfter(m[2], all);
    history.replaceState(null, "", location.pathname + location.search);
    if (!row) return;
    if (m[1] === "open") {
      var link = row.querySelector("[data-open]");
      if (link) {
        location.replace(link.href);
        return;
      }
    }
    setCurrent(row);
  }

  // The row of the list as it was remembered that follows the finding ``id`` (which is no longer
  // on the list: the editor changed it on its page), else the last row.
  function rowAfter(id, all) {
    var list = loadList();
    if (list) {
      var ids = list.rows.map(function (r) { return r.id; });
      for (var i = ids.indexOf(String(id)) + 1; i > 0 && i < ids.length; i++) {
        var row = rowOf(ids[i]);
        if (row) return row;
      }
    }
    return all[all.length - 1] || null;
  }

  function findingPageKey(key) {
    var page = document.querySelector("[data-finding-page]");
    if (!page) return false;
    var id = page.getAttribute("data-finding-page");
    var list = loadList();
    if (key === "Escape") {
      var home = document.querySelector("a.brand");
      location.href = list ? withHash(list.url, "row=" + id) : home ? home.href : "/";
      return true;
    }
    if (!list) return false;
    var ids = list.rows.map(function (r) { return r.id; });
    var i = ids.indexOf(id);
    if (i < 0) return false;
    var step = key === "j" ? 1 : -1;
    var next = list.rows[i + step];
    if (next && next.href) location.href = next.href;
    else if (step > 0 && list.next) location.href = withHash(list.next, "open=first");
    else if (step < 0 && list.prev) location.href = withHash(list.prev, "open=last");
    else return false;
    return true;
  }

  // Changes in place -------------------------------------------------------------------------

  var order = []; // the rows' finding ids as the page listed them: where a row comes back

  function region() {
    return document.querySelector("[data-toast-region]");
  }

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function showToast(message, token, isError) {
    var box = region();
    if (!box) return;
    var toast = document.createElement("div");
    toast.className = "toast" + (isError ? " is-error" : "");
    toast.setAttribute("data-toast", "");
    var text = document.createElement("p");
    text.setAttribute("role", isError ? "alert" : "status");
    text.textContent = message;
    toast.appendChild(text);
    if (token) {
      var form = document.createElement("form");
      form.method = "post";
      form.action = box.getAttribute("data-undo-url");
      form.setAttribute("data-undo", "");
      form.appendChild(hidden("csrfmiddlewaretoken", csrfToken()));
      form.appendChild(hidden("token", token));
      form.appendChild(hidden("next", location.pathname + location.search));
      var undo = document.createElement("button");
      undo.type = "submit";
      undo.setAttribute("data-key", "z");
      undo.setAttribute("aria-keyshortcuts", "z");
      undo.textContent = box.getAttribute("data-undo-label") + " ";
      var kbd = document.createElement("kbd");
      kbd.setAttribute("aria-hidden", "true");
      kbd.textContent = "z";
      undo.appendChild(kbd);
      form.appendChild(undo);
      toast.appendChild(form);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "secondary";
    close.setAttribute("data-toast-close", "");
    close.textContent = box.getAttribute("data-dismiss-label");
    toast.appendChild(close);
    box.replaceChildren(toast);
  }

  function dismissToast() {
    var box = region();
    if (box) box.replaceChildren();
    if (current) setCurrent(current);
  }

  function failed(message) {
    var box = region();
    showToast(message || (box && box.getAttribute("data-failed")) || "Error", null, true);
  }

  // Post ``data`` to ``url`` asking for JSON; the answer's JSON, or an error shown in the toast.
  function post(url, data) {
    data.set("csrfmiddlewaretoken", csrfToken());
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (r) {
      var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? r.json() : Promise.resolve({})).then(function (body) {
        if (!r.ok) {
          failed(body.error);
          return null;
        }
        return body;
      });
    }, function () {
      failed();
      return null;
    });
  }

  function restoreRow(row) {
    var id = row.getAttribute("data-finding");
    var list = document.querySelector("[data-rows]");
    var at = order.indexOf(id);
    for (var i = at + 1; at >= 0 && i < order.length; i++) {
      var after = rowOf(order[i]);
      if (after) {
        after.parentNode.insertBefore(row, after);
        return;
      }
    }
    list.appendChild(row);
  }

  var removed = {}; // finding id -> its row, taken out of the list

  // The answer's findings: each row leaves the list or shows its new status; the cursor moves
  // from a row that left to the next one (or the last one).
  function apply(findings, focusRestored) {
    var before = rows();
    var at = before.indexOf(current);
    var firstBack = null;
    findings.forEach(function (f) {
      var id = String(f.id);
      var row = rowOf(id) || removed[id];
      if (!row) return;
      row.className = row.className.replace(/\bstatus-\S+/g, "").trim() + " status-" + f.status;
      var badge = row.querySelector(".badge");
      if (badge) badge.textContent = f.label;
      var box = row.querySelector("[data-select]");
      if (box) box.checked = false;
      if (!f.in_list && row.parentNode) {
        removed[id] = row;
        row.classList.remove("is-current");
        row.remove();
      } else if (f.in_list && !row.parentNode) {
        delete removed[id];
        restoreRow(row);
        if (!firstBack) firstBack = row;
      }
    });
    var after = rows();
    if (focusRestored && firstBack) {
      setCurrent(firstBack);
    } else if (current && after.indexOf(current) < 0) {
      var next = null;
      for (var i = at + 1; i < before.length && !next; i++) {
        if (after.indexOf(before[i]) >= 0) next = before[i];
      }
      current = null;
      setCurrent(next || after[after.length - 1] || null);
      if (!current) {
        var bulk = document.getElementById("bulk");
        if (bulk) bulk.focus();
      }
    }
    updateSelection();
    saveList();
  }

  function confirmLarge(question, yes) {
    return new Promise(function (resolve) {
      var box = region();
      var dialog = document.createElement("dialog");
      dialog.className = "confirm-bulk";
      dialog.setAttribute("aria-labelledby", "confirm-bulk-question");
      var p = document.createElement("p");
      p.id = "confirm-bulk-question";
      p.textContent = question;
      var buttons = document.createElement("div");
      buttons.className = "buttons";
      var ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = yes;
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "secondary";
      cancel.textContent = (box && box.getAttribute("data-cancel-label")) || "Cancel";
      buttons.appendChild(ok);
      buttons.appendChild(cancel);
      dialog.appendChild(p);
      dialog.appendChild(buttons);
      document.body.appendChild(dialog);
      var answer = false;
      ok.addEventListener("click", function () { answer = true; dialog.close(); });
      cancel.addEventListener("click", function () { dialog.close(); });
      dialog.addEventListener("close", function () {
        dialog.remove();
        if (current) setCurrent(current);
        resolve(answer);
      });
      dialog.showModal();
      cancel.focus(); // the safe choice has the focus: Enter alone changes nothing
    });
  }

  function act(status, ids, confirmed) {
    var form = document.getElementById("bulk");
    if (!form || !ids.length) return Promise.resolve();
    var data = new FormData();
    data.set("status", status);
    data.set("next", location.pathname + location.search);
    ids.forEach(function (id) { data.append("finding", id); });
    if (confirmed) data.set("confirm", "1");
    return post(form.action, data).then(function (body) {
      if (!body) return null;
      if (body.confirm) {
        return confirmLarge(body.confirm.question, body.confirm.yes).then(function (yes) {
          return yes ? act(status, ids, true) : null;
        });
      }
      apply(body.findings || []);
      showToast(body.message, body.undo);
      return null;
    });
  }

  function undoChange(form) {
    var data = new FormData(form);
    data.set("next", location.pathname + location.search);
    return post(form.action, data).then(function (body) {
      if (!body) return;
      apply(body.findings || [], true);
      showToast(body.message, null);
    });
  }

  // One thing at a time: keys and clicks pressed while a change is on its way wait for it.
  var queue = Promise.resolve();

  function run(fn) {
    queue = queue.then(fn).catch(function () { failed(); });
  }

  var inPlace = false; // the inbox with its list: changes are made in place

  function bulkButton(key) {
    return document.querySelector('#bulk [data-bulk][data-key="' + key + '"]');
  }

  // Keys ------------------------------------------------------------------------------------

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
    if (document.querySelector("dialog[open]")) return; // a dialog handles its own keys
    var key = e.key;
    if (key === "?") {
      e.preventDefault();
      openHelp();
      return;
    }
    if (key === "Escape" && document.querySelector("[data-finding-page]")) {
      if (findingPageKey(key)) e.preventDefault();
      return;
    }
    if (key === "j" || key === "k") {
      if (document.querySelector("[data-rows]")) {
        e.preventDefault();
        run(function () { move(key === "j" ? 1 : -1); });
      } else if (document.querySelector("[data-finding-page]")) {
        if (findingPageKey(key)) e.preventDefault();
      }
      return;
    }
    if (key === "x" && document.querySelector("[data-rows] [data-select]")) {
      e.preventDefault();
      run(function () {
        var box = current && current.querySelector("[data-select]");
        if (box) {
          box.checked = !box.checked;
          updateSelection();
        }
      });
      return;
    }
    if (key.length !== 1 || !/[a-z]/.test(key)) return;
    if (inPlace && (bulkButton(key) || key === "z")) {
      e.preventDefault();
      run(function () {
        var button = bulkButton(key);
        if (button) {
          var ids = selectedIds();
          if (!ids.length && current && current.querySelector("[data-select]")) {
            ids = [current.getAttribute("data-finding")];
          }
          return act(button.value, ids);
        }
        var undo = target("z");
        if (undo && undo.form) return undoChange(undo.form);
        return null;
      });
      return;
    }
    var el = target(key);
    if (el) {
      e.preventDefault();
      el.click();
    }
  });

  // The bulk form and the toast's Undo, clicked: in place on the inbox.
  document.addEventListener("submit", function (e) {
    if (!inPlace) return;
    var form = e.target;
    if (form.id === "bulk" && e.submitter && e.submitter.hasAttribute("data-bulk")) {
      e.preventDefault();
      var status = e.submitter.value;
      var ids = selectedIds();
      run(function () { return act(status, ids); });
    } else if (form.hasAttribute("data-undo")) {
      e.preventDefault();
      run(function () { return undoChange(form); });
    }
  });

  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest("[data-toast-close]");
    if (close) dismissToast();
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
    inPlace = !!(document.querySelector("[data-rows]") && window.fetch && window.FormData);
    order = rows().map(function (row) { return row.getAttribute("data-finding"); });
    toArray(document.querySelectorAll("[data-toast-close][hidden]")).forEach(function (b) {
      b.hidden = false;
    });
    updateSelection();
    saveList();
    land();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "?" && !typing(e.target)) lastFocus = e.target;
  }, true);
})();
