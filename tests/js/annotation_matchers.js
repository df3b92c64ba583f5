// The two third-party W3C selector matchers the browser test runs, bundled by esbuild into one
// script that the test adds to a page: Hypothesis's (dom-anchor-text-quote, fuzzy, with the
// text-position library it is built on) and Apache Annotator's (strict).
import * as hypothesisQuote from "dom-anchor-text-quote";
import * as hypothesisPosition from "dom-anchor-text-position";
import { createTextPositionSelectorMatcher, createTextQuoteSelectorMatcher } from "@apache-annotator/dom";

async function all(matches) {
  const out = [];
  for await (const range of matches) out.push(range);
  return out;
}

window.annotationMatchers = {
  // Each returns the ranges it finds for a selector within `root` (a Node). Hypothesis's
  // client gives its quote matcher the position it expects the quote at as a hint.
  hypothesis: async (root, selector, hint) => {
    const range = selector.type === "TextQuoteSelector"
      ? hypothesisQuote.toRange(root, selector, {hint})
      : hypothesisPosition.toRange(root, selector);
    return range ? [range] : [];
  },
  apache: async (root, selector) => all(selector.type === "TextQuoteSelector"
    ? createTextQuoteSelectorMatcher(selector)(root)
    : createTextPositionSelectorMatcher(selector)(root)),
};
