// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // Copy the resume link.
  document.querySelectorAll(".js-copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      var status = document.getElementById("copy-status");
      input.select();
      var done = function () { if (status) status.textContent = button.dataset.copied || "Lien copié."; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else { document.execCommand("copy"); done(); }
    });
  });

  // Forms that create something (a diagnostic, a note) are sent once: a double click would make two.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
  });
  // Coming back with the browser's back button shows the page as it was left: allow sending again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) { delete form.dataset.sent; });
  });

  // Show a follow-up question only when the answer it depends on matches.
  function refreshConditions(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (fieldset) {
      var source = "q_" + fieldset.dataset.showIf.replace(".", "__");
      var inputs = form.querySelectorAll('[name="' + source + '"]');
      if (!inputs.length) return; // the source question is on another page: the server decided
      var wanted = fieldset.dataset.showValues.split(" ");
      var show = Array.prototype.some.call(inputs, function (input) {
        return input.checked && wanted.indexOf(input.value) !== -1;
      });
      fieldset.hidden = !show;
      var hint = fieldset.querySelector(".condition");
      if (hint) hint.hidden = true;
    });
  }

  // Save answers as they are given, so that closing the browser loses nothing.
  document.querySelectorAll("form.js-autosave").forEach(function (form) {
    var status = form.querySelector(".autosave-status");
    var timer = null;
    refreshConditions(form);
    function save() {
      var data = new FormData(form);
      data.set("action", "autosave");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                           headers: { "X-Autosave": "1" } })
        .then(function (response) {
          if (!status) return;
          var now = new Date();
          var time = now.getHours() + ":" + String(now.getMinutes()).padStart(2, "0");
          status.textContent = response.ok
            ? (document.documentElement.lang === "en" ? "Saved at " : "Enregistré à ") + time
            : (document.documentElement.lang === "en" ? "Not saved yet: check the answers marked in red when you continue."
                                                      : "Pas encore enregistré : vérifiez vos réponses en continuant.");
        })
        .catch(function () { /* offline: the answers are saved when the page is submitted */ });
    }
    form.addEventListener("change", function () {
      refreshConditions(form);
      clearTimeout(timer);
      timer = setTimeout(save, 400);
    });
  });

  // Bring the error summary into view for keyboard and screen-reader users.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();
