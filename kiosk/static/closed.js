// A closed counter: the kiosk asks the server now and every minute; while it answers counter_closed, a notice in
// every language replaces the questionnaire. The answer is kept, so a reload with no network still shows it.
(function () {
  "use strict";
  var TOKEN_KEY = "cf.kiosk.token";
  var CLOSED_KEY = "cf.kiosk.closed";
  var CHECK_MS = 60000;
  var data = JSON.parse(document.getElementById("kiosk-data").textContent);

  function show(closed) {
    document.getElementById("kiosk-closed").hidden = !closed;
    document.getElementById("kiosk").hidden = closed;
  }

  function check() {
    var token = window.localStorage.getItem(TOKEN_KEY);
    if (!token) { return; }
    fetch(data.configUrl, {headers: {"Authorization": "Bearer " + token, "Accept": "application/json"},
                           cache: "no-store"})
      .then(function (response) {
        if (response.ok) { return false; }
        if (response.status !== 403) { return null; }
        return response.json().then(function (body) {
          return !!(body && body.error && body.error.code === "counter_closed");
        });
      })
      .then(function (closed) {
        if (closed === null) { return; }
        window.localStorage.setItem(CLOSED_KEY, closed ? "1" : "0");
        show(closed);
      })
      .catch(function () { return null; });
  }

  show(window.localStorage.getItem(CLOSED_KEY) === "1");
  check();
  setInterval(check, CHECK_MS);
}());
