#!/usr/bin/env bash
# Installs what the browser and HTML-audit tests need: Debian's Chromium, a Java runtime for
# the Nu Html Checker, jing (the RELAX NG validator the Atom feed is checked with), and the npm
# packages vnu-jar and axe-core (into .cache/node, outside the tracked tree). Idempotent; needs
# root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v jing >/dev/null 2>&1 || need_apt+=(jing)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core >/dev/null
fi

prefix=.cache/node
if [ ! -f "$prefix/node_modules/vnu-jar/build/dist/vnu.jar" ] || [ ! -f "$prefix/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || echo '{"private": true}' > "$prefix/package.json"
  # --ignore-scripts: vnu-jar's install script would download a JDK; the system Java runs it.
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$prefix" vnu-jar@26.9.27 axe-core@4.14.1
fi
echo "test tools ready: $(command -v chromium) $(java -version 2>&1 | head -n1)"
