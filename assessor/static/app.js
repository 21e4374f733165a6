// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // Copy the resume link. Every message of this script comes from the page (data-* attributes), in
  // the user's language: no word shown to users is written here.
  document.querySelectorAll(".js-copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      var status = document.getElementById("copy-status");
      input.select();
      var done = function () { if (status) status.textContent = button.dataset.copied; };
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

  // Save answers as they are given, so that closing the browser loses nothing. The messages come
  // from the page (data-* of the status line), in the user's language.
  document.querySelectorAll("form.js-autosave").forEach(function (form) {
    var status = form.querySelector(".autosave-status");
    // getAttribute: the buttons named "action" shadow form.action (it would be a RadioNodeList).
    var address = form.getAttribute("action") || window.location.pathname;
    var timer = null;
    var unsaved = false; // the server may not have the answers as they are on the page
    var sending = false; // one save at a time: an older save must not land after a newer one
    var again = false; // answers changed while a save was on its way
    var held = null; // a button pressed while a save was on its way: pressed again once it is back
    refreshConditions(form);

    function show(message, moment) {
      if (!status || !message) return;
      if (moment) {
        message = message.replace("{h}", String(moment.getHours()))
                         .replace("{m}", String(moment.getMinutes()).padStart(2, "0"));
      }
      status.textContent = message;
    }

    function done(message, moment, failed) {
      sending = false;
      if (held) { var button = held; held = null; form.requestSubmit(button.submitter); return; }
      if (failed) unsaved = true; // sent again with the next change, or when the page is left
      show(message, moment);
      if (again) { again = false; save(); }
    }

    function save(leaving) {
      clearTimeout(timer);
      timer = null;
      if (!unsaved) return;
      if (sending && !leaving) { again = true; return; }
      unsaved = false;
      sending = true;
      var data = new FormData(form);
      data.set("action", "autosave");
      var messages = status ? status.dataset : {};
      // keepalive: the browser finishes the request even when the page is being closed.
      fetch(address, { method: "POST", body: data, credentials: "same-origin", keepalive: !!leaving,
                       redirect: "error", headers: { "X-Autosave": "1" } })
        .then(function (response) {
          if (response.ok) done(messages.saved, new Date());
          else if (response.status === 422) done(messages.invalid, new Date()); // the valid ones are saved
          else if (response.status === 409) done(messages.locked); // validated meanwhile: nothing to retry
          else done(messages.failed, null, true);
        }, function () { done(messages.failed, null, true); }); // offline, or no answer from the server
    }

    form.addEventListener("change", function () {
      refreshConditions(form);
      unsaved = true;
      clearTimeout(timer);
      timer = setTimeout(save, 400);
    });
    // Text being typed has no "change" until the field is left: a comment typed, then the tab
    // closed, was lost. Typing marks the page unsaved (sent when it is left) and saves after a pause.
    form.addEventListener("input", function (event) {
      if (!event.target.matches("textarea, input[type=text], input:not([type])")) return;
      unsaved = true;
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    });
    // A button sends the whole form: nothing is left for autosave to send. If a save is on its way,
    // the form waits for it: landing after the form, that older save would undo the last answers.
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      unsaved = again = false;
      if (sending) { event.preventDefault(); held = { submitter: event.submitter || undefined }; }
    });
    // The page is closed, or hidden (another tab, the phone locked) before the 400 ms: send now.
    function leave() {
      if (held) unsaved = true; // the pressed button has not sent the form yet: send the answers now
      save(true);
    }
    window.addEventListener("pagehide", leave);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") leave();
    });
  });

  // "Votre rapport est en préparation…": ask the link for its state until the report is rendered,
  // then start the download. Without this script the page reloads itself (noscript refresh).
  var pending = document.querySelector("[data-report-pending]");
  if (pending) {
    var reportStatus = document.getElementById("report-status");
    var reportLink = document.getElementById("report-link");
    var deadline = Date.now() + 60000;
    // 1 s, then 1.5 times longer, at most 5 s: a workshop's companies waiting together must not
    // keep the web workers from the pages (nor the render worker from their reports).
    var pause = 1000;
    var again = function () {
      if (Date.now() > deadline) { // never a wait without end: say so, offer to try again
        reportStatus.textContent = pending.dataset.slow;
        reportLink.textContent = pending.dataset.retry;
      } else {
        setTimeout(poll, pause);
        pause = Math.min(5000, pause * 1.5);
      }
    };
    var poll = function () {
      fetch(pending.dataset.url, { headers: { "X-Report-Status": "1" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : { state: "pending" }; })
        .then(function (data) {
          if (data.state === "ready") {
            reportStatus.textContent = pending.dataset.ready;
            window.location.assign(pending.dataset.url);
          } else if (data.state === "failed") {
            document.getElementById("report-title").textContent = pending.dataset.failedTitle;
            reportStatus.textContent = pending.dataset.failed;
            reportLink.textContent = pending.dataset.retry;
          } else {
            again();
          }
        }, again);
    };
    setTimeout(poll, 500);
  }

  // Bring the error summary into view for keyboard and screen-reader users.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();
