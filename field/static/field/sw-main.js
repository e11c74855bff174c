/*
 * The field app's service worker (after the head written by field/views.py: self.FIELD_SW and Workbox loaded).
 * Keeps the shell's files (precached, by revision), the shell page itself (network first, the copy kept 7 days,
 * never a redirect to the log-in page), and sends the queue on Background Sync.
 */
/* global workbox, FieldQueue */
(function () {
  "use strict";
  var config = self.FIELD_SW;
  var SHELL_CACHE = "field-shell";
  var WEEK = 7 * 24 * 3600;

  importScripts.apply(self, config.scripts);

  var routing = workbox.routing, strategies = workbox.strategies;
  var expiration = workbox.expiration, precaching = workbox.precaching;

  precaching.precacheAndRoute(config.precache);
  precaching.cleanupOutdatedCaches();

  // A signed-out visit answers with the log-in page (a redirect): that must never stand in for the shell.
  var onlyTheShell = {
    cacheWillUpdate: function (args) {
      var response = args.response;
      return response && response.status === 200 && !response.redirected ? response : null;
    }
  };
  var shell = new strategies.NetworkFirst({
    cacheName: SHELL_CACHE,
    networkTimeoutSeconds: 4,
    matchOptions: { ignoreSearch: true },
    plugins: [onlyTheShell, new expiration.ExpirationPlugin({ maxEntries: 4, maxAgeSeconds: WEEK })]
  });
  var shellPath = new RegExp("^" + config.shell.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(\\?.*)?$");
  routing.registerRoute(new routing.NavigationRoute(shell, { allowlist: [shellPath] }));

  self.addEventListener("install", function (event) {
    // The shell is kept at once, so the very first open can be repeated with no network.
    event.waitUntil(
      fetch(config.shell, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (response.ok && !response.redirected) {
          return caches.open(SHELL_CACHE).then(function (cache) { return cache.put(config.shell, response); });
        }
      }).catch(function () {})
    );
    self.skipWaiting();
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim());
  });

  self.addEventListener("sync", function (event) {
    if (event.tag === "field-send") event.waitUntil(FieldQueue.sendAll());
  });

  self.addEventListener("message", function (event) {
    if (event.data && event.data.type === "send") event.waitUntil(FieldQueue.sendAll());
  });
})();
