/* Signature pads: every canvas[data-signature-pad] inside a form (templates/claims/_signature.html).
 *
 * The customer signs with a finger or a mouse; when the form is sent, the drawing goes as a PNG
 * data URL in the hidden input "drawn". An empty pad is refused with the message in the canvas's
 * data-empty-message, unless a scan of the signed paper is attached (input "scan").
 * Works for plain and htmx forms, and for content htmx swaps in. Needs SignaturePad loaded first.
 */
(function () {
  "use strict";

  var PAD = "canvas[data-signature-pad]";

  if (window.sanbaoSignature) { // loaded again by an htmx swap: only look for new pads
    window.sanbaoSignature.setUpAll(document);
    return;
  }

  function setUpAll(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches(PAD)) setUp(root);
    root.querySelectorAll(PAD).forEach(setUp);
  }

  function setUp(canvas) {
    if (canvas.signaturePad || typeof window.SignaturePad === "undefined") return;
    var form = canvas.closest("form");
    if (!form) return;
    var pad = new window.SignaturePad(canvas, { penColor: "#111", minWidth: 0.8, maxWidth: 2.6 });
    canvas.signaturePad = pad;
    pad.addEventListener("beginStroke", function () { showMessage(form, ""); });
    var clear = wrapper(canvas).querySelector("[data-signature-clear]");
    if (clear) clear.addEventListener("click", function () { pad.clear(); hidden(form).value = ""; });
    var scan = scanInput(form);
    if (scan) scan.addEventListener("change", function () { showMessage(form, ""); });
    watchSize(canvas, pad);
  }

  function wrapper(canvas) {
    return canvas.closest("[data-signature]") || canvas.parentNode;
  }

  // The canvas's pixels follow its CSS size times the screen's density; resizing a canvas wipes
  // it, so the strokes are kept and drawn again. Only a real change counts: phones fire resize
  // while their address bar slides.
  function watchSize(canvas, pad) {
    var current = "";
    function fit() {
      var width = canvas.offsetWidth, height = canvas.offsetHeight;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var key = width + "x" + height + "@" + ratio;
      if (!width || !height || key === current) return; // hidden, or nothing changed
      current = key;
      var strokes = pad.toData();
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (strokes.length) pad.fromData(strokes);
    }
    if (window.ResizeObserver) {
      new ResizeObserver(fit).observe(canvas);
    } else {
      window.addEventListener("resize", fit);
    }
    fit();
  }

  function hidden(form) {
    var input = form.querySelector('input[name="drawn"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "drawn";
      form.appendChild(input);
    }
    return input;
  }

  function scanInput(form) {
    return form.querySelector('input[type="file"][name="scan"]');
  }

  function showMessage(form, text) {
    var box = form.querySelector("[data-signature-message]");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  // Fill "drawn" from the pad; false (with the message shown) when there is nothing to send.
  function prepare(form) {
    var canvas = form.querySelector(PAD);
    if (!canvas || !canvas.signaturePad) return true;
    var pad = canvas.signaturePad, input = hidden(form), scan = scanInput(form);
    input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    if (input.value || (scan && scan.files && scan.files.length)) {
      showMessage(form, "");
      return true;
    }
    showMessage(form, canvas.getAttribute("data-empty-message") || "");
    canvas.scrollIntoView({ block: "center", behavior: "smooth" });
    return false;
  }

  // Capture phase: runs before htmx's own submit handler on the form, so htmx reads the filled
  // input, and a refused submit never reaches it.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!(form instanceof HTMLFormElement) || !form.querySelector(PAD)) return;
    if (!prepare(form)) {
      evt.preventDefault();
      evt.stopPropagation();
    }
  }, true);

  // A request htmx sends by another trigger (hx-post on a button, a keyboard shortcut) still
  // carries the drawing, and is cancelled when there is none.
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.matches || !elt.matches("form, button, input[type=submit]")) return;
    var form = elt.closest("form") || elt.form;
    if (!form || !form.querySelector(PAD) || evt.detail.verb === "get") return;
    if (!prepare(form)) {
      evt.preventDefault();
      return;
    }
    evt.detail.parameters.drawn = hidden(form).value;
  });

  document.addEventListener("htmx:load", function (evt) { setUpAll(evt.detail.elt); });
  document.addEventListener("htmx:historyRestore", function () { setUpAll(document); });

  window.sanbaoSignature = { setUpAll: setUpAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  } else {
    setUpAll(document);
  }
})();
