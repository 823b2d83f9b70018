/* Segments and clusters pages (M-4, M-5): the portrait editor's answers swapped in place.
 *
 * HTMX leaves 4xx answers unswapped by default. The portrait editor answers a refused form
 * with 400 (the form again with what is wrong) and an unknown cluster with 404 (a message):
 * both replace the card. A stale edit gets 409 — the page that shows both versions — which
 * replaces the whole page, as it would without JavaScript.
 */
(function () {
  "use strict";

  function inPortraits(element) {
    return Boolean(element && element.closest && element.closest("[data-sg-portraits]"));
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!inPortraits(detail.elt)) {
      return;
    }
    var status = detail.xhr.status;
    if (status === 400 || status === 404) {
      detail.shouldSwap = true;
      detail.isError = false;
    } else if (status === 409) {
      detail.shouldSwap = true;
      detail.isError = false;
      detail.target = document.body;
      detail.swapOverride = "innerHTML";
      window.scrollTo(0, 0);
    }
  });
})();
