// The preview server's reload script; never part of a built site.
// It asks /livereload/<epoch>?page=<this page> (the build this page came from), which answers
// "reload <epoch>" when a later build changed this page, or "current <epoch>" when builds came
// and left it as it is. If the server goes away, it retries, and reloads once it is back.
(function () {
  "use strict";
  var script = document.currentScript;
  var epoch = script && script.getAttribute("data-epoch");
  if (!epoch) { return; }
  var lost = false;
  function poll() {
    var url = "/livereload/" + encodeURIComponent(epoch) + "?page=" + encodeURIComponent(window.location.pathname);
    fetch(url, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (text) {
        var answer = text.trim().split(" ");
        if (lost || answer[0] !== "current") { window.location.reload(); } else { epoch = answer[1]; poll(); }
      })
      .catch(function () { lost = true; window.setTimeout(poll, 1000); });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-livereload-hide]")) {
      var overlay = document.getElementById("livereload-overlay");
      if (overlay) { overlay.hidden = true; }
    }
  });
  poll();
}());
