/* Background jobs on a page: every element with a data-job-url follows GET /api/v1/jobs/<id>, moves
   its progress bar, and reloads the page when the job ends so that the result is shown. An element
   whose data-state is already finished, failed or cancelled, or whose bar already reads 100, is left alone. */
(function () {
  "use strict";
  var ENDED = ["finished", "failed", "cancelled"];

  function follow(box) {
    var meter = box.getAttribute("role") === "progressbar" ? box : box.querySelector("[role=progressbar]");
    var bar = box.querySelector(".progress-bar");
    function poll() {
      fetch(box.dataset.jobUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (job) {
          var percent = job.state === "finished" ? 100 : (job.progress || 0);
          bar.style.width = percent + "%";
          bar.textContent = percent + "%";
          meter.setAttribute("aria-valuenow", percent);
          if (ENDED.indexOf(job.state) >= 0) { window.location.reload(); }
          else { window.setTimeout(poll, 1000); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 300);
  }

  document.querySelectorAll("[data-job-url]").forEach(function (box) {
    var state = box.dataset.state;
    var meter = box.getAttribute("role") === "progressbar" ? box : box.querySelector("[role=progressbar]");
    var bar = box.querySelector(".progress-bar");
    // Templates carry no style attributes (Content-Security-Policy): the bar's width is drawn from its value.
    if (meter && bar) { bar.style.width = (meter.getAttribute("aria-valuenow") || 0) + "%"; }
    if (!box.dataset.jobUrl || !meter || ENDED.indexOf(state) >= 0) { return; }
    if (meter.getAttribute("aria-valuenow") === "100") { return; }
    follow(box);
  });
})();
