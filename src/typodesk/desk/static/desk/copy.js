// Every "Copy" button of the desk: <button data-copy="ID of the element to copy"
// data-status="ID of a role=status element" data-done="Copied" data-failed="…">. The button
// says "Copied" (data-done) and the status element, a live region, says it to screen readers.
// A static file: the desk's Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!source) return;
    var text = source.value !== undefined && source.tagName !== "BUTTON" ? source.value : source.textContent;
    if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
    function done(ok) {
      var message = ok ? button.getAttribute("data-done") : button.getAttribute("data-failed");
      button.textContent = ok ? message : button.getAttribute("data-label");
      button.classList.toggle("copied", ok);
      if (status) {
        // Emptied first, so that a second copy is announced again.
        status.textContent = "";
        window.setTimeout(function () { status.textContent = message; }, 50);
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(text)); });
    } else {
      done(fallback(text));
    }
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "sr-only";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
  function reveal() {
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reveal);
  else reveal();
})();
