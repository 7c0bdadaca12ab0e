/* Tables wider than the screen scroll inside their box (.table-responsive): such a box becomes a named
   region that keyboard users can focus and scroll with the arrow keys. */
(function () {
  "use strict";
  function label(box) {
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (table && table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var node = box.previousElementSibling;
    while (node && !/^H[1-6]$/.test(node.tagName)) { node = node.previousElementSibling; }
    return node ? node.textContent.trim() : document.title;
  }
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-sr-scrolls", "");
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label")) { box.setAttribute("aria-label", label(box)); }
      } else if (!scrolls && box.hasAttribute("data-sr-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-sr-scrolls");
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mark); } else { mark(); }
  window.addEventListener("resize", mark);
}());
