#!/usr/bin/env bash
# Installs what the browser and HTML-audit tests need: Debian's Chromium, a Java runtime for
# the Nu Html Checker, jing (the RELAX NG validator the Atom feed is checked with), and the npm
# packages vnu-jar, axe-core, the two W3C annotation selector matchers (Hypothesis's
# dom-anchor-text-quote, Apache Annotator's @apache-annotator/dom, whose 0.2.0 does not declare
# its @apache-annotator/selector) and esbuild to bundle them for a page (into .cache/node,
# outside the tracked tree). Idempotent; needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# Pillow's raqm layout (right-to-left text in the share images) loads libfribidi at run time.
ldconfig -p 2>/dev/null | grep 'libfribidi\.so\.0' >/dev/null || need_apt+=(libfribidi0)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v jing >/dev/null 2>&1 || need_apt+=(jing)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core >/dev/null
fi

prefix=.cache/node
packages=(vnu-jar@26.9.27 axe-core@4.14.1 dom-anchor-text-quote@4.0.2 @apache-annotator/dom@0.2.0
          @apache-annotator/selector@0.2.0 esbuild@0.28.2)
missing=0
for package in "${packages[@]}"; do
  grep -q "\"version\": \"${package##*@}\"" "$prefix/node_modules/${package%@*}/package.json" 2>/dev/null || missing=1
done
if [ "$missing" = 1 ]; then
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || echo '{"private": true}' > "$prefix/package.json"
  # --ignore-scripts: vnu-jar's install script would download a JDK; the system Java runs it.
  # esbuild needs none: its binary comes in the @esbuild/<platform> package npm picks.
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$prefix" "${packages[@]}"
fi
echo "test tools ready: $(command -v chromium) $(java -version 2>&1 | head -n1), libfribidi for right-to-left share images"
