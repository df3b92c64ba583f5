// The index's verdict and tag links filter the list in place; without JavaScript they are
// plain links to the verdict and tag pages. The filter lives in the URL's hash, so a filtered
// list can be linked to and the back button works.
(function () {
  "use strict";
  var filters = document.querySelector("[data-filters]");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".claim-card"));
  var status = document.querySelector(".filter-status");
  if (!filters || !cards.length || !status) return;

  function parse(hash) {
    var m = /^#(verdict|tag)=([a-z0-9-]+)$/.exec(hash);
    return m ? { kind: m[1], value: m[2] } : null;
  }

  function apply(filter) {
    var shown = 0;
    cards.forEach(function (card) {
      var match = !filter ||
        (filter.kind === "verdict" ? card.getAttribute("data-verdict") === filter.value
          : (" " + card.getAttribute("data-tags") + " ").indexOf(" " + filter.value + " ") !== -1);
      card.hidden = !match;
      if (match) shown += 1;
    });
    filters.querySelectorAll("a[data-filter]").forEach(function (link) {
      var current = filter && link.getAttribute("data-filter") === filter.kind + "=" + filter.value;
      if (current) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current");
    });
    if (!filter) {
      status.hidden = true;
      status.textContent = "";
      return;
    }
    status.hidden = false;
    var label = filters.querySelector('a[data-filter="' + filter.kind + "=" + filter.value + '"]');
    var name = label ? label.getAttribute("data-label") : filter.value;
    status.textContent = "Showing " + shown + " of " + cards.length + " claims: " +
      (filter.kind === "verdict" ? "rated " : "tagged ") + name + ". ";
    var reset = document.createElement("a");
    reset.href = "#claims-heading";
    reset.textContent = "Show all claims";
    reset.addEventListener("click", function (event) {
      event.preventDefault();
      history.pushState(null, "", window.location.pathname + window.location.search);
      apply(null);
    });
    status.appendChild(reset);
  }

  filters.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-filter]");
    if (!link) return;
    event.preventDefault();
    history.pushState(null, "", "#" + link.getAttribute("data-filter"));
    apply(parse(window.location.hash));
    document.getElementById("claims-heading").scrollIntoView();
  });
  window.addEventListener("popstate", function () { apply(parse(window.location.hash)); });
  apply(parse(window.location.hash));
})();
