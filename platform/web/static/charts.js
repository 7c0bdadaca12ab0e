/* Charts drawn with Chart.js (served locally) from the tables beside them: a canvas names its table
   (data-chart-for); each row's header is a label and its [data-value] cell the number. The table stays
   on the page, so the numbers are there for whoever reads rather than looks. Bars by default; a series
   over time asks for a line (data-chart-type="line"), with an optional top (data-chart-max) and a unit
   after the axis's numbers (data-chart-suffix). */
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
    var line = canvas.dataset.chartType === "line", colour = canvas.dataset.chartColour || "#0066cc";
    var max = canvas.dataset.chartMax ? Number(canvas.dataset.chartMax) : undefined;
    var suffix = canvas.dataset.chartSuffix || "";
    var locale = document.documentElement.lang === "it" ? "it-IT" : "en-GB";
    var valueAxis = {beginAtZero: true, max: max, ticks: {precision: 0}};
    if (suffix) {
      valueAxis.ticks.callback = function (value) { return Number(value).toLocaleString(locale) + suffix; };
    }
    if (line) {
      canvas.parentElement.classList.add("sr-chart-line");
    } else {
      canvas.parentElement.classList.add("sr-chart-h-" + Math.min(12, Math.max(2, labels.length)));
    }
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {labels: labels, datasets: [{label: canvas.dataset.chartLabel || "", data: values, borderColor: colour,
                                         backgroundColor: colour, pointRadius: line ? 3 : undefined}]},
      options: {indexAxis: line ? "x" : "y", responsive: true, maintainAspectRatio: false,
                animation: still ? false : {duration: 300}, plugins: {legend: {display: false}},
                scales: line ? {y: valueAxis} : {x: valueAxis}, locale: locale}
    });
    canvas.dataset.drawn = String(labels.length);
  });
})();
