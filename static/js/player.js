// Progressive enhancement for the training player. Every page works without this file:
// forms still save and submit; this only saves answers as you go, counts down the time
// limit, and records seat time while a module stays open.
(function () {
  "use strict";

  function csrfToken(form) {
    var field = (form || document).querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  // Save answers shortly after each change, so a closed tab loses nothing.
  function autosave(form) {
    var url = form.getAttribute("data-save-url");
    var status = document.getElementById("save-status");
    var timer = null;
    var pending = false;
    function save() {
      timer = null;
      pending = false;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (reply) {
        if (reply.ok) {
          if (status) { status.textContent = "Answers saved at " + new Date(reply.data.at).toLocaleTimeString() + "."; }
        } else if (reply.data.result) {
          window.location.assign(reply.data.result);
        }
      }).catch(function () {
        if (status) { status.textContent = "Could not save just now; use “Save answers” before you leave."; }
      });
    }
    // The form's own Save and Submit buttons carry the answers; nothing is left to send after them.
    form.addEventListener("submit", function () {
      pending = false;
      if (timer) { window.clearTimeout(timer); }
    });
    form.addEventListener("change", function () {
      pending = true;
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 800);
    });
    window.addEventListener("pagehide", function () {
      if (pending && navigator.sendBeacon) { navigator.sendBeacon(url, new FormData(form)); }
    });
  }

  function addConfirm(form) {
    if (form.querySelector('input[name="confirm"]')) { return; }
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "confirm";
    field.value = "yes";
    form.appendChild(field);
  }

  // Before scoring, name the questions left without an answer (the server asks the same without JavaScript).
  function confirmUnanswered(form) {
    var submit = form.querySelector('button[type="submit"]:not([formaction])');
    if (!submit) { return; }
    submit.addEventListener("click", function (event) {
      var missing = [];
      var questions = form.querySelectorAll("fieldset.question");
      for (var i = 0; i < questions.length; i++) {
        var fields = questions[i].querySelectorAll('input[type="text"], select');
        var answered = !!questions[i].querySelector("input:checked");
        for (var j = 0; j < fields.length && !answered; j++) { answered = fields[j].value.trim() !== ""; }
        if (!answered) { missing.push(i + 1); }
      }
      if (missing.length && !window.confirm((missing.length === 1 ? "Question " : "Questions ") + missing.join(", ") +
          " ha" + (missing.length === 1 ? "s" : "ve") + " no answer yet and will score no points. Submit anyway?")) {
        event.preventDefault();
        return;
      }
      addConfirm(form);
    });
  }

  // Count the time limit down each second; at zero, submit what is saved.
  function countdown(element, form) {
    var left = parseInt(element.getAttribute("data-seconds-left"), 10);
    var label = element.querySelector(".js-countdown");
    if (isNaN(left) || !label) { return; }
    var deadline = Date.now() + left * 1000;
    function tick() {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      label.textContent = minutes + ":" + String(seconds % 60).padStart(2, "0");
      if (seconds === 0) {
        if (form) { addConfirm(form); form.submit(); }
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  // Seat time: tell the server every minute that the module is open and visible. The server counts
  // the time itself, from the signed note of when this page was opened; a beat only says "still here".
  function heartbeat(article) {
    var url = article.getAttribute("data-heartbeat");
    var token = csrfToken(document);
    var body = new URLSearchParams({ opened: article.getAttribute("data-opened") || "" });
    function beat() {
      if (document.visibilityState !== "visible") { return; }
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" });
    }
    window.setInterval(beat, 60000);
  }

  // Times are printed in UTC for everyone; show them in the agent's own time zone instead.
  function localTimes() {
    var times = document.querySelectorAll("time.js-local-time");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when)) {
        times[i].textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    var form = document.getElementById("attempt-form");
    if (form) { autosave(form); confirmUnanswered(form); }
    var timer = document.getElementById("timer");
    if (timer) { countdown(timer, form); }
    var article = document.querySelector("[data-heartbeat]");
    if (article) { heartbeat(article); }
  });
})();
