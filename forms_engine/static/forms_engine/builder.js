/* The form builder's field list: reorder by the Up/Down buttons or by dragging a row; the whole order is saved in
 * one POST (all or nothing) and the preview frame reloaded. Without JavaScript the buttons post one move each. */
(function () {
  "use strict";

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_all, key) { return values[key]; });
  }

  function csrfToken(table) {
    var input = table.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setup(table) {
    var body = table.tBodies[0];
    var status = document.getElementById("fe-reorder-status");
    var frame = document.getElementById(table.dataset.fePreview);
    var saving = Promise.resolve();

    function rows() { return Array.prototype.slice.call(body.rows); }
    function order() { return rows().map(function (row) { return row.dataset.fieldId; }); }

    function say(text, error) {
      status.textContent = "";
      status.classList.toggle("fe-live--error", Boolean(error));
      // A fresh text node, so that a screen reader announces the same sentence twice in a row too.
      window.setTimeout(function () { status.textContent = text; }, 30);
    }

    function refreshButtons() {
      var all = rows();
      all.forEach(function (row, index) {
        var up = row.querySelector("[data-fe-move=up] button");
        var down = row.querySelector("[data-fe-move=down] button");
        if (up) { up.disabled = index === 0; }
        if (down) { down.disabled = index === all.length - 1; }
      });
    }

    function restore(previous) {
      var byId = {};
      rows().forEach(function (row) { byId[row.dataset.fieldId] = row; });
      previous.forEach(function (id) { body.appendChild(byId[id]); });
      refreshButtons();
    }

    function save(previous, movedText) {
      var data = new URLSearchParams();
      order().forEach(function (id) { data.append("field", id); });
      table.setAttribute("aria-busy", "true");
      saving = saving.then(function () {
        return fetch(table.dataset.feReorder, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(table), "X-Requested-With": "XMLHttpRequest" },
          body: data,
        }).then(function (response) {
          return response.json().then(function (answer) {
            if (!response.ok || !answer.ok) {
              restore(previous);
              say(table.dataset.msgFailed + " " + (answer.errors || []).join(" "), true);
              return;
            }
            var warnings = (answer.warnings || []).join(" ");
            say(movedText + " " + answer.message + (warnings ? " " + warnings : ""), Boolean(warnings));
            var draft = document.getElementById("fe-draft-state");
            if (draft && answer.draft) { draft.textContent = answer.draft; }
            if (frame) { frame.src = frame.src.split("#")[0]; }
          });
        }).catch(function () {
          restore(previous);
          say(table.dataset.msgOffline, true);
        }).then(function () { table.removeAttribute("aria-busy"); });
      });
    }

    function movedText(row) {
      var all = rows();
      return format(table.dataset.msgMoved, {
        label: row.dataset.label, n: all.indexOf(row) + 1, total: all.length,
      });
    }

    function mark(row) {
      rows().forEach(function (other) { other.classList.remove("fe-moved"); });
      row.classList.add("fe-moved");
    }

    // Up / Down: move the row, keep the focus on the pressed button (or its partner at either end), save.
    table.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-fe-move]");
      if (!form) { return; }
      event.preventDefault();
      var row = form.closest("tr");
      var previous = order();
      if (form.dataset.feMove === "up" && row.previousElementSibling) {
        body.insertBefore(row, row.previousElementSibling);
      } else if (form.dataset.feMove === "down" && row.nextElementSibling) {
        body.insertBefore(row.nextElementSibling, row);
      } else {
        return;
      }
      refreshButtons();
      mark(row);
      var button = form.querySelector("button");
      if (button.disabled) {
        var other = row.querySelector("[data-fe-move=" + (form.dataset.feMove === "up" ? "down" : "up") + "] button");
        if (other) { other.focus(); }
      } else {
        button.focus();
      }
      save(previous, movedText(row));
    });

    // Drag and drop: a row is dragged (by its handle or anywhere on it) and dropped above or below another.
    var dragged = null;
    var before = [];
    rows().forEach(function (row) { row.draggable = true; });
    function clearMarks() {
      rows().forEach(function (row) { row.classList.remove("fe-drop-before", "fe-drop-after"); });
    }
    function after(row, event) {
      var box = row.getBoundingClientRect();
      return event.clientY > box.top + box.height / 2;
    }
    body.addEventListener("dragstart", function (event) {
      var row = event.target.closest ? event.target.closest("tr") : null;
      if (!row || row.parentNode !== body) { return; }
      dragged = row;
      before = order();
      row.classList.add("fe-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.fieldId);
    });
    body.addEventListener("dragover", function (event) {
      var row = event.target.closest ? event.target.closest("tr") : null;
      if (!dragged || !row || row === dragged || row.parentNode !== body) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearMarks();
      row.classList.add(after(row, event) ? "fe-drop-after" : "fe-drop-before");
    });
    body.addEventListener("drop", function (event) {
      var row = event.target.closest ? event.target.closest("tr") : null;
      if (!dragged || !row || row.parentNode !== body) { return; }
      event.preventDefault();
      if (row !== dragged) {
        body.insertBefore(dragged, after(row, event) ? row.nextSibling : row);
      }
    });
    body.addEventListener("dragend", function () {
      if (!dragged) { return; }
      var row = dragged;
      dragged = null;
      row.classList.remove("fe-dragging");
      clearMarks();
      if (order().join() === before.join()) { return; }
      refreshButtons();
      mark(row);
      save(before, movedText(row));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fe-reorder]"), setup);
  });
})();
