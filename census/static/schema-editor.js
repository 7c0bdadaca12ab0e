/* The secretariat's schema editor: the cursor's line and column, error links that jump to their line,
   and approval held back while there are unsaved edits. */
(function () {
  "use strict";
  var area = document.getElementById("sections");
  var position = document.querySelector("[data-testid=cursor-position]");
  var editor = document.getElementById("schema-editor");
  if (!area || !position || !editor) { return; }
  var lineWord = position.dataset.lineWord, columnWord = position.dataset.columnWord;
  function where() {
    var before = area.value.slice(0, area.selectionStart).split("\n");
    position.textContent = lineWord + " " + before.length + ", " + columnWord + " " + (before[before.length - 1].length + 1);
  }
  function jump(line, column) {
    var lines = area.value.split("\n"), offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { offset += lines[i].length + 1; }
    offset += Math.max(0, (column || 1) - 1);
    area.focus();
    area.setSelectionRange(offset, offset);
    var height = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 4) * height);
    where();
  }
  document.querySelectorAll("a[data-line]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      jump(parseInt(link.dataset.line, 10), parseInt(link.dataset.column, 10));
    });
  });
  ["keyup", "click", "focus"].forEach(function (name) { area.addEventListener(name, where); });
  // Approving applies to the saved draft: with unsaved edits, say so instead of approving.
  var approve = document.querySelector("[data-approve-form]");
  var dirty = editor.dataset.unsaved === "true";  // shown after a preview or a refused save
  editor.addEventListener("input", function (event) { if (event.target.name !== "preview_lang") { dirty = true; } });
  if (approve) {
    approve.addEventListener("submit", function (event) {
      if (dirty) {
        event.preventDefault();
        approve.querySelector("[data-unsaved-note]").hidden = false;
      }
    });
  }
  var summary = document.querySelector("[data-testid=error-summary]");
  if (summary) { summary.focus(); } else if (location.hash === "#preview") { document.getElementById("preview").focus(); }
})();
