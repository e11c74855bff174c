/* The builder's add/edit-field page: settings that fit the chosen type, the choice editor, the condition picker.
 *
 * Without JavaScript the page works as the server renders it (the current type's settings, choice rows, the
 * expression as text). The picker writes the stored XLSForm expression exactly as forms_engine/conditions.py's
 * expression_write does, so that the server shows it back as rows. No inline handlers: the admin's CSP is kept.
 */
(function () {
  "use strict";

  var NUMERIC = ["integer", "decimal", "rating"];
  var NO_VALUE = ["filled", "empty"];
  var counter = 0;

  function uid(prefix) { counter += 1; return prefix + "-" + counter; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "hidden") node.hidden = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return String(values[key]); });
  }

  // ------------------------------------------------------------ settings that fit the type

  function attachTypeSwitch(form) {
    var select = form.querySelector("[data-fe-type-select] select");
    if (!select) return;
    function apply() {
      form.querySelectorAll("[data-fe-types]").forEach(function (node) {
        node.hidden = node.getAttribute("data-fe-types").split(" ").indexOf(select.value) < 0;
      });
    }
    select.addEventListener("change", apply);
    apply();
  }

  // ------------------------------------------------------------ machine name from the label

  function attachNameSuggest(form) {
    var box = form.querySelector("[data-fe-name-url]");
    var label = form.querySelector('input[name="label"]');
    if (!box || !label) return;
    var name = box.querySelector('input[name="name"]');
    var url = box.getAttribute("data-fe-name-url");
    var auto = !name.value;  // proposed until the admin types a name of their own
    var timer = null;
    var asked = 0;
    name.addEventListener("input", function () { auto = !name.value; });
    label.addEventListener("input", function () {
      if (!auto) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        asked += 1;
        var mine = asked;
        fetch(url + "?label=" + encodeURIComponent(label.value), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) { if (data && mine === asked && auto) name.value = data.name; })
          .catch(function () { /* left empty, the server makes the name on save */ });
      }, 250);
    });
  }

  // ------------------------------------------------------------ choice editor

  function attachChoiceEditor(editor) {
    var list = editor.querySelector("[data-fe-choice-rows]");
    var add = editor.querySelector("[data-fe-choice-add]");
    var status = editor.querySelector("[data-fe-choice-status]");
    if (!list || !add) return;  // a bureau field's choices stay as they are
    var msg = {
      up: editor.getAttribute("data-msg-up"),
      down: editor.getAttribute("data-msg-down"),
      remove: editor.getAttribute("data-msg-remove"),
      moved: editor.getAttribute("data-msg-moved"),
      removed: editor.getAttribute("data-msg-removed"),
    };

    function rows() { return Array.prototype.slice.call(list.querySelectorAll("[data-fe-choice-row]")); }

    function refresh() {
      var all = rows();
      all.forEach(function (row, index) {
        row.querySelector("[data-fe-choice-up]").disabled = index === 0;
        row.querySelector("[data-fe-choice-down]").disabled = index === all.length - 1;
      });
    }

    function labelOf(row) { return row.querySelector('input[name="choice_label"]').value || "…"; }

    function decorate(row) {
      var tools = el("span", { class: "fe-choice-row__tools" }, [
        el("button", { type: "button", class: "button button-small button-secondary", "data-fe-choice-up": "" }),
        el("button", { type: "button", class: "button button-small button-secondary", "data-fe-choice-down": "" }),
        el("button", { type: "button", class: "button button-small no", "data-fe-choice-remove": "" }),
      ]);
      tools.children[0].textContent = msg.up;
      tools.children[1].textContent = msg.down;
      tools.children[2].textContent = msg.remove;
      row.appendChild(tools);
      function name(button, what) {
        button.setAttribute("aria-label", what + "：" + labelOf(row));
      }
      [["up", 0], ["down", 1], ["remove", 2]].forEach(function (pair) {
        var button = tools.children[pair[1]];
        button.addEventListener("focus", function () { name(button, msg[pair[0]]); });
        name(button, msg[pair[0]]);
      });
      tools.children[0].addEventListener("click", function () { move(row, -1, tools.children[0]); });
      tools.children[1].addEventListener("click", function () { move(row, 1, tools.children[1]); });
      tools.children[2].addEventListener("click", function () { removeRow(row); });
    }

    function move(row, step, button) {
      var all = rows();
      var index = all.indexOf(row);
      var target = index + step;
      if (target < 0 || target >= all.length) return;
      if (step < 0) list.insertBefore(row, all[target]);
      else list.insertBefore(row, all[target].nextSibling);
      refresh();
      if (button.disabled) {
        // At the end now: keep the keyboard on the row, on the button that can still move it.
        row.querySelector(step < 0 ? "[data-fe-choice-down]" : "[data-fe-choice-up]").focus();
      } else {
        button.focus();
      }
      status.textContent = format(msg.moved, { n: target + 1, total: all.length });
    }

    function removeRow(row) {
      var all = rows();
      var index = all.indexOf(row);
      if (all.length === 1) {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        row.querySelector("input").focus();
      } else {
        row.remove();
        var rest = rows();
        rest[Math.min(index, rest.length - 1)].querySelector('input[name="choice_label"]').focus();
      }
      refresh();
      status.textContent = msg.removed;
    }

    add.addEventListener("click", function () {
      var template = rows()[0];
      var row = template.cloneNode(true);
      row.querySelectorAll(".fe-choice-row__tools").forEach(function (node) { node.remove(); });
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      list.appendChild(row);
      decorate(row);
      refresh();
      row.querySelector('input[name="choice_label"]').focus();
    });

    // The server renders one empty row to type into; with the Add button, empty rows beyond one go.
    var blank = rows().filter(function (row) {
      return !Array.prototype.some.call(row.querySelectorAll("input"), function (input) { return input.value; });
    });
    blank.slice(rows().length === blank.length ? 1 : 0).forEach(function (row) { row.remove(); });
    rows().forEach(decorate);
    refresh();
    add.hidden = false;
  }

  // ------------------------------------------------------------ condition picker

  function literal(value) {
    if (value.indexOf("'") < 0) return "'" + value + "'";
    if (value.indexOf('"') < 0) return '"' + value + '"';
    return null;
  }

  function rowWrite(row, question) {
    var ref = "${" + question.name + "}";
    if (row.op === "filled") return ref + " != ''";
    if (row.op === "empty") return ref + " = ''";
    if (question.type === "yesno") return ref + " = " + (row.value === "yes" ? "true()" : "false()");
    var lit = literal(row.value);
    if (lit === null) return null;
    if (row.op === "selected") return "selected(" + ref + ", " + lit + ")";
    if (row.op === "not_selected") return "not(selected(" + ref + ", " + lit + "))";
    if (NUMERIC.indexOf(question.type) >= 0 && /^\d+(\.\d+)?$/.test(row.value)) return ref + " " + row.op + " " + row.value;
    return ref + " " + row.op + " " + lit;
  }

  function attachPicker(box, state) {
    var attr = box.getAttribute("data-fe-picker");
    var input = document.querySelector('[data-fe-expression="' + attr + '"] input');
    if (!input) return;
    var strings = state.strings;
    var questions = {};
    state.questions.forEach(function (q) { questions[q.name] = q; });
    var condition = state.conditions[attr] || { text: input.value, parsed: null };
    var parsed = condition.parsed;
    var rows = parsed ? parsed.rows.slice() : [];
    var join = parsed ? parsed.join : "and";
    var owned = parsed !== null;  // the picker writes the text only when it stands for it

    var note = el("p", { class: "help fe-picker__note", hidden: owned });
    note.textContent = strings.hand_written;
    var list = el("div", { class: "fe-picker__rows" });
    var joinId = uid("fe-join");
    var joinSelect = el("select", { id: joinId, "data-fe-join": "" });
    Object.keys(state.joins).forEach(function (key) {
      var option = el("option", { value: key, text: state.joins[key] });
      joinSelect.appendChild(option);
    });
    joinSelect.value = join;
    var joinLabel = el("label", { for: joinId, text: strings.join });
    var joinBox = el("div", { class: "fe-picker__join" }, [joinLabel, joinSelect]);
    var addButton = el("button", { type: "button", class: "button button-secondary", "data-fe-condition-add": "" });
    addButton.textContent = strings.add;
    box.classList.add("fe-picker");
    if (!state.questions.length) {
      box.appendChild(el("p", { class: "help", text: strings.none }));
      return;
    }
    box.appendChild(note);
    box.appendChild(joinBox);
    box.appendChild(list);
    box.appendChild(addButton);

    function write() {
      if (!owned) return;
      var parts = [];
      rows.forEach(function (row) {
        var question = questions[row.field];
        if (!question || !row.op) return;
        if (NO_VALUE.indexOf(row.op) < 0 && !row.value) return;
        var text = rowWrite(row, question);
        if (text) parts.push(text);
      });
      input.value = parts.join(join === "or" ? " or " : " and ");
    }

    function field(labelText, control) {
      var id = uid("fe-cond");
      control.id = id;
      return el("span", { class: "fe-picker__part" }, [el("label", { for: id, text: labelText }), control]);
    }

    function render() {
      list.textContent = "";
      joinBox.hidden = rows.length < 2;
      rows.forEach(function (row, index) {
        var question = questions[row.field];
        var qSelect = el("select", { "data-fe-condition-question": "" });
        qSelect.appendChild(el("option", { value: "", text: strings.choose_question }));
        state.questions.forEach(function (q) { qSelect.appendChild(el("option", { value: q.name, text: q.label })); });
        qSelect.value = row.field || "";
        var opSelect = el("select", { "data-fe-condition-operator": "" });
        (question ? question.ops : []).forEach(function (op) {
          opSelect.appendChild(el("option", { value: op, text: state.operators[op] }));
        });
        opSelect.value = row.op || "";
        opSelect.disabled = !question;
        var valueControl;
        if (question && question.choices) {
          valueControl = el("select", { "data-fe-condition-value": "" });
          valueControl.appendChild(el("option", { value: "", text: strings.choose_answer }));
          question.choices.forEach(function (c) { valueControl.appendChild(el("option", { value: c.value, text: c.label })); });
        } else {
          valueControl = el("input", { type: "text", autocomplete: "off", "data-fe-condition-value": "" });
          if (question && NUMERIC.indexOf(question.type) >= 0) valueControl.setAttribute("inputmode", "decimal");
        }
        valueControl.value = row.value || "";
        var valuePart = field(strings.answer, valueControl);
        valuePart.hidden = !question || NO_VALUE.indexOf(row.op) >= 0;
        var remove = el("button", { type: "button", class: "button button-small no", "data-fe-condition-remove": "" });
        remove.textContent = strings.remove;
        var line = el("div", { class: "fe-picker__row", "data-fe-condition-row": "" }, [
          field(strings.question, qSelect),
          field(strings.operator, opSelect),
          valuePart,
          remove,
        ]);
        list.appendChild(line);
        qSelect.addEventListener("change", function () {
          row.field = qSelect.value;
          var q = questions[row.field];
          row.op = q ? q.ops[0] : "";
          row.value = "";
          write();
          render();
          list.children[index].querySelector("[data-fe-condition-question]").focus();
        });
        opSelect.addEventListener("change", function () {
          row.op = opSelect.value;
          if (NO_VALUE.indexOf(row.op) >= 0) row.value = "";
          valuePart.hidden = NO_VALUE.indexOf(row.op) >= 0;
          write();
        });
        valueControl.addEventListener(valueControl.tagName === "SELECT" ? "change" : "input", function () {
          row.value = valueControl.value;
          write();
        });
        remove.addEventListener("click", function () {
          rows.splice(index, 1);
          write();
          render();
          var next = list.querySelector("[data-fe-condition-question]") || addButton;
          next.focus();
        });
      });
    }

    joinSelect.addEventListener("change", function () { join = joinSelect.value; write(); });
    addButton.addEventListener("click", function () {
      if (!owned) {
        owned = true;  // a hand-written condition is replaced once the picker is used
        note.hidden = true;
        rows = [];
      }
      rows.push({ field: "", op: "", value: "" });
      render();
      var selects = list.querySelectorAll("[data-fe-condition-question]");
      selects[selects.length - 1].focus();
    });
    input.addEventListener("input", function () {
      // Typed by hand: the text is what counts; the picker lets go of it.
      owned = false;
      rows = [];
      note.hidden = !input.value;
      render();
    });
    render();
  }

  function attach() {
    var form = document.querySelector("[data-fe-field-form]");
    if (!form) return;
    attachTypeSwitch(form);
    attachNameSuggest(form);
    form.querySelectorAll("[data-fe-choice-editor]").forEach(attachChoiceEditor);
    var stateNode = document.getElementById("fe-picker-state");
    if (stateNode) {
      var state = JSON.parse(stateNode.textContent);
      form.querySelectorAll("[data-fe-picker]").forEach(function (box) { attachPicker(box, state); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attach);
  else attach();
})();
