// Keep the device token on this screen, then open the rating page.
(function () {
  "use strict";
  var box = document.getElementById("paired");
  if (!box) { return; }
  try {
    window.localStorage.setItem("cf.kiosk.token", box.getAttribute("data-token"));
    // The questionnaire of this kiosk's counter, so the rating page shows the version it sends from the start.
    var config = box.getAttribute("data-config");
    if (config) { window.localStorage.setItem("cf.kiosk.config", config); }
    else { window.localStorage.removeItem("cf.kiosk.config"); }
    window.localStorage.removeItem("cf.kiosk.etag");
  } catch (e) { return; }
  window.location.replace(box.getAttribute("data-next"));
}());
