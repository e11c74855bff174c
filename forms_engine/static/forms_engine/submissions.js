/* The submissions list's export: started in the background, polled, and downloaded when ready, on the same page.
 * Without JavaScript the form posts and the exports page lists the job. */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function setup(form) {
    var status = form.querySelector("#fe-export-status");
    var button = form.querySelector("[data-fe-export]");

    function say(text) { status.textContent = text; }

    function finished(answer) {
      button.disabled = false;
      form.removeAttribute("aria-busy");
      say(answer.message + " ");
      if (answer.download_url) {
        var link = document.createElement("a");
        link.href = answer.download_url;
        link.textContent = status.dataset.msgDownload;
        link.className = "button button-small";
        link.setAttribute("data-fe-download", "");
        status.appendChild(link);
        window.location.assign(answer.download_url);
      }
    }

    function poll(url) {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) {
          if (answer.status === "done" || answer.status === "failed") {
            finished(answer);
          } else {
            say(answer.message);
            window.setTimeout(function () { poll(url); }, POLL_MS);
          }
        })
        .catch(function () {
          finished({ message: status.dataset.msgFailed });
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
        body: new FormData(form),
      })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) {
          say(answer.message);
          poll(answer.status_url);
        })
        .catch(function () {
          finished({ message: status.dataset.msgFailed });
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fe-export-form]"), setup);
  });
})();
