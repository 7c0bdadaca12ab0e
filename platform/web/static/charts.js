/* Charts drawn with Chart.js (served locally) from the tables beside them: a canvas names its table
   (data-chart-for); each row's header is a label and its [data-value] cell the number. The table stays
   on the page, so the numbers are there for whoever reads rather than looks. */
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("canvas[data-chart-for]").forEach(function (canvas) {
    var table = document.getElementById(canvas.dataset.chartFor);
    if (!table) { return; }
    var labels = [], values = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var head = row.querySelector("th"), cell = row.querySelector("[data-value]");
      if (head && cell) { labels.push(head.textContent.trim()); values.push(Number(cell.dataset.value)); }
    });
    if (!labels.length) { canvas.hidden = true; return; }
    canvas.parentElement.classList.add("sr-chart-h-" + Math.min(12, Math.max(2, labels.length)));
    new window.Chart(canvas, {
      type: "bar",
      data: {labels: labels, datasets: [{label: canvas.dataset.chartLabel || "", data: values,
                                         backgroundColor: canvas.dataset.chartColour || "#0066cc"}]},
      options: {indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: still ? false : {duration: 300},
                plugins: {legend: {display: false}},
                scales: {x: {beginAtZero: true, ticks: {precision: 0}}},
                locale: document.documentElement.lang === "it" ? "it-IT" : "en-GB"}
    });
    canvas.dataset.drawn = String(labels.length);
  });
})();
