/* Repeatable rows of a survey form: "add" copies the group's <template>, "remove" drops the row, the
   rows are numbered again. A schema's preview form is never submitted. */
(function () {
  "use strict";

  window.srFormRows = function (form, onChange) {
    var counter = 1000;
    function renumber(group) {
      group.querySelectorAll("[data-rows] > .sr-row .sr-row-number").forEach(function (span, i) { span.textContent = i + 1; });
    }
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      var remove = event.target.closest("[data-remove-row]");
      if (add) {
        var group = add.closest("[data-group]");
        var html = group.querySelector("template[data-row-template]").innerHTML.replace(/__i__/g, String(counter++));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.querySelector(".sr-row");
        group.querySelector("[data-rows]").appendChild(row);
        renumber(group);
        var first = row.querySelector("input:not([type=hidden]), select, textarea");
        if (first) { first.focus(); }
        if (onChange) { onChange(); }
      } else if (remove) {
        var g = remove.closest("[data-group]");
        remove.closest(".sr-row").remove();
        renumber(g);
        if (onChange) { onChange(); }
      }
    });
  };

  document.querySelectorAll("[data-preview-form]").forEach(function (preview) {
    preview.addEventListener("submit", function (event) { event.preventDefault(); });
    window.srFormRows(preview);
  });
})();
