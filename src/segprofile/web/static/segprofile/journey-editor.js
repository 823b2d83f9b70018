/* The journey editor (M-12): reorder steps by dragging or by keyboard, keep the focus in place
 * across HTMX swaps, and show the refusals the server answers with (409, 422) in place.
 * No inline scripts: the page loads this file; every request is made by HTMX forms. */
(function () {
  "use strict";

  var dragged = null;
  var startOrder = "";

  function orderOf(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > li[data-step]"), function (li) {
      return li.getAttribute("data-step");
    });
  }

  function submitOrder(list, moved) {
    var form = document.getElementById(list.getAttribute("data-order-form"));
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("input[name=step], input[name=moved]"), function (el) {
      el.remove();
    });
    orderOf(list).forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "step";
      input.value = id;
      form.appendChild(input);
    });
    var which = document.createElement("input");
    which.type = "hidden";
    which.name = "moved";
    which.value = moved;
    form.appendChild(which);
    form.requestSubmit();
  }

  /* --- dragging by the handle ---------------------------------------------------------------- */

  document.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest(".jstep__handle");
    if (!handle) return;
    dragged = handle.closest("li[data-step]");
    startOrder = orderOf(dragged.parentElement).join(" ");
    dragged.classList.add("jstep--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-step"));
    if (event.dataTransfer.setDragImage) event.dataTransfer.setDragImage(dragged, 16, 16);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var list = event.target.closest && event.target.closest("ol.jsteps");
    if (!list || list !== dragged.parentElement) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var over = event.target.closest("li[data-step]");
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var item = dragged;
    var list = item.parentElement;
    dragged = null;
    item.classList.remove("jstep--dragging");
    if (orderOf(list).join(" ") !== startOrder) submitOrder(list, item.getAttribute("data-step"));
  });

  /* --- keyboard: Alt+↑ / Alt+↓ on a focused step press its move buttons ----------------------- */

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    var item = event.target.closest && event.target.closest("li.jstep:not(.jstep--editing)");
    if (!item) return;
    var button = item.querySelector('[data-move="' + (event.key === "ArrowUp" ? "up" : "down") + '"]');
    if (!button) return;
    event.preventDefault();
    button.focus();
    button.click();
  });

  /* A move past either end does nothing: no request. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('.jstep__move[aria-disabled="true"]');
    if (button) event.preventDefault();
  }, true);

  /* --- HTMX: show refusals in place, keep the focus ------------------------------------------- */

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422 || status === 400 || status === 404) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* The server marks what should have the focus after a change: the moved step's button, the
   * saved step's «Edit», the first field of an opened form, a refusal. */
  function focusMarked() {
    var target = document.querySelector("[data-autofocus]");
    if (!target) {
      var form = document.querySelector("[data-autofocus-first]");
      if (form) {
        form.removeAttribute("data-autofocus-first");
        target = form.querySelector("input:not([type=hidden]), select, textarea");
      }
    } else {
      target.removeAttribute("data-autofocus");
    }
    if (target) {
      target.focus();
      if (target.scrollIntoView) target.scrollIntoView({ block: "nearest" });
    }
  }

  var statusTimer = null;

  function fadeStatus() {
    var status = document.getElementById("journeys-status");
    if (!status || !status.textContent.trim()) return;
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = setTimeout(function () {
      status.textContent = "";
    }, 8000);
  }

  document.addEventListener("htmx:afterSettle", focusMarked);
  document.addEventListener("htmx:afterSettle", fadeStatus);
  document.addEventListener("DOMContentLoaded", focusMarked);

  document.addEventListener("htmx:responseError", function () {
    var status = document.getElementById("journeys-status");
    if (status) status.textContent = status.getAttribute("data-failed") || "";
  });
})();
