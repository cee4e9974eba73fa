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

  /* Search results (Sphinx's searchtools.js, on search.html): the text under a result is taken from the page.
     Leave out what is not the page's own text: the header's download menu ("… (CSV)"), the page's table of
     contents ("Innehåll", also in the print header), the links to the previous and next page, a source page's line numbers, the
     organisation-year switcher, the tables' download links and the wide-table cue. */
  var NOT_TEXT = ".bd-header-article, #jb-print-docs-body, .bd-sidebar-secondary, .prev-next-area, .rapportbok-radnr, " +
    "nav.rapportbok-vaxlare, .rapportbok-nedladdning, .rapportbok-svep, .dropdown-download-buttons";
  function cleanSearchText() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.rapportbok) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(NOT_TEXT).forEach(function (el) { el.remove(); });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.rapportbok = true;
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", cleanSearchText);
  } else {
    cleanSearchText();
  }
})();
