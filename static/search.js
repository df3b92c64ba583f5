// The search page: results from the Pagefind index, in the site's own markup and font, each
// with its verdict's graphic and badge (copied from the page's <template>s). The box is the
// header's: on this page it searches as you type.
(function () {
  "use strict";
  var list = document.querySelector("[data-search-results]");
  var status = document.querySelector("[data-search-status]");
  var input = document.getElementById("site-search");
  if (!list || !status || !input) return;
  var bundle = new URL(list.getAttribute("data-bundle"), document.baseURI);
  var base = new URL("../", bundle).pathname;
  var engine = null;
  var latest = 0;

  function say(text) { status.textContent = text; }

  // Pagefind's excerpt marks the words found with <mark>; keep those and the text, nothing else.
  function excerpt(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var p = document.createElement("p");
    holder.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function card(data) {
    var item = document.createElement("li");
    item.className = "claim-card";
    var verdict = document.querySelector('template[data-verdict-mark="' + CSS.escape(data.meta.verdict || "") + '"]');
    if (verdict) {
      var line = document.createElement("p");
      line.className = "claim-card-verdict";
      line.appendChild(verdict.content.cloneNode(true));
      item.appendChild(line);
    }
    var heading = document.createElement("h2");
    heading.className = "claim-card-title";
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    heading.appendChild(link);
    item.appendChild(heading);
    var text = excerpt(data.excerpt);
    text.className = "meta";
    item.appendChild(text);
    return item;
  }

  function run(query) {
    var mine = ++latest;
    var url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
    if (!query.trim()) { list.replaceChildren(); say("Type in the search box at the top of the page."); return; }
    engine.search(query).then(function (found) {
      return Promise.all(found.results.slice(0, 20).map(function (r) { return r.data(); }));
    }).then(function (results) {
      if (mine !== latest) return;
      list.replaceChildren.apply(list, results.map(card));
      var n = results.length;
      say(n ? n + (n === 1 ? " fact-check" : " fact-checks") + " found for “" + query + "”."
            : "No fact-check found for “" + query + "”. Try another word, or browse by verdict or tag.");
    });
  }

  say("Loading the search index…");
  import(new URL("pagefind.js", bundle).href).then(function (pagefind) {
    return pagefind.options({ baseUrl: base }).then(function () { return pagefind; });
  }).then(function (pagefind) {
    engine = pagefind;
    var form = input.form;
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    form.addEventListener("submit", function (event) { event.preventDefault(); run(input.value); });
    input.addEventListener("input", function () { run(input.value); });
    run(input.value);
    input.focus();
  }, function () {
    // A site built with --no-search, or the local preview, has no index.
    say("Search is not available on this copy of the site: it was built without its search index " +
        "(the local preview and builds with --no-search leave it out). Browse the claims by verdict or tag instead.");
  });
})();
