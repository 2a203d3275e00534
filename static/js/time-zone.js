// Progressive enhancement for the profile form: until the agent has chosen a time zone, suggest
// the one this browser is set to. Without this file the form offers UTC, and every zone is listed.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.querySelector("[data-suggest-browser-zone]");
    var select = holder && holder.querySelector("select");
    var browserZone;
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!select || !browserZone) { return; }
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === browserZone) {
        select.value = browserZone;
        return;
      }
    }
  });
})();
