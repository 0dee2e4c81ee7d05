// Side-scrolling table boxes a keyboard can reach (WCAG 2.1.1): a .table-wrap whose table is
// wider than the box becomes a tab stop, a region named by its table's caption or the heading
// it sits under, so the arrow keys scroll it and a screen reader says what it holds. Only the
// boxes that scroll now become stops (on a laptop most tables fit, and a stop that scrolls
// nothing is one more key press for nothing), so it runs again after htmx swaps and on resize.
(function () {
  "use strict";

  function name(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var before = null;
    document.querySelectorAll("main h1, main h2, main h3").forEach(function (heading) {
      if (heading.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING) before = heading;
    });
    return (before ? before.textContent : document.title).trim();
  }

  function mark(box) {
    if (box.scrollWidth > box.clientWidth) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name(box));
    } else {
      ["tabindex", "role", "aria-label"].forEach(function (a) { box.removeAttribute(a); });
    }
  }

  function markAll() {
    document.querySelectorAll(".table-wrap").forEach(mark);
  }

  document.addEventListener("DOMContentLoaded", markAll);
  document.addEventListener("htmx:afterSettle", markAll);
  window.addEventListener("resize", markAll);
})();
