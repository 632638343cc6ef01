// The counter kiosk: one tap rates; every rating is kept on the device first, then sent with retries.
(function () {
  "use strict";
  var QUEUE_KEY = "cf.kiosk.queue";
  var TOKEN_KEY = "cf.kiosk.token";
  var CONFIG_KEY = "cf.kiosk.config";
  var ETAG_KEY = "cf.kiosk.etag";
  var BACKOFF_KEY = "cf.kiosk.backoff";
  // Answers to the optional sex and age step, sent once their rating has left the queue above.
  var SEXAGE_KEY = "cf.kiosk.sexage";
  // Earlier versions kept refused ratings here, contact details and all; the server keeps them now.
  var OLD_REJECTED_KEY = "cf.kiosk.rejected";
  // The server has answered for these: kept, kept before, or kept in quarantine for an admin.
  var ANSWERED = {stored: true, already_stored: true, quarantined: true};
  var DEFAULT_LANG = "zh_TW";
  var MAX_BACKOFF_MS = 5 * 60 * 1000;
  var BATCH = 50;

  var data = JSON.parse(document.getElementById("kiosk-data").textContent);
  var config = data.config;
  var texts = data.texts;
  var THANKS_MS = data.thanksMs || 4000;
  var CONFIG_POLL_MS = data.configPollMs || 30000;
  var pendingConfig = null; // a newly published version, shown from the next citizen on
  var WHY = data.reasonScreen || {seconds: 60, warningSeconds: 20};
  var SEXAGE_MS = data.sexAgeMs || 15000;
  var step = null;         // {uuid, dropped} of the rating whose sex and age step is shown
  var stepForm = document.getElementById("sexage-form"); // absent from a page kept from before the step
  var stepTimer = null;
  var lang = DEFAULT_LANG;
  var current = null;      // uuid of the rating whose reasons are being asked
  var whyDeadline = 0;     // when the reason screen closes unless it is touched again
  var whyTick = null;
  var thanksTimer = null;
  var sendTimer = null;
  var sending = false;

  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { window.localStorage.setItem(key, JSON.stringify(value)); }

  function newUuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- the queue: saved before anything else, removed only once the server has answered for it ---
  function queue() { return load(QUEUE_KEY, []); }
  function updateQueue(change) { var q = queue(); change(q); save(QUEUE_KEY, q); return q; }

  function record(score) {
    var item = {uuid: newUuid(), tapped_at: new Date().toISOString(), locale: lang,
                answers: {overall: score}, ready: score > 2};
    if (config.version) { item.version = config.version; }
    if (config.questionnaire) { item.questionnaire = config.questionnaire; }
    updateQueue(function (q) { q.push(item); });
    return item;
  }

  function finish(uuid, reasons, contact) {
    updateQueue(function (q) {
      q.forEach(function (item) {
        if (item.uuid !== uuid) { return; }
        if (reasons && reasons.length && config.reasons) { item.answers[config.reasons.code] = reasons; }
        if (contact) { item.contact = contact; }
        item.ready = true;
      });
    });
  }

  function backoff() { return load(BACKOFF_KEY, {attempt: 0, next: 0}); }

  function schedule(delay) {
    if (sendTimer) { clearTimeout(sendTimer); }
    sendTimer = setTimeout(flush, Math.max(0, delay));
  }

  function failed() {
    var b = backoff();
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, b.attempt)) * (0.75 + Math.random() * 0.5);
    save(BACKOFF_KEY, {attempt: b.attempt + 1, next: Date.now() + delay});
    schedule(delay);
  }

  function flush() {
    sendTimer = null;
    var token = window.localStorage.getItem(TOKEN_KEY);
    document.getElementById("not-paired").hidden = !!token;
    var ready = queue().filter(function (item) { return item.ready; });
    if (sending || !token) { return; }
    if (!ready.length) { flushSexAge(token); return; }
    // One questionnaire per send: each rating is read against the questionnaire it was answered on.
    var asked = ready[0].questionnaire || null;
    ready = ready.filter(function (item) { return (item.questionnaire || null) === asked; }).slice(0, BATCH);
    sending = true;
    var body = {ratings: ready.map(function (item) {
      var copy = {uuid: item.uuid, tapped_at: item.tapped_at, locale: item.locale, answers: item.answers};
      if (item.version) { copy.version = item.version; }
      if (item.contact) { copy.contact = item.contact; }
      return copy;
    })};
    // This device's clock now: the server corrects every tap time by how far it is off.
    body.sent_at = new Date().toISOString();
    if (asked) { body.questionnaire = asked; }
    fetch(data.api, {method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
                     body: JSON.stringify(body), cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (answer) {
        // Forgotten only once the server has kept it somewhere; anything else is sent again later.
        var done = {};
        var removed = 0;
        answer.results.forEach(function (result) {
          if (result.uuid && ANSWERED[result.status]) { done[result.uuid] = true; }
        });
        updateQueue(function (q) {
          for (var i = q.length - 1; i >= 0; i -= 1) { if (done[q[i].uuid]) { q.splice(i, 1); removed += 1; } }
        });
        sending = false;
        if (!removed) { failed(); return; }
        save(BACKOFF_KEY, {attempt: 0, next: 0});
        if (queue().some(function (item) { return item.ready; })) { schedule(0); } else { flushSexAge(token); }
      })
      .catch(function () { sending = false; failed(); });
  }

  // The step's answers update ratings the server holds already; an answer whose rating still waits stays.
  function flushSexAge(token) {
    var waiting = {};
    queue().forEach(function (item) { waiting[item.uuid] = true; });
    var due = load(SEXAGE_KEY, []).filter(function (a) { return !waiting[a.uuid]; }).slice(0, BATCH);
    if (sending || !due.length) { return; }
    sending = true;
    fetch(data.sexAgeUrl, {method: "POST", cache: "no-store",
                           headers: {"Content-Type": "application/json", "Accept": "application/json",
                                     "Authorization": "Bearer " + token},
                           body: JSON.stringify({answers: due})})
      .then(function (response) {
        // A request the server cannot read is never read later either: forget it rather than resend forever.
        if (response.status === 400) { return {results: due}; }
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (answer) {
        var done = {};
        answer.results.forEach(function (result) { if (result.uuid) { done[result.uuid] = true; } });
        save(SEXAGE_KEY, load(SEXAGE_KEY, []).filter(function (a) { return !done[a.uuid]; }));
        sending = false;
      })
      .catch(function () { sending = false; failed(); });
  }

  // --- screens ---
  function text(key) { var t = texts[key]; return t ? (t[lang] || t[DEFAULT_LANG]) : ""; }
  function tr(map) { return map ? (map[lang] || map[DEFAULT_LANG]) : ""; }

  function setLanguage(code) {
    lang = code;
    document.documentElement.lang = code.replace("_", "-");
    Array.prototype.forEach.call(document.querySelectorAll(".lang"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-lang") === code ? "true" : "false");
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (el) {
      var key = el.getAttribute("data-text");
      if (key === "overall") { el.textContent = tr(config.overall.texts); }
      else if (key === "reasons") { el.textContent = config.reasons ? tr(config.reasons.texts) : ""; }
      else { el.textContent = text(key); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-sexage]"), function (el) {
      var parts = el.getAttribute("data-sexage").split(":");
      var options = config.sexAge ? config.sexAge[parts[0]] || [] : [];
      var option = options.filter(function (o) { return o.code === parts[1]; })[0];
      if (option) { el.textContent = tr(option.texts); }
    });
    config.overall.options.forEach(function (option) {
      var el = document.querySelector('[data-option="' + option.code + '"]');
      if (el) { el.textContent = tr(option.texts); }
    });
    (config.reasons ? config.reasons.options : []).forEach(function (option) {
      var el = document.querySelector('[data-reason="' + option.code + '"]');
      if (el) { el.textContent = tr(option.texts); }
    });
  }

  function show(id) {
    ["screen-rate", "screen-why", "screen-sexage", "screen-thanks"].forEach(function (s) {
      document.getElementById(s).hidden = s !== id;
    });
    var heading = document.querySelector("#" + id + " h1, #" + id + " .thanks");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  function reset() {
    clearTimeout(thanksTimer);
    stopWhyTimer();
    clearTimeout(stepTimer);
    step = null;
    current = null;
    document.getElementById("why-form").reset();
    if (stepForm) { stepForm.reset(); }
    if (pendingConfig) { useConfig(pendingConfig); pendingConfig = null; }
    showFieldErrors({});
    document.getElementById("consent-ask").hidden = true;
    document.getElementById("contact-dropped").hidden = true;
    setLanguage(DEFAULT_LANG);
    show("screen-rate");
  }

  function thanks(contactDropped) {
    document.getElementById("contact-dropped").hidden = !contactDropped;
    show("screen-thanks");
    flush();
    thanksTimer = setTimeout(reset, THANKS_MS);
  }

  function tap(score) {
    var item = record(score);
    if (score > 2) { rated(item.uuid, false); return; }
    current = item.uuid;
    show("screen-why");
    armWhyTimer();
  }

  // --- the reason screen's time limit (WCAG 2.2.1): a countdown warns, more time or any touch restarts it ---
  function armWhyTimer() {
    clearInterval(whyTick);
    whyDeadline = Date.now() + WHY.seconds * 1000;
    document.getElementById("why-timeout").hidden = true;
    whyTick = setInterval(whyClock, 250);
  }

  function stopWhyTimer() {
    clearInterval(whyTick);
    whyTick = null;
    document.getElementById("why-timeout").hidden = true;
  }

  function whyClock() {
    var left = Math.ceil((whyDeadline - Date.now()) / 1000);
    if (left <= 0) { timeUp(); return; }
    var dialog = document.getElementById("why-timeout");
    if (left > WHY.warningSeconds) { return; }
    document.getElementById("why-countdown").textContent = text("closing_in").replace("{n}", String(left));
    if (dialog.hidden) { dialog.hidden = false; document.getElementById("more-time").focus(); }
  }

  function stillHere() { if (whyTick) { armWhyTimer(); } }

  // What the citizen gave on the reason screen; contact only if they agreed and it can be stored.
  function given() {
    var form = document.getElementById("why-form");
    var phone = form.elements.phone.value.trim();
    var email = form.elements.email.value.trim();
    var errors = {};
    if (phone && !new RegExp(WHY.phonePattern).test(phone.normalize("NFKC"))) { errors.phone = true; }
    if (email && (email.length > 254 || !new RegExp(WHY.emailPattern).test(email))) { errors.email = true; }
    var typed = !!(phone || email);
    var contact = null;
    if (typed && form.elements.consent.checked && !errors.phone && !errors.email) {
      contact = {phone: phone || null, email: email || null, consent: true};
    }
    return {
      reasons: Array.prototype.map.call(form.querySelectorAll('input[name="reason"]:checked'),
                                        function (el) { return el.value; }),
      typed: typed, consent: form.elements.consent.checked, errors: errors, contact: contact
    };
  }

  function showFieldErrors(errors) {
    [["phone", "contact-phone"], ["email", "contact-email"]].forEach(function (pair) {
      var input = document.getElementById(pair[1]);
      document.getElementById(pair[1] + "-error").hidden = !errors[pair[0]];
      if (errors[pair[0]]) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
  }

  function send(answer, contact) {
    stopWhyTimer();
    finish(current, answer.reasons, contact);
    rated(current, answer.typed && !contact);
  }

  // --- the optional sex and age step (where the office turns it on): after the rating, never before it ---
  function rated(uuid, contactDropped) {
    if (!config.sexAge || !stepForm) { thanks(contactDropped); return; }
    flush(); // the rating leaves now, as without the step; the answers follow it as an update
    step = {uuid: uuid, dropped: contactDropped};
    stepForm.reset();
    show("screen-sexage");
    armStepTimer();
  }

  function armStepTimer() {
    clearTimeout(stepTimer);
    stepTimer = setTimeout(function () { endStep(true); }, SEXAGE_MS);
  }

  // Sent, skipped or timed out: what was chosen is attached unless skipped; the rating stands either way.
  function endStep(keep) {
    if (!step) { return; }
    clearTimeout(stepTimer);
    var sex = stepForm.querySelector('input[name="sex"]:checked');
    var age = stepForm.querySelector('input[name="age_group"]:checked');
    if (keep && (sex || age)) {
      var answers = load(SEXAGE_KEY, []);
      answers.push({uuid: step.uuid, sex: sex ? sex.value : null, age_group: age ? age.value : null});
      save(SEXAGE_KEY, answers);
    }
    var dropped = step.dropped;
    step = null;
    thanks(dropped);
  }

  function buildStep() {
    if (!stepForm) { return; }
    ["sex", "age_group"].forEach(function (name) {
      var box = document.getElementById("sexage-" + name);
      Array.prototype.forEach.call(box.querySelectorAll(".sexage-choice"), function (el) { box.removeChild(el); });
      (config.sexAge ? config.sexAge[name] : []).forEach(function (option) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        var span = document.createElement("span");
        label.className = "sexage-choice";
        input.type = "radio";
        input.name = name;
        input.value = option.code;
        span.setAttribute("data-sexage", name + ":" + option.code);
        label.appendChild(input);
        label.appendChild(document.createTextNode(" "));
        label.appendChild(span);
        box.appendChild(label);
      });
    });
  }

  // The time ran out: the tap and the ticked reasons are kept; contact only as the citizen agreed to it.
  function timeUp() { var answer = given(); send(answer, answer.contact); }

  function submitWhy(event) {
    event.preventDefault();
    var answer = given();
    showFieldErrors(answer.errors);
    if (answer.errors.phone || answer.errors.email) {
      document.getElementById(answer.errors.phone ? "contact-phone" : "contact-email").focus();
      return;
    }
    if (answer.typed && !answer.consent) {
      document.getElementById("consent-ask").hidden = false;
      document.getElementById("consent-yes").focus();
      return;
    }
    send(answer, answer.contact);
  }

  function consentAnswered(agreed) {
    document.getElementById("consent-ask").hidden = true;
    document.getElementById("contact-consent").checked = agreed;
    var answer = given();
    send(answer, agreed ? answer.contact : null);
  }

  function skip() { send({reasons: [], typed: false}, null); }

  // --- the questionnaire: the published version of this kiosk's counter, switched only between citizens ---
  function idle() { return current === null && !document.getElementById("screen-rate").hidden; }

  function useConfig(fresh) {
    config = fresh;
    var box = document.querySelector("#why-form .reasons");
    Array.prototype.forEach.call(box.querySelectorAll(".reason"), function (el) { box.removeChild(el); });
    (config.reasons ? config.reasons.options : []).forEach(function (option) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      var span = document.createElement("span");
      label.className = "reason";
      input.type = "checkbox";
      input.name = "reason";
      input.value = option.code;
      span.setAttribute("data-reason", option.code);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(span);
      box.appendChild(label);
    });
    buildStep();
    setLanguage(lang);
  }

  function refreshConfig() {
    var token = window.localStorage.getItem(TOKEN_KEY);
    if (!token) { return; }
    var headers = {"Authorization": "Bearer " + token};
    var etag = window.localStorage.getItem(ETAG_KEY);
    if (etag && config.version) { headers["If-None-Match"] = etag; }
    fetch(data.configUrl, {headers: headers, cache: "no-store"})
      .then(function (r) {
        if (r.status === 304) { return null; }
        if (!r.ok) { throw new Error("status " + r.status); }
        var tag = r.headers.get("ETag");
        return r.json().then(function (fresh) { return {config: fresh, etag: tag}; });
      })
      .then(function (answer) {
        if (!answer || !answer.config.overall) { return; }
        save(CONFIG_KEY, answer.config);
        if (answer.etag) { window.localStorage.setItem(ETAG_KEY, answer.etag); }
        if (idle()) { pendingConfig = null; useConfig(answer.config); } else { pendingConfig = answer.config; }
      })
      .catch(function () { return null; });
  }

  function start() {
    window.localStorage.removeItem(OLD_REJECTED_KEY);
    var kept = load(CONFIG_KEY, null);
    if (kept && kept.overall) { useConfig(kept); }
    // A rating left half-way by a reload is sent as it was tapped.
    updateQueue(function (q) { q.forEach(function (item) { item.ready = true; }); });
    Array.prototype.forEach.call(document.querySelectorAll(".face"), function (b) {
      b.addEventListener("click", function () { tap(parseInt(b.getAttribute("data-score"), 10)); });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".lang"), function (b) {
      b.addEventListener("click", function () { setLanguage(b.getAttribute("data-lang")); });
    });
    document.getElementById("why-form").addEventListener("submit", submitWhy);
    document.getElementById("skip").addEventListener("click", skip);
    if (stepForm) {
      stepForm.addEventListener("submit", function (event) { event.preventDefault(); endStep(true); });
      document.getElementById("sexage-skip").addEventListener("click", function () { endStep(false); });
      stepForm.addEventListener("change", function () { if (step) { armStepTimer(); } });
    }
    document.getElementById("more-time").addEventListener("click", stillHere);
    document.getElementById("consent-yes").addEventListener("click", function () { consentAnswered(true); });
    document.getElementById("consent-no").addEventListener("click", function () { consentAnswered(false); });
    ["pointerdown", "keydown", "input", "change"].forEach(function (type) {
      document.addEventListener(type, stillHere, true);
    });
    window.addEventListener("online", function () { save(BACKOFF_KEY, {attempt: 0, next: 0}); schedule(0); });
    setLanguage(DEFAULT_LANG);
    refreshConfig();
    setInterval(function () { if (idle()) { refreshConfig(); } }, CONFIG_POLL_MS);
    schedule(backoff().next - Date.now());
    setInterval(function () { if (!sendTimer && !sending) { flush(); } }, 30000);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(data.sw, {scope: "/kiosk/"}).catch(function () { return null; });
    }
  }

  start();
}());
