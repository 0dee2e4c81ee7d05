/* A scan field: form[data-scan-form], on the receiving page (templates/returns/receipt.html)
 * and the units list (templates/units/index.html, a nameplate's or delivery note's code).
 *
 * A USB scanner types a label's text into the field and presses Enter; htmx posts it. The field
 * is emptied as soon as the request leaves (the next label can be scanned while the answer is on
 * its way) and has the focus again after the answer. "Scan with the camera" reads the QR code
 * through the phone's rear camera with jsQR (static/vendor/jsQR-1.4.0.js, loaded first), puts the
 * text into the field, submits it and stops the camera. Messages come from the form's data-*
 * attributes, so they are translated with the page.
 */
(function () {
  "use strict";

  var FORM = "form[data-scan-form]";
  var stream = null;

  if (window.sanbaoScan) { // loaded again by a boosted navigation: set up the new page only
    window.sanbaoScan.setUp();
    return;
  }

  function form() { return document.querySelector(FORM); }
  function input(f) { return f.querySelector("[data-scan-input]"); }
  function view(f) { return f.querySelector("[data-scan-view]"); }

  function showError(f, text) {
    var box = f.querySelector("[data-scan-error]");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function setUp() {
    var f = form();
    if (!f || f.dataset.scanReady) return;
    f.dataset.scanReady = "1";
    var camera = f.querySelector("[data-scan-camera]");
    camera.hidden = false;
    camera.addEventListener("click", function () { start(f); });
    f.querySelector("[data-scan-stop]").addEventListener("click", stop);
    focus(f);
  }

  // Only a field that asks for it (a scanner's, autofocus) takes the focus: elsewhere a phone
  // would open its keyboard over the page.
  function focus(f) {
    if (input(f).hasAttribute("autofocus")) input(f).focus();
  }

  // htmx has read the form's values by now: empty the field for the next scan.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var f = form();
    if (f && event.detail.elt === f) {
      input(f).value = "";
      showError(f, "");
    }
  });

  // After any answer on this page (a scan, a button in the list), the scanner's field has the
  // focus again, unless the clerk is typing a note about damage.
  document.addEventListener("htmx:afterSettle", function () {
    var f = form();
    var active = document.activeElement;
    if (!f || (active && active.name === "note")) return;
    focus(f);
  });

  function start(f) {
    showError(f, "");
    var media = navigator.mediaDevices;
    if (!media || !media.getUserMedia || typeof window.jsQR !== "function") {
      showError(f, f.dataset.noCamera);
      return;
    }
    stop();
    media.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (s) {
        stream = s;
        var box = view(f);
        var video = box.querySelector("video");
        box.hidden = false;
        box.querySelector("[data-scan-status]").textContent = f.dataset.looking;
        video.srcObject = s;
        video.setAttribute("playsinline", "");
        return video.play().then(function () { look(f, video); });
      })
      .catch(function (error) {
        stop();
        var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        showError(f, denied ? f.dataset.denied : f.dataset.noCamera);
      });
  }

  function look(f, video) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    function frame() {
      if (!stream) return; // stopped
      if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
        // A smaller picture decodes faster and a label fills much of the frame anyway.
        var scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height,
                               { inversionAttempts: "dontInvert" });
        if (code && code.data) {
          stop();
          input(f).value = code.data;
          if (f.requestSubmit) f.requestSubmit(); else f.submit();
          return;
        }
      }
      window.requestAnimationFrame(frame);
    }
    window.requestAnimationFrame(frame);
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    var f = form();
    if (!f) return;
    var box = view(f);
    box.hidden = true;
    box.querySelector("video").srcObject = null;
  }

  // Leaving the page (a boosted link swaps the body) must not leave the camera on.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target === document.body) stop();
  });
  window.addEventListener("pagehide", stop);

  window.sanbaoScan = { setUp: setUp };
  setUp();
})();
