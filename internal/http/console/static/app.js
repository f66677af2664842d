// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function copied(button, ok) {
    var label = button.textContent;
    button.textContent = ok ? "Copied" : "Press Ctrl+C";
    button.classList.add(ok ? "done" : "failed");
    setTimeout(function () {
      button.textContent = label;
      button.classList.remove("done", "failed");
    }, 1600);
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button.copy[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var input = button.parentElement.querySelector("input.link");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button, true); },
        function () { if (input) input.select(); copied(button, false); });
      return;
    }
    // Plain HTTP: select the text and use the legacy copy command.
    if (input) {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      copied(button, ok);
    }
  });

  // Selecting the whole link on focus makes manual copying easy.
  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("input.link")) ev.target.select();
  });
})();
