// Shows each <time data-local-time datetime="…Z"> also in the viewer's own time
// zone, below the UTC time the server wrote: "2026-03-01 10:30:15 (UTC+01:00,
// Europe/Berlin)", a format no reader can take for another date. A file, not
// inline script (the Content-Security-Policy allows only scripts from 'self').
"use strict";
(function () {
  function two(n) {
    return String(n).padStart(2, "0");
  }
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  document.querySelectorAll("time[data-local-time]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime())) {
      return;
    }
    var offset = -moment.getTimezoneOffset();
    var sign = offset < 0 ? "−" : "+";
    offset = Math.abs(offset);
    var local = document.createElement("span");
    local.className = "local-time d-block small text-body-secondary";
    local.textContent = moment.getFullYear() + "-" + two(moment.getMonth() + 1) + "-" +
      two(moment.getDate()) + " " + two(moment.getHours()) + ":" + two(moment.getMinutes()) +
      ":" + two(moment.getSeconds()) + " (UTC" + sign + two(Math.floor(offset / 60)) + ":" +
      two(offset % 60) + (zone ? ", " + zone : "") + ")";
    local.title = "Your local time";
    element.after(local);
  });
})();
