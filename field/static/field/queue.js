/*
 * The field app's storage and send queue, shared by the page (app.js) and the service worker (sw-main.js).
 *
 * Everything the phone keeps is in one IndexedDB store (idb-keyval): the device's id, the CSRF token, the last
 * contact with the server, today's list with its cards and forms, and the queue of submissions ("queue/<client_key>").
 * A submission is deleted only when the server has answered 200/201 for its key; a refusal (422/404/400) stays on
 * the phone with the server's reason. The send loop runs under a Web Lock, so two tabs (or a tab and the worker)
 * never send the same entry at once; the server accepts a key once anyway.
 */
(function (root) {
  "use strict";
  var kv = root.idbKeyval;
  var store = kv.createStore("junxiu-field", "kv");
  var QUEUE = "queue/";
  var LOCK = "junxiu-field-send";
  var CHANNEL = "junxiu-field";
  var HOURS_72 = 72 * 3600 * 1000;
  var PARALLEL = 3;
  var settings = { api: "/field/api/" };

  function configure(options) { Object.assign(settings, options || {}); }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var bytes = root.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function notify(type, detail) {
    if (typeof BroadcastChannel === "undefined") return;
    var channel = new BroadcastChannel(CHANNEL);
    channel.postMessage(Object.assign({ type: type }, detail || {}));
    channel.close();
  }

  function get(key) { return kv.get(key, store); }
  function set(key, value) { return kv.set(key, value, store); }

  function list() {
    return kv.entries(store).then(function (entries) {
      return entries
        .filter(function (e) { return typeof e[0] === "string" && e[0].indexOf(QUEUE) === 0; })
        .map(function (e) { return e[1]; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }

  function counts() {
    return list().then(function (entries) {
      var refused = entries.filter(function (e) { return e.state === "refused"; }).length;
      return { total: entries.length, refused: refused, waiting: entries.length - refused };
    });
  }

  function entry(key) { return get(QUEUE + key); }

  // Queue a submission (or put back a corrected refused one, under its first key): it waits to be sent.
  function put(item) {
    item.client_key = item.client_key || uuid();
    item.created = item.created || Date.now();
    item.state = "waiting";
    item.message = "";
    item.errors = {};
    return set(QUEUE + item.client_key, item).then(function () {
      notify("queue");
      requestSync();
      return item;
    });
  }

  function remove(key) {
    return kv.del(QUEUE + key, store).then(function () { notify("queue"); });
  }

  // Ask the worker for a Background Sync; where there is none, the page sends on open, on `online` and on a timer.
  function requestSync() {
    if (typeof navigator === "undefined" || !navigator.serviceWorker || root.registration) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("field-send");
    }).catch(function () {});
  }

  function touch() { return set("last_contact", Date.now()); }

  function stale() {
    return get("last_contact").then(function (last) { return !!last && Date.now() - last > HOURS_72; });
  }

  // Everything the phone holds: the store and every cache of the site (the shell, which shows the user's name).
  function wipe(reason) {
    var cleared = kv.clear(store);
    var cachesCleared = typeof caches === "undefined" ? Promise.resolve() : caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    });
    return Promise.all([cleared, cachesCleared]).then(function () { notify("wiped", { reason: reason || "" }); });
  }

  function csrfToken() {
    if (typeof document !== "undefined") {
      var m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
      if (m) return Promise.resolve(decodeURIComponent(m[1]));
    }
    return get("csrf");
  }

  function payloadOf(item, deviceId) {
    var payload = {
      client_key: item.client_key,
      device_id: deviceId,
      version_id: item.version_id,
      answers: item.answers,
      filled_at: item.filled_at
    };
    if (item.cadre_id) payload.cadre_id = item.cadre_id;
    if (item.due_item_id) payload.due_item_id = item.due_item_id;
    return payload;
  }

  // One entry: "sent", "refused", "gone" (another tab sent it), "wiped", "signed-out" or "offline" (stop, retry later).
  function sendOne(key, deviceId, token) {
    return entry(key).then(function (item) {
      if (!item || item.state === "refused") return item ? "refused" : "gone";
      var body = new FormData();
      body.append("payload", JSON.stringify(payloadOf(item, deviceId)));
      Object.keys(item.files || {}).forEach(function (name) {
        var file = item.files[name];
        body.append(name, file.blob, file.name);
      });
      return fetch(settings.api + "submissions/", {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token || "", Accept: "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (answer && answer.wipe) return wipe("revoked").then(function () { return "wiped"; });
          if ((response.status === 200 || response.status === 201) && answer.receipt) {
            return kv.del(QUEUE + key, store).then(touch).then(function () {
              notify("sent", { receipt: answer.receipt, title: item.title || "" });
              return "sent";
            });
          }
          if (response.status === 422 || response.status === 404 || response.status === 400) {
            item.state = "refused";
            item.message = answer.message || "";
            item.errors = answer.errors || {};
            item.refused_at = Date.now();
            return set(QUEUE + key, item).then(touch).then(function () { return "refused"; });
          }
          if (response.status === 403) return "signed-out";
          return "offline";
        });
      }, function () { return "offline"; });
    });
  }

  function sendLoop() {
    return Promise.all([list(), get("device"), csrfToken()]).then(function (found) {
      var keys = found[0].filter(function (e) { return e.state !== "refused"; }).map(function (e) { return e.client_key; });
      var deviceId = found[1], token = found[2], result = { sent: 0, refused: 0, stopped: "" };
      if (!deviceId) return result;
      var next = 0;
      // A few at once (each entry by one sender only); the first "stop" (no network, signed out, wiped) ends all.
      var worker = function () {
        if (result.stopped || next >= keys.length) return Promise.resolve();
        return sendOne(keys[next++], deviceId, token).then(function (outcome) {
          if (outcome === "sent") result.sent++;
          else if (outcome === "refused") result.refused++;
          else if (outcome !== "gone") result.stopped = result.stopped || outcome;
          return worker();
        });
      };
      var workers = [];
      for (var i = 0; i < Math.min(PARALLEL, keys.length); i++) workers.push(worker());
      return Promise.all(workers).then(function () { return result; });
    });
  }

  // Send every waiting entry, one sender at a time across tabs and the worker.
  function sendAll() {
    var run = function () {
      return sendLoop().then(function (result) {
        notify("queue", { result: result });
        return result;
      });
    };
    if (typeof navigator !== "undefined" && navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, run);
    }
    return run();
  }

  root.FieldQueue = {
    configure: configure,
    uuid: uuid,
    get: get,
    set: set,
    list: list,
    counts: counts,
    entry: entry,
    put: put,
    remove: remove,
    touch: touch,
    stale: stale,
    wipe: wipe,
    sendAll: sendAll,
    requestSync: requestSync,
    CHANNEL: CHANNEL
  };
})(typeof self !== "undefined" ? self : this);
