/* The finding page (desk/finding.html): "Re-check the page now" that updates the page by itself,
 * and "Mark duplicate" that finds the other finding by its words.
 *
 * The desk's Content-Security-Policy allows no inline script: everything is here, bound through
 * listeners on the document so that it keeps working after the page's content is swapped. Without
 * JavaScript both forms still work (a plain POST; a finding's number in the duplicate field).
 */
(function () {
  "use strict";

  var POLL_MS = 1500;
  var POLL_MAX = 60; // about a minute and a half, then the editor is told to reload later

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); });
  }

  // Re-check ---------------------------------------------------------------------------------

  function say(text) {
    var status = document.querySelector(".recheck-status");
    if (status) status.textContent = text;
  }

  function swapContent() {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("content");
        var main = document.getElementById("content");
        if (!fresh || !main) return;
        main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes).map(function (n) {
          return document.importNode(n, true);
        }));
      });
  }

  function waitForReading(section, url, before, message) {
    var tries = 0;
    // While it waits, the section says so (data-polling): the tests, and the styles, can see it.
    section.setAttribute("data-polling", "");
    function poll() {
      tries += 1;
      getJSON(url).then(function (now) {
        var read = now.read_at && now.read_at !== before.read_at;
        var failed = now.attempted_at && now.attempted_at !== before.attempted_at && !now.reading;
        if (read || failed) {
          swapContent().then(function () { say(message.done); });
        } else if (tries >= POLL_MAX) {
          section.removeAttribute("data-polling");
          say(message.late);
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      }).catch(function () {
        if (tries < POLL_MAX) window.setTimeout(poll, POLL_MS);
        else section.removeAttribute("data-polling");
      });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains("recheck")) return;
    var section = form.closest("[data-reading-url]");
    if (!section || !window.fetch) return;
    e.preventDefault();
    var url = section.getAttribute("data-reading-url");
    var button = form.querySelector("button");
    var message = {
      done: form.getAttribute("data-done") || "",
      late: form.getAttribute("data-late") || ""
    };
    button.disabled = true;
    getJSON(url).then(function (before) {
      return fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf(form) },
        body: new FormData(form)
      }).then(function (r) { return r.json(); }).then(function (answer) {
        say(answer.message || "");
        if (answer.scheduled) {
          waitForReading(section, url, before, message);
        } else {
          button.disabled = false;
        }
      });
    }).catch(function () { form.submit(); });
  });

  // Duplicate search -------------------------------------------------------------------------

  var timer = null;

  function candidatesOf(form) {
    return form.querySelector(".candidates");
  }

  function choose(form, item) {
    var input = form.querySelector("#duplicate-of");
    input.value = String(item.id);
    var chosen = form.querySelector(".chosen");
    chosen.replaceChildren();
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = "#" + item.id;
    var quote = document.createElement("q");
    quote.textContent = "…" + item.prefix + item.exact + item.suffix + "…";
    chosen.append(form.getAttribute("data-chosen") || "", " ", link, " ", quote, " (" + item.status_label + ")");
    chosen.hidden = false;
    var list = candidatesOf(form);
    list.hidden = true;
    list.replaceChildren();
    form.querySelector("button[value=duplicate]").focus();
  }

  function show(form, answer) {
    var list = candidatesOf(form);
    list.replaceChildren();
    if (answer.message) {
      var p = document.createElement("p");
      p.className = "meta";
      p.textContent = answer.message;
      list.append(p);
    }
    if (answer.findings && answer.findings.length) {
      var ul = document.createElement("ul");
      answer.findings.forEach(function (item) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "secondary candidate";
        var mark = document.createElement("mark");
        mark.textContent = item.exact;
        b.append("#" + item.id + " …" + item.prefix, mark, item.suffix + "… · " + item.status_label);
        b.addEventListener("click", function () { choose(form, item); });
        li.append(b);
        ul.append(li);
      });
      list.append(ul);
    }
    list.hidden = !list.childNodes.length;
  }

  document.addEventListener("input", function (e) {
    var input = e.target;
    if (input.id !== "duplicate-of") return;
    var form = input.form;
    var url = form.getAttribute("data-search-url");
    form.querySelector(".chosen").hidden = true;
    window.clearTimeout(timer);
    var q = input.value.trim();
    if (!q) { show(form, {}); return; }
    timer = window.setTimeout(function () {
      getJSON(url + "?q=" + encodeURIComponent(q)).then(function (answer) {
        if (input.value.trim() === q) show(form, answer);
      });
    }, 250);
  });
})();
