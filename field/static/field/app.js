/*
 * The field app (the page at /field/): today's due items with the cadres' cards, the forms rendered from their
 * published version's schema (conditions, calculations and validation by forms_engine's conditions.js, as on the
 * server), photos resized on the phone, and the queue of submissions (field/queue.js) sent when there is a network.
 *
 * Views by address: #/ today, #/form/<version id>?item=<due item id>&cadre=<cadre id>, #/edit/<client key>, #/queue.
 * Every text comes translated from the server (field/views.py texts()); the DOM is built with createElement only.
 */
(function () {
  "use strict";
  var Q = window.FieldQueue, C = window.JunxiuConditions;
  var config = JSON.parse(document.getElementById("field-config").textContent);
  var T = config.text;
  var WEEK = 7 * 24 * 3600 * 1000;
  var MAX_SIDE = 1600, QUALITY = 0.8, PREVIEW_SIDE = 480;
  var SELECT_WIDGETS = ["select", "list", "minimal"];
  var FILE_KINDS = ["jpg", "jpeg", "png", "gif", "webp", "pdf", "docx", "xlsx"];  // forms_engine.rendering.FILE_KINDS
  var DEFAULT_MAX_MB = 10;
  var main = document.getElementById("fa-main");
  var statusBar = document.querySelector("[data-status]");
  var pendingLink = document.querySelector("[data-pending]");
  var userName = document.querySelector("[data-user]");
  var state = { data: null, fetchedAt: 0, offline: false, stopped: "", notice: null, wiped: false, view: "" };

  Q.configure({ api: config.api });

  // ---------------------------------------------------------------- helpers

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") el.textContent = value;
      else if (name === "className") el.className = value;
      else if (name.indexOf("on") === 0) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}|%\((\w+)\)s/g, function (all, brace, percent) {
      var key = brace || percent;
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  var dayFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "long", day: "numeric", weekday: "short" });
  var momentFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });

  function formatDay(iso) {
    if (!iso) return "";
    var d = new Date(iso + "T12:00:00+08:00");
    return isNaN(d) ? iso : dayFormat.format(d);
  }

  function formatMoment(ms) { return momentFormat.format(new Date(ms)); }

  function todayIso() {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  function isEmpty(value) {
    return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  }

  function tree(condition) { return condition && condition.tree ? condition.tree : null; }

  function csrf() {
    var m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // The server's JSON, or {status: 0} with no network; a log-in page instead of JSON means the session has ended.
  function api(path, options) {
    options = options || {};
    var init = { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" };
    if (options.json) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = csrf();
      init.body = JSON.stringify(options.json);
    }
    return fetch(config.api + path, init).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("json") < 0) return { status: 403, body: {} };
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }, function () { return { status: 0, body: {} }; });
  }

  // ---------------------------------------------------------------- status bar and the pending count

  function showStatus() {
    var text = "", error = false;
    if (state.wiped) {
      text = "";
    } else if (state.stopped === "signed-out") {
      text = T.signed_out;
      error = true;
    } else if (state.offline) {
      text = T.offline + (state.fetchedAt ? " " + fill(T.last_updated, { time: formatMoment(state.fetchedAt) }) : "");
    }
    statusBar.textContent = "";
    statusBar.hidden = !text;
    statusBar.classList.toggle("fa-status--error", error);
    if (text) {
      statusBar.appendChild(document.createTextNode(text + " "));
      if (state.stopped === "signed-out") statusBar.appendChild(h("a", { href: config.login, text: T.sign_in }));
    }
  }

  function showPending() {
    if (state.wiped) {
      pendingLink.hidden = true;
      return Promise.resolve();
    }
    return Q.counts().then(function (counts) {
      pendingLink.hidden = counts.total === 0;
      pendingLink.classList.toggle("fa-pending--refused", counts.refused > 0);
      pendingLink.textContent = counts.refused
        ? fill(T.waiting_refused, { n: counts.total, refused: counts.refused })
        : fill(T.waiting, { n: counts.total });
      pendingLink.setAttribute("data-count", String(counts.total));
    });
  }

  // A message for the next views drawn in the coming 20 seconds (a list drawn again keeps it).
  function notice(text, kind) {
    state.notice = text ? { text: text, kind: kind || "", until: Date.now() + 20000 } : null;
  }

  function noticeElement() {
    if (!state.notice || Date.now() > state.notice.until) return null;
    return h("p", { className: "fa-notice" + (state.notice.kind ? " fa-notice--" + state.notice.kind : ""), role: "status", "data-notice": "", text: state.notice.text });
  }

  // ---------------------------------------------------------------- today

  function queuedItems() {
    return Q.list().then(function (entries) {
      var items = {};
      entries.forEach(function (e) { if (e.due_item_id) items[e.due_item_id] = true; });
      return items;
    });
  }

  function cardOf(item, data, queued) {
    var cadre = (data.cadres || {})[item.cadre_id] || (data.cadres || {})[String(item.cadre_id)] || null;
    var children = [h("p", { className: "fa-task", text: item.title }), h("p", { className: "fa-due", text: fill(T.due, { date: formatDay(item.due_date) }) })];
    if (cadre) {
      children.push(h("h3", { text: cadre.name }));
      if (cadre.flags && cadre.flags.length) {
        children.push(h("ul", { className: "fa-flags" }, cadre.flags.map(function (flag) {
          return h("li", { className: "fa-flag", text: typeof flag === "string" ? flag : flag.label || flag.name || "" });
        })));
      }
      var meta = [];
      [["rest_home", cadre.rest_home], ["address", cadre.address], ["phone", cadre.phone]].forEach(function (row) {
        if (!row[1]) return;
        var value = row[0] === "phone" && /^[\d+\-\s]+$/.test(row[1]) ? h("a", { href: "tel:" + row[1].replace(/[\s-]/g, ""), text: row[1] }) : row[1];
        meta.push(h("dt", { text: T[row[0]] }), h("dd", {}, [value]));
      });
      children.push(h("dl", { className: "fa-meta" }, meta));
      var visits = cadre.last_visits || [], complaints = cadre.open_complaints || [];
      children.push(h("details", { className: "fa-history" }, [
        h("summary", { text: fill(T.history, { visits: visits.length, complaints: complaints.length }) }),
        h("p", { text: T.last_visits }),
        h("ul", {}, visits.length ? visits.map(function (v) { return h("li", { text: formatDay(v.date) + " " + (v.form_title || v.title || "") }); }) : [h("li", { text: T.none })]),
        h("p", { text: T.open_complaints }),
        h("ul", {}, complaints.length ? complaints.map(function (c) { return h("li", { text: formatDay(c.date) + " " + (c.title || "") }); }) : [h("li", { text: T.none })])
      ]));
    }
    if (queued[item.id]) {
      children.push(h("p", { className: "fa-notice", text: T.filled }));
    } else if (item.version_id && (data.forms || {})[item.version_id]) {
      var query = "?item=" + encodeURIComponent(item.id) + (item.cadre_id ? "&cadre=" + encodeURIComponent(item.cadre_id) : "");
      children.push(h("a", { className: "fa-button", href: "#/form/" + item.version_id + query, "data-fill": item.id, text: T.fill }));
    }
    return h("li", { className: "fa-card", "data-item": item.id, "data-group": item.group }, children);
  }

  function renderToday() {
    var data = state.data;
    if (!data) {
      main.replaceChildren(noticeElement() || "", h("p", { className: "fa-notice", "data-empty": "", text: state.offline ? T.not_loaded : T.loading }));
      main.setAttribute("data-ready", "empty");
      return Promise.resolve();
    }
    return queuedItems().then(function (queued) {
      var parts = [noticeElement()];
      var items = data.items || [];
      ["overdue", "today", "week"].forEach(function (group) {
        var mine = items.filter(function (item) { return item.group === group; });
        if (!mine.length) return;
        parts.push(h("section", { "data-section": group }, [
          h("h2", { className: "fa-group fa-group--" + group }, [T[group] + " ", h("span", { className: "fa-count", text: "(" + mine.length + ")" })]),
          h("ul", { className: "fa-list" }, mine.map(function (item) { return cardOf(item, data, queued); }))
        ]));
      });
      if (!items.length) parts.push(h("p", { className: "fa-notice", text: T.nothing_due }));
      var forms = Object.keys(data.forms || {}).map(function (id) { return data.forms[id]; });
      forms.sort(function (a, b) { return (a.title || "").localeCompare(b.title || "", "zh-CN"); });
      parts.push(h("section", { "data-section": "forms" }, [
        h("h2", { className: "fa-group", text: T.forms }),
        forms.length
          ? h("ul", { className: "fa-forms" }, forms.map(function (form) {
            return h("li", {}, [h("a", { href: "#/form/" + form.version_id, "data-form": form.key, text: form.title })]);
          }))
          : h("p", { text: T.no_forms })
      ]));
      main.replaceChildren.apply(main, parts.filter(Boolean));
      main.setAttribute("data-ready", "today");
      if (!state.listShown && window.performance && performance.mark) performance.mark("field-list");  // bench/field.py
      state.listShown = true;
    });
  }

  // ---------------------------------------------------------------- forms

  var LIMITS = ["min", "max", "min_length", "max_length", "pattern", "default"];

  // The field as conditions.js reads it (forms_engine.public.conditions_limits + the data-* attributes).
  function condSpec(spec) {
    var out = {};
    LIMITS.forEach(function (key) { if (spec[key] !== null && spec[key] !== undefined && spec[key] !== "") out[key] = spec[key]; });
    if (spec.choices && spec.choices.length) out.choices = spec.choices.map(function (c) { return String(c.value); });
    return Object.assign(out, {
      name: spec.name,
      type: spec.type,
      required: !!spec.required,
      relevant: tree(spec.relevant),
      required_if: tree(spec.required_if),
      constraint: tree(spec.constraint),
      calculation: tree(spec.calculation)
    });
  }

  function choicesOf(spec) {
    if (spec.type === "yesno") return [["yes", T.yes], ["no", T.no]];
    if (spec.type === "rating") return [1, 2, 3, 4, 5].map(function (n) { return [String(n), String(n)]; });
    if (spec.type === "cadre") {
      var cadres = (state.data && state.data.cadres) || {};
      return Object.keys(cadres).map(function (id) { return [String(id), cadres[id].name]; });
    }
    if (spec.type === "staff") {
      var user = (state.data && state.data.user) || {};
      return user.staff_id ? [[String(user.staff_id), user.name || config.user]] : [];
    }
    return (spec.choices || []).map(function (c) { return [String(c.value), String(c.label)]; });
  }

  function labelOf(spec, id, asLegend) {
    var parts = [spec.label || spec.name];
    if (spec.required) parts.push(h("span", { className: "fa-required", "aria-hidden": "true", text: "*" }));
    return asLegend ? h("legend", { className: "fa-legend" }, parts) : h("label", { "for": id }, parts);
  }

  var uid = 0;

  // One field's wrapper, with `field` (the object conditions.js cleans) on it.
  function fieldElement(spec, prefix, values, files) {
    var id = "fa-" + (++uid), name = prefix + spec.name, type = spec.type, options = spec.options || {};
    var wrapper = h("div", { className: "fa-field", "data-field": spec.name, "data-type": type });
    var help = spec.help_text ? h("p", { className: "fa-help", text: spec.help_text }) : null;
    var value = values ? values[spec.name] : undefined;
    var read = function () { return null; };
    var rows = function () { return []; };
    if (type === "note") {
      wrapper.appendChild(h("p", { className: "fa-note", text: spec.label || "" }));
      if (help) wrapper.appendChild(help);
    } else if (type === "calculated") {
      wrapper.append(h("p", { className: "fa-legend", text: spec.label || spec.name }), h("output", { className: "fa-output", "data-output": "" }));
    } else if (type === "hidden") {
      wrapper.hidden = true;
      var hidden = h("input", { type: "hidden", name: name, value: isEmpty(value) ? "" : String(value) });
      wrapper.appendChild(hidden);
      read = function () { return hidden.value === "" ? null : hidden.value; };
    } else if (type === "multichoice" || (["choice", "likert", "yesno", "rating"].indexOf(type) >= 0 && SELECT_WIDGETS.indexOf(options.widget) < 0)) {
      var multiple = type === "multichoice";
      var chosen = multiple ? (Array.isArray(value) ? value.map(String) : []) : (isEmpty(value) ? null : String(value === true ? "yes" : value === false ? "no" : value));
      var boxes = choicesOf(spec).map(function (choice, i) {
        var input = h("input", { type: multiple ? "checkbox" : "radio", name: name, id: id + "-" + i, value: choice[0] });
        input.checked = multiple ? chosen.indexOf(choice[0]) >= 0 : chosen === choice[0];
        return h("label", { className: "fa-choice", "for": id + "-" + i }, [input, h("span", { text: choice[1] })]);
      });
      wrapper.appendChild(h("fieldset", { className: "fa-fieldset" }, [labelOf(spec, id, true), help].concat(boxes)));
      read = function () {
        var checked = Array.prototype.filter.call(wrapper.querySelectorAll("input"), function (c) { return c.checked; }).map(function (c) { return c.value; });
        return multiple ? checked : checked.length ? checked[0] : null;
      };
    } else if (["choice", "likert", "yesno", "rating", "cadre", "staff"].indexOf(type) >= 0) {
      var choices = choicesOf(spec);
      var current = isEmpty(value) ? "" : String(value);
      if (current && !choices.some(function (c) { return c[0] === current; })) choices.push([current, current]);
      var select = h("select", { className: "fa-control", id: id, name: name }, [h("option", { value: "", text: T.choose })].concat(choices.map(function (c) {
        return h("option", { value: c[0], text: c[1] });
      })));
      select.value = current;
      wrapper.append(labelOf(spec, id), help || "", select);
      read = function () { return select.value === "" ? null : select.value; };
    } else if (type === "file") {
      wrapper.append(labelOf(spec, id), help || "");
      var holder = { file: files ? files[spec.name] || null : null };
      var kinds = allowedKinds(spec), limit = Number(options.max_mb || DEFAULT_MAX_MB);
      var preview = h("img", { className: "fa-photo", alt: "", hidden: true });
      var fileName = h("p", { className: "fa-file-name", hidden: true });
      var refusal = h("p", { className: "fa-error", "data-file-error": "", hidden: true });
      var showFile = function () {
        var file = holder.file;
        preview.hidden = !(file && file.preview);
        if (file && file.preview) preview.src = file.preview;
        fileName.hidden = !file || !!file.preview;
        fileName.textContent = file ? file.name : "";
      };
      var changed = function () { wrapper.dispatchEvent(new Event("change", { bubbles: true })); };
      var picker = h("input", { type: "file", id: id, name: name, className: "fa-control", accept: kinds.map(function (k) { return "." + k; }).join(","), "aria-describedby": id + "-hint" });
      wrapper.appendChild(h("p", { className: "fa-help", id: id + "-hint", text: T.photo }));
      picker.addEventListener("change", function () {
        var chosenFile = picker.files && picker.files[0];
        if (!chosenFile) return;
        picker.disabled = true;
        refusal.hidden = true;
        (kinds.indexOf("jpg") >= 0 ? shrink(chosenFile, spec.name) : Promise.resolve(asIs(chosenFile))).then(function (stored) {
          // Refused here as the server would refuse it (forms_engine.rendering._store_file), so it is not queued.
          var extension = stored.name.indexOf(".") >= 0 ? stored.name.split(".").pop().toLowerCase() : "";
          var problem = kinds.indexOf(extension) < 0 ? fill(T.file_kind, { kinds: kinds.join(", ") })
            : stored.size > limit * 1024 * 1024 ? fill(T.file_size, { mb: String(limit) }) : "";
          refusal.textContent = problem;
          refusal.hidden = !problem;
          holder.file = problem ? null : stored;
          if (problem) picker.value = "";
          showFile();
        }).finally(function () {
          picker.disabled = false;
          changed();
        });
      });
      wrapper.appendChild(picker);
      if (kinds.indexOf("jpg") >= 0) {
        // A signature on the screen instead of a photo (the cadre or the family signs the visit).
        var pad = signaturePad(holder, showFile, spec.name);
        pad.hidden = true;
        wrapper.appendChild(h("button", { type: "button", className: "fa-button fa-button--quiet", "data-sign": "", text: T.sign, onclick: function () {
          pad.hidden = !pad.hidden;
        } }));
        wrapper.appendChild(pad);
      }
      wrapper.append(refusal, preview, fileName);
      showFile();
      wrapper.fieldFile = function () { return holder.file; };
      read = function () { return holder.file ? { name: holder.file.name, size: holder.file.size } : null; };
    } else if (type === "repeat") {
      var list = h("div", { "data-rows": "" });
      var addRow = function (rowValues) {
        var row = h("div", { className: "fa-row", "data-row": "" });
        var children = (spec.children || []).map(function (child) { return fieldElement(child, name + "-" + uid + "-", rowValues, null); });
        row.fields = children.map(function (el) { return el.field; });
        row.append(h("p", { className: "fa-row-title", text: fill(T.row, { n: list.children.length + 1 }) }));
        children.forEach(function (el) { row.appendChild(el); });
        row.appendChild(h("button", { type: "button", className: "fa-button fa-button--quiet", text: T.remove_row, onclick: function () {
          row.remove();
          wrapper.dispatchEvent(new Event("change", { bubbles: true }));
        } }));
        list.appendChild(row);
      };
      (Array.isArray(value) ? value : []).forEach(addRow);
      wrapper.append(labelOf(spec, id, true), help || "", list, h("button", { type: "button", className: "fa-button fa-button--quiet", text: T.add_row, onclick: function () {
        addRow({});
        wrapper.dispatchEvent(new Event("change", { bubbles: true }));
      } }));
      rows = function () { return Array.prototype.map.call(list.children, function (row) { return row.fields; }); };
    } else {
      var control = type === "textarea"
        ? h("textarea", { className: "fa-control", id: id, name: name, rows: "4" })
        : h("input", { className: "fa-control", id: id, name: name, type: inputType(type), inputmode: type === "integer" ? "numeric" : type === "decimal" ? "decimal" : null });
      control.value = isEmpty(value) ? "" : String(value);
      wrapper.append(labelOf(spec, id), help || "", control);
      read = function () { return control.value.trim() === "" ? null : control.value; };
    }
    wrapper.appendChild(h("p", { className: "fa-error", "data-error": "", hidden: true }));
    wrapper.field = { spec: condSpec(spec), source: spec, wrapper: wrapper, read: read, rows: rows };
    return wrapper;
  }

  function inputType(type) {
    return { integer: "number", date: "date", time: "time", datetime: "datetime-local", phone: "tel" }[type] || "text";
  }

  // The file kinds a field takes, as forms_engine.rendering._allowed_extensions reads its "accept" setting.
  function allowedKinds(spec) {
    var accept = (spec.options || {}).accept, wanted = FILE_KINDS;
    if (typeof accept === "string") accept = accept.replace(/,/g, " ").split(/\s+/);
    if (Array.isArray(accept) && accept.length) {
      wanted = accept.map(function (a) { return String(a).trim().replace(/^\.+/, "").toLowerCase(); }).filter(function (a) { return FILE_KINDS.indexOf(a) >= 0; });
    }
    return wanted.length ? wanted : FILE_KINDS;
  }

  function asIs(file) {
    return { blob: file, name: file.name, size: file.size, type: file.type, preview: "" };
  }

  // A photo as the phone keeps and sends it: at most 1600 px on its long side, JPEG at 0.8; other files as they are.
  function shrink(file, fieldName) {
    if (!/^image\//.test(file.type) || typeof createImageBitmap !== "function") {
      return Promise.resolve(asIs(file));
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return createImageBitmap(file); }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = drawn(bitmap, scale);
      var small = drawn(bitmap, Math.min(1, PREVIEW_SIDE / Math.max(bitmap.width, bitmap.height)));
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); }).then(function (blob) {
        return { blob: blob, name: fieldName + ".jpg", size: blob.size, type: "image/jpeg", preview: small.toDataURL("image/jpeg", 0.7) };
      });
    }, function () { return asIs(file); });
  }

  function drawn(source, scale) {
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(source.width * scale));
    canvas.height = Math.max(1, Math.round(source.height * scale));
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function signaturePad(holder, showFile, fieldName) {
    var canvas = h("canvas", { className: "fa-signature", "aria-label": T.sign_here, role: "img" });
    var context = null, drawing = false, touched = false;
    var start = function (event) {
      var box = canvas.getBoundingClientRect();
      if (!context) {
        canvas.width = Math.round(box.width);
        canvas.height = Math.round(box.height);
        context = canvas.getContext("2d");
        context.fillStyle = "#fff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.lineWidth = 3;
        context.lineCap = "round";
      }
      drawing = true;
      context.beginPath();
      context.moveTo(event.clientX - box.left, event.clientY - box.top);
      canvas.setPointerCapture(event.pointerId);
    };
    canvas.addEventListener("pointerdown", start);
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var box = canvas.getBoundingClientRect();
      context.lineTo(event.clientX - box.left, event.clientY - box.top);
      context.stroke();
      touched = true;
    });
    canvas.addEventListener("pointerup", function () {
      drawing = false;
      if (!touched) return;
      canvas.toBlob(function (blob) {
        holder.file = { blob: blob, name: fieldName + ".jpg", size: blob.size, type: "image/jpeg", preview: canvas.toDataURL("image/jpeg", 0.7) };
        canvas.dispatchEvent(new Event("change", { bubbles: true }));
      }, "image/jpeg", QUALITY);
    });
    var clear = h("button", { type: "button", className: "fa-button fa-button--quiet", text: T.clear, onclick: function () {
      if (context) context.fillRect(0, 0, canvas.width, canvas.height);
      holder.file = null;
      touched = false;
      showFile();
      canvas.dispatchEvent(new Event("change", { bubbles: true }));
    } });
    return h("div", {}, [h("p", { className: "fa-help", text: T.sign_here }), canvas, clear]);
  }

  // Show, hide, compute: the states conditions.js gives for the fields as they are now.
  function applyStates(states) {
    states.forEach(function (s) {
      var wrapper = s.field.wrapper;
      if (s.field.spec.type !== "hidden") wrapper.hidden = !s.shown;
      Array.prototype.forEach.call(wrapper.querySelectorAll("input, select, textarea"), function (c) {
        if (c.closest("[data-field]") === wrapper) c.disabled = !s.shown;
      });
      if (s.field.spec.type === "calculated") wrapper.querySelector("[data-output]").textContent = C.text(s.value);
      wrapper.classList.toggle("fa-field--required-now", !!s.field.spec.required_if && s.shown && s.required);
      if (s.rows) s.rows.forEach(function (row) { applyStates(row.states); });
    });
  }

  // The answers to send (raw, as a form post gives them; the server cleans them) and the files, from the states.
  function collect(states, files, errors, prefix) {
    var answers = {};
    states.forEach(function (s) {
      var field = s.field, spec = field.spec, key = prefix + spec.name;
      if (!s.shown || spec.type === "note" || spec.type === "calculated") return;
      var raw = field.read();
      if (spec.type === "repeat") {
        var rows = (s.rows || []).map(function (row, i) { return collect(row.states, null, errors, key + "[" + i + "]."); })
          .filter(function (row) { return Object.keys(row).length > 0; });
        if (rows.length) answers[spec.name] = rows;
        else if (s.required) errors[key] = T.required;
        return;
      }
      if (isEmpty(raw)) {
        if (s.required) errors[key] = T.required;
        return;
      }
      if (spec.type === "file") {
        if (files) files[spec.name] = field.wrapper.fieldFile();
        return;
      }
      if (s.value === null || s.value === undefined) {
        var cleaned = C.clean(spec, raw);
        errors[key] = cleaned !== undefined && spec.constraint ? field.source.constraint_message || T.constraint : T.invalid;
      }
      answers[spec.name] = raw;
    });
    return answers;
  }

  function showErrors(form, errors) {
    var first = null;
    Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (wrapper) {
      var key = keyOf(wrapper), message = errors[key];
      if (Array.isArray(message)) message = message.join(" ");
      var slot = wrapper.querySelector(":scope > [data-error]");
      wrapper.classList.toggle("fa-field--invalid", !!message);
      if (!slot) return;
      slot.hidden = !message;
      slot.textContent = message || "";
      if (message && !first) first = wrapper;
    });
    return first;
  }

  // The server's key of a wrapper: name, or group[i].name inside a repeat row.
  function keyOf(wrapper) {
    var row = wrapper.parentElement && wrapper.parentElement.closest("[data-row]");
    var name = wrapper.getAttribute("data-field");
    if (!row) return name;
    var group = row.closest("[data-field]");
    var index = Array.prototype.indexOf.call(row.parentElement.children, row);
    return keyOf(group) + "[" + index + "]." + name;
  }

  function renderForm(versionId, params, entry) {
    var form = state.data && state.data.forms ? state.data.forms[versionId] : null;
    if (!form && entry) form = entry.form;
    if (!form) {
      main.replaceChildren(h("p", { className: "fa-notice fa-notice--error", text: T.form_missing }), h("a", { className: "fa-button", href: "#/", text: T.cancel }));
      return;
    }
    var item = null;
    if (params.item && state.data) {
      item = (state.data.items || []).filter(function (i) { return String(i.id) === String(params.item); })[0] || null;
    }
    var values = entry ? entry.answers : Object.assign({}, item ? item.prefill || {} : {});
    var cadreId = entry ? entry.cadre_id : (item && item.cadre_id) || params.cadre || null;
    var fields = form.schema.fields || [];
    if (!entry && cadreId) {
      var cadreField = fields.filter(function (f) { return f.type === "cadre"; })[0];
      if (cadreField && isEmpty(values[cadreField.name])) values[cadreField.name] = String(cadreId);
    }
    if (!entry) {
      var user = (state.data && state.data.user) || {};
      fields.forEach(function (f) {
        if (f.type === "staff" && user.staff_id && isEmpty(values[f.name])) values[f.name] = String(user.staff_id);
      });
    }
    var root = h("div", { className: "fa-fields" });
    var elements = fields.map(function (spec) { return fieldElement(spec, "", values, entry ? entry.files : null); });
    elements.forEach(function (el) { root.appendChild(el); });
    var fieldsNow = function () { return elements.map(function (el) { return el.field; }); };
    var update = function () {
      var result = C.cleanAll(fieldsNow(), {});
      applyStates(result.states);
      return result;
    };
    var cadre = cadreId && state.data && state.data.cadres ? state.data.cadres[cadreId] : null;
    var formEl = h("form", { className: "fa-form", novalidate: true, "data-version": versionId }, [
      h("h2", { text: form.title }),
      cadre ? h("p", { className: "fa-for", text: fill(T.for_cadre, { name: cadre.name }) }) : null,
      entry && entry.state === "refused" ? h("div", { className: "fa-notice fa-notice--error", role: "alert", "data-refusal": "" }, [
        h("p", { className: "fa-reason", text: entry.message || T.refused }), h("p", { text: T.refused_help })
      ]) : null,
      h("p", { className: "fa-notice fa-notice--error", "data-form-error": "", role: "alert", hidden: true, text: T.fix }),
      root,
      h("div", { className: "fa-actions" }, [
        h("button", { type: "submit", className: "fa-button fa-button--wide", text: T.send }),
        h("a", { className: "fa-button fa-button--quiet fa-button--wide", href: entry ? "#/queue" : "#/", text: T.cancel })
      ])
    ]);
    var tried = false;
    var recheck = function () {
      var result = update();
      if (!tried) return;
      // After a first try, each answer's message goes as soon as it is put right.
      var errors = {};
      collect(result.states, null, errors, "");
      var first = showErrors(formEl, errors);
      formEl.querySelector("[data-form-error]").hidden = !first;
    };
    formEl.addEventListener("input", recheck);
    formEl.addEventListener("change", recheck);
    formEl.addEventListener("submit", function (event) {
      event.preventDefault();
      tried = true;
      var result = update(), errors = {}, files = {};
      var answers = collect(result.states, files, errors, "");
      var first = showErrors(formEl, errors);
      formEl.querySelector("[data-form-error]").hidden = !first;
      if (first) {
        first.scrollIntoView({ block: "center" });
        var control = first.querySelector("input, select, textarea");
        if (control) control.focus();
        return;
      }
      var cadreField = fields.filter(function (f) { return f.type === "cadre"; })[0];
      var cadreAnswer = cadreField ? answers[cadreField.name] : null;
      var queued = {
        client_key: entry ? entry.client_key : null,
        created: entry ? entry.created : null,
        version_id: Number(versionId),
        form: { key: form.key, title: form.title, version_id: form.version_id, schema: form.schema },
        title: form.title,
        cadre_id: cadreAnswer ? Number(cadreAnswer) : cadreId ? Number(cadreId) : null,
        cadre_name: cadre ? cadre.name : "",
        due_item_id: entry ? entry.due_item_id : item ? item.id : null,
        answers: answers,
        files: files,
        filled_at: new Date().toISOString()
      };
      formEl.querySelector("button[type=submit]").disabled = true;
      Q.put(queued).then(function () {
        notice(T.queued, "ok");
        location.hash = "#/";
        showPending();
        sendNow();
      });
    });
    main.replaceChildren(formEl);
    update();
    if (entry && entry.errors) showErrors(formEl, entry.errors);
    main.setAttribute("data-ready", "form");
  }

  // ---------------------------------------------------------------- the queue

  function renderQueue() {
    return Q.list().then(function (entries) {
      var parts = [noticeElement(), h("h2", { className: "fa-group", text: T.queue_title })];
      if (!entries.length) parts.push(h("p", { className: "fa-notice fa-notice--ok", text: T.all_sent }));
      parts.push(h("ul", { className: "fa-list" }, entries.map(function (e) {
        var refused = e.state === "refused";
        var errors = Object.keys(e.errors || {}).map(function (key) {
          var messages = e.errors[key];
          return h("li", { text: (Array.isArray(messages) ? messages.join(" ") : String(messages)) });
        });
        return h("li", { className: "fa-queue-item" + (refused ? " fa-queue-item--refused" : ""), "data-entry": e.client_key, "data-state": e.state }, [
          h("p", { className: "fa-task", text: e.title + (e.cadre_name ? " · " + e.cadre_name : "") }),
          h("p", { text: fill(T.filled_at, { time: formatMoment(Date.parse(e.filled_at)) }) }),
          refused ? h("p", { className: "fa-reason-title", text: T.refused }) : null,
          refused ? h("p", { className: "fa-reason", "data-reason": "", text: e.message || "" }) : null,
          refused && errors.length ? h("ul", { className: "fa-reasons" }, errors) : null,
          refused ? h("a", { className: "fa-button", href: "#/edit/" + e.client_key, text: T.correct }) : null,
          refused ? h("button", { type: "button", className: "fa-button fa-button--danger", text: T["delete"], onclick: function () {
            if (window.confirm(T.delete_confirm)) Q.remove(e.client_key).then(route);
          } }) : null
        ]);
      })));
      if (entries.some(function (e) { return e.state !== "refused"; })) {
        parts.push(h("button", { type: "button", className: "fa-button fa-button--wide", "data-send": "", text: T.send_now, onclick: function () { sendNow(); } }));
      }
      main.replaceChildren.apply(main, parts.filter(Boolean));
      main.setAttribute("data-ready", "queue");
    });
  }

  // ---------------------------------------------------------------- routing

  function route() {
    if (state.wiped) return Promise.resolve();
    var hash = location.hash || "#/";
    var match = /^#\/(form|edit)\/([^?]+)(?:\?(.*))?$/.exec(hash);
    main.removeAttribute("data-ready");
    if (match && match[1] === "form") {
      state.view = "form";
      var params = {};
      (match[3] || "").split("&").forEach(function (pair) {
        var kv = pair.split("=");
        if (kv[0]) params[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1] || "");
      });
      renderForm(match[2], params, null);
      return Promise.resolve();
    }
    if (match && match[1] === "edit") {
      state.view = "form";
      return Q.entry(match[2]).then(function (entry) {
        if (!entry) {
          location.hash = "#/queue";
          return;
        }
        renderForm(String(entry.version_id), {}, entry);
      });
    }
    if (hash === "#/queue") {
      state.view = "queue";
      return renderQueue();
    }
    state.view = "today";
    return renderToday();
  }

  // A list or the queue is drawn again when its data changes; a form being filled in is never redrawn.
  function redraw() {
    showStatus();
    showPending();
    if (state.view === "today" || state.view === "queue") return route();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- wiping, loading and sending

  function wiped(message) {
    state.wiped = true;
    state.data = null;
    pendingLink.hidden = true;
    statusBar.hidden = true;
    main.replaceChildren(h("p", { className: "fa-notice", role: "alert", "data-wiped": "", text: message }), h("a", { className: "fa-button", href: config.login, text: T.sign_in }));
    main.setAttribute("data-ready", "wiped");
  }

  function wipe(reason) {
    return Q.wipe(reason).then(function () { wiped(reason === "revoked" ? T.revoked : reason === "stale" ? T.stale : T.cleared); });
  }

  function loadStored() {
    return Promise.all([Q.get("today"), Q.get("today_at")]).then(function (found) {
      if (found[0] && found[1] && Date.now() - found[1] < WEEK) {
        state.data = found[0];
        state.fetchedAt = found[1];
      }
    });
  }

  function device() {
    return Q.get("device").then(function (id) {
      if (id) return id;
      id = Q.uuid();
      return Q.set("device", id).then(function () { return id; });
    });
  }

  function refresh() {
    if (state.wiped) return Promise.resolve();
    return device().then(function (id) {
      return Q.get("device_registered").then(function (registered) {
        if (registered === id) return { status: 200, body: {} };
        return api("devices/", { json: { device_id: id } });
      }).then(function (answer) {
        if (answer.body.wipe) return wipe("revoked");
        if (answer.status === 0) return offline();
        if (answer.status === 403) return signedOut();
        if (answer.status !== 200 && answer.status !== 201) return offline();
        return Q.set("device_registered", id).then(function () {
          return api("today/?device=" + encodeURIComponent(id));
        }).then(function (today) {
          if (today.body.wipe) return wipe("revoked");
          if (today.status === 0 || today.status >= 500) return offline();
          if (today.status === 403) return signedOut();
          if (today.status !== 200) return offline();
          var now = Date.now();
          state.data = today.body;
          if (today.body.user && today.body.user.name) userName.textContent = fill(T.signed_in, { name: today.body.user.name });
          state.fetchedAt = now;
          state.offline = false;
          if (state.stopped === "signed-out") state.stopped = "";
          return Promise.all([Q.set("today", today.body), Q.set("today_at", now), Q.touch()]).then(redraw);
        });
      });
    });
  }

  function offline() {
    state.offline = true;
    return redraw();
  }

  function signedOut() {
    state.stopped = "signed-out";
    return redraw();
  }

  var sending = null;

  function sendNow() {
    if (state.wiped) return Promise.resolve();
    if (sending) return sending;
    sending = Q.set("csrf", csrf()).then(Q.sendAll).then(function (result) {
      if (result.stopped === "wiped") return wipe("revoked");
      if (result.stopped === "signed-out") state.stopped = "signed-out";
      if (result.stopped === "offline") state.offline = true;
      if (result.sent || state.sentElsewhere) {
        state.sentElsewhere = false;
        if (result.sent) notice(fill(T.sent, { n: result.sent }), "ok");
        return refresh().then(redraw);
      }
      return redraw();
    }).finally(function () { sending = null; });
    return sending;
  }

  function onMessage(message) {
    var data = message.data || {};
    if (data.type === "wiped" && !state.wiped && data.reason !== "stale" && data.reason !== "owner") {
      wiped(data.reason === "revoked" ? T.revoked : T.cleared);
    } else if (data.type === "queue" || data.type === "sent") {
      showPending();
      // Sent here, by another tab or by the worker's Background Sync: the list is loaded again (done items go).
      if (data.type === "sent") state.sentElsewhere = true;
      if (data.type === "queue" && data.result && state.sentElsewhere && !sending) {
        state.sentElsewhere = false;
        if (state.view !== "form") refresh();
      }
    }
  }

  function signOut(event) {
    event.preventDefault();
    var formEl = event.target;
    Q.counts().then(function (counts) {
      if (counts.total && !window.confirm(fill(T.signout_confirm, { n: counts.total }))) return;
      return wipe("signout").then(function () {
        if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
          return navigator.serviceWorker.getRegistrations().then(function (registrations) {
            return Promise.all(registrations.map(function (r) { return r.unregister(); }));
          });
        }
      }).then(function () {
        if (navigator.onLine !== false) formEl.submit();
      });
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(config.sw, { scope: config.scope }).catch(function () {});
  }

  function start() {
    if (typeof BroadcastChannel !== "undefined") new BroadcastChannel(Q.CHANNEL).onmessage = onMessage;
    document.querySelector("[data-signout]").addEventListener("submit", signOut);
    window.addEventListener("hashchange", function () { route().then(function () { main.focus(); }); });
    window.addEventListener("online", function () {
      state.offline = false;
      refresh().then(sendNow);
    });
    window.addEventListener("offline", function () {
      state.offline = true;
      showStatus();
    });
    Q.stale().then(function (isStale) {
      if (isStale) return Q.wipe("stale").then(function () { notice(T.stale, "error"); });
    }).then(function () {
      // Another user signed in on this phone (the last one's session ended without signing out): nothing of theirs.
      return Q.get("owner").then(function (owner) {
        if (owner && owner !== config.user) return Q.wipe("owner");
      }).then(function () { return Q.set("owner", config.user); });
    }).then(function () {
      return Promise.all([loadStored(), Q.set("csrf", csrf())]);
    }).then(function () {
      state.offline = navigator.onLine === false;
      showStatus();
      showPending();
      return route();
    }).then(function () {
      registerWorker();
      return refresh();
    }).then(sendNow).then(function () {
      setInterval(function () {
        if (state.wiped) return;
        Q.counts().then(function (counts) { if (counts.waiting) sendNow(); });
      }, 30000);
    });
  }

  start();
})();
