// Keep the device token on this screen, then open the rating page.
(function () {
  "use strict";
  var box = document.getElementById("paired");
  if (!box) { return; }
  try {
    window.localStorage.setItem("cf.kiosk.token", box.getAttribute("data-token"));
    window.localStorage.removeItem("cf.kiosk.config");
  } catch (e) { return; }
  window.location.replace(box.getAttribute("data-next"));
}());
