// Progressive enhancement for the training player. Every page works without this file:
// forms still save and submit; this only saves answers as you go, counts down the time
// limit, keeps the question navigator current, and records seat time while a module stays open.
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
        // URL-encoded, as the form itself posts: smaller than multipart, and the server's quick lane reads it.
        body: new URLSearchParams(new FormData(form)),
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
        if (!isAnswered(questions[i])) { missing.push(i + 1); }
      }
      if (missing.length && !window.confirm((missing.length === 1 ? "Question " : "Questions ") + missing.join(", ") +
          " ha" + (missing.length === 1 ? "s" : "ve") + " no answer yet and will score no points. Submit anyway?")) {
        event.preventDefault();
        return;
      }
      addConfirm(form);
    });
  }

  // Moments at which a screen reader hears the time left: every ten minutes, then at 5, 2 and 1 minute
  // and 30 seconds. The visible clock ticks each second but is not a live region.
  function announcementsBelow(seconds) {
    var marks = [300, 120, 60, 30];
    for (var mark = 600; mark < seconds; mark += 600) { marks.push(mark); }
    return marks.filter(function (m) { return m < seconds; });
  }

  function timeLeftWords(seconds) {
    if (seconds < 60) { return seconds + " seconds left."; }
    var minutes = Math.round(seconds / 60);
    return minutes + (minutes === 1 ? " minute" : " minutes") + " left.";
  }

  // Count the time limit down each second; at zero, submit what is saved.
  function countdown(element, form) {
    var left = parseInt(element.getAttribute("data-seconds-left"), 10);
    var label = element.querySelector(".js-countdown");
    var announcer = document.getElementById("timer-announcement");
    if (isNaN(left) || !label) { return; }
    var deadline = Date.now() + left * 1000;
    var marks = announcementsBelow(left);
    function tick() {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      label.textContent = minutes + ":" + String(seconds % 60).padStart(2, "0");
      element.classList.toggle("is-urgent", seconds <= 300);
      var passed = marks.filter(function (m) { return seconds <= m; });
      if (passed.length) {
        marks = marks.filter(function (m) { return seconds > m; });
        if (announcer) { announcer.textContent = timeLeftWords(Math.min.apply(null, passed)); }
      }
      if (seconds === 0) {
        if (form) { addConfirm(form); form.submit(); }
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function isAnswered(question) {
    if (question.querySelector("input:checked")) { return true; }
    var fields = question.querySelectorAll('input[type="text"], input[type="number"], select');
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "") { return true; }
    }
    return false;
  }

  // Keep the question navigator and the answered count in step with the form as the agent answers.
  function navigator(form) {
    var nav = document.getElementById("question-nav");
    var count = document.getElementById("answered-count");
    if (!nav) { return; }
    var links = nav.querySelectorAll("a[data-question]");
    function refresh() {
      var answered = 0;
      for (var i = 0; i < links.length; i++) {
        var question = document.getElementById(links[i].getAttribute("data-question"));
        var done = !!question && isAnswered(question);
        answered += done ? 1 : 0;
        links[i].classList.toggle("is-answered", done);
        links[i].setAttribute("aria-label", "Question " + links[i].textContent.trim() + (done ? ", answered" : ", not answered"));
      }
      if (count) { count.textContent = String(answered); }
    }
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    // After a jump the open list would cover the question it leads to; close it and move focus there.
    nav.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-question]");
      if (!link) { return; }
      var question = document.getElementById(link.getAttribute("data-question"));
      var bar = document.getElementById("exam-bar");
      nav.open = false;
      if (question) {
        event.preventDefault();
        var top = question.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 12;
        window.scrollTo(0, Math.max(0, top));
        var first = question.querySelector("input, select, textarea");
        if (first) { first.focus({ preventScroll: true }); }
        if (window.history && window.history.replaceState) { window.history.replaceState(null, "", link.getAttribute("href")); }
      }
    });
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

  // Until the agent chooses a time zone the server prints UTC; show this browser's zone, named, instead.
  function localTimes() {
    var times = document.querySelectorAll("time.js-local-time");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when)) {
        times[i].textContent = when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    var form = document.getElementById("attempt-form");
    if (form) { autosave(form); confirmUnanswered(form); navigator(form); }
    var timer = document.getElementById("timer");
    if (timer) { countdown(timer, form); }
    var article = document.querySelector("[data-heartbeat]");
    if (article) { heartbeat(article); }
  });
})();
