// The search page: Pagefind's UI, started with the words typed in the header's search box.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  // The index comes in shards (one Pagefind index each): the first one's UI merges the others.
  // Pagefind resolves a relative bundle path against its own script, not the page: give it absolute paths.
  var bundles = box.getAttribute("data-bundles").split(" ").map(function (path) {
    return new URL(path, document.baseURI).pathname;
  });
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: bundles[0],
    mergeIndex: bundles.slice(1).map(function (path) { return { bundlePath: path }; }),
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    translations: { placeholder: "Search the fact-checks" }
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
