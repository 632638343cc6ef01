// Keeps the kiosk page and its assets so the kiosk starts and takes ratings with no network.
"use strict";
var CACHE = "cf-kiosk-v2";
var SHELL = ["/kiosk/", "/kiosk/static/kiosk.js", "/kiosk/static/kiosk.css"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === "/kiosk/" || url.pathname === "/kiosk") {
    // The page: fresh from the server when it answers soon, else the kept copy.
    event.respondWith(withTimeout(fetch(request), 4000).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put("/kiosk/", copy); });
        return response;
      }
      return caches.match("/kiosk/").then(function (kept) { return kept || response; });
    }).catch(function () { return caches.match("/kiosk/"); }));
    return;
  }
  if (url.pathname.indexOf("/kiosk/static/") === 0) {
    event.respondWith(caches.match(request, {ignoreSearch: true}).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
        }
        return response;
      });
      if (kept) { fresh.catch(function () { return null; }); return kept; }
      return fresh;
    }));
  }
});
