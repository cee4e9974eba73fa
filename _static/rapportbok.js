/* rapportbok (issue #26): a table wider than its box says so. Each table stands in its own sideways-scrolling
   box (div.rapportbok-rulla, rapportbok/present/tables.py); when the table does not fit, the box gets the class
   rapportbok-bred, which shows the cue above the table ("svep eller rulla i sidled", rapportbok.css), and the
   box becomes a named region reachable with the keyboard (WCAG 2.1.1), as a scrolling box must be. */
(function () {
  "use strict";
  function mark(box) {
    var wide = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("rapportbok-bred", wide);
    if (wide) {
      var caption = box.querySelector("caption");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Tabell som kan rullas i sidled" + (caption ? ": " + caption.textContent.trim() : ""));
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
  function markAll() {
    document.querySelectorAll("div.rapportbok-rulla").forEach(mark);
  }
  function start() {
    markAll();
    if ("ResizeObserver" in window) {
      var seen = new ResizeObserver(function (entries) {
        entries.forEach(function (e) { mark(e.target); });
      });
      document.querySelectorAll("div.rapportbok-rulla").forEach(function (box) { seen.observe(box); });
    } else {
      window.addEventListener("resize", markAll);
    }
    document.addEventListener("toggle", markAll, true); // a table in a dropdown that was just opened
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("load", markAll); // fonts and images loaded: widths are final
})();
