// Live countdowns: every <time class="countdown" datetime="…Z"> shows the time left until its
// deadline, or how late it is. The server renders the first text and, in data attributes, the
// wording in the user's language ({d} {h} {m} placeholders) and its own clock (data-now), so a
// wrong clock on the phone does not change the answer.
(function () {
  "use strict";

  function phrase(el, seconds) {
    var late = seconds < 0;
    var minutes = late ? Math.ceil(-seconds / 60) : Math.floor(seconds / 60);
    var d = Math.floor(minutes / 1440);
    var h = Math.floor((minutes % 1440) / 60);
    var m = minutes % 60;
    var size = d ? "d" : (h ? "h" : "m");
    var wording = el.getAttribute("data-" + (late ? "late" : "left") + "-" + size);
    if (!wording) return null;
    return wording.replace("{d}", d).replace("{h}", h).replace("{m}", m);
  }

  function update(el) {
    var due = Date.parse(el.getAttribute("datetime"));
    if (isNaN(due)) return;
    if (!el.hasAttribute("data-skew")) {
      var serverNow = Date.parse(el.getAttribute("data-now"));
      el.setAttribute("data-skew", isNaN(serverNow) ? "0" : String(serverNow - Date.now()));
    }
    var now = Date.now() + Number(el.getAttribute("data-skew"));
    var seconds = Math.floor((due - now) / 1000);
    var text = phrase(el, seconds);
    if (text !== null) el.textContent = text;
    var soon = Number(el.getAttribute("data-soon") || 0);
    el.classList.toggle("overdue", seconds < 0);
    el.classList.toggle("soon", seconds >= 0 && seconds <= soon);
  }

  function updateAll() {
    document.querySelectorAll("time.countdown").forEach(update);
  }

  document.addEventListener("DOMContentLoaded", updateAll);
  document.addEventListener("htmx:load", updateAll);
  window.setInterval(updateAll, 30000);
})();
