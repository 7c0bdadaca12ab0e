/* A municipality's survey form: rows added and removed, and a debounced background save of the draft
   (autosave); the form's revision and completeness follow each save. */
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=census-form]");
  if (!form) { return; }
  var status = form.querySelector("[data-testid=autosave-status]");
  var timer = null, inFlight = null, submitting = false;
  function save() {
    timer = null;
    var data = new FormData(form);
    data.delete("action");
    inFlight = fetch(form.dataset.autosave, {method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRF-Token": data.get("csrf_token"), "Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body.saved) {
          form.querySelector("[data-revision]").value = body.revision;
          document.querySelector("[data-testid=revision]").textContent = body.revision;
          var bar = document.querySelector("[data-testid=completeness-bar]");
          bar.setAttribute("aria-valuenow", body.completeness);
          bar.firstElementChild.style.width = body.completeness + "%";
          document.querySelector("[data-testid=completeness-value]").textContent = body.completeness + "%";
        }
        status.textContent = body.message || "";
      })
      .catch(function () { status.textContent = ""; })
      .finally(function () { inFlight = null; });
  }
  function schedule() {
    if (submitting) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 2500);
  }
  window.srFormRows(form, schedule);
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) {
    if (timer) { clearTimeout(timer); timer = null; }
    submitting = true;
    if (inFlight) {
      // Wait for the background save so the form carries the revision it produced.
      event.preventDefault();
      var action = document.createElement("input");
      action.type = "hidden"; action.name = "action";
      action.value = event.submitter ? event.submitter.value : "save";
      form.appendChild(action);
      inFlight.then(function () { form.submit(); }, function () { form.submit(); });
    }
  });
})();
