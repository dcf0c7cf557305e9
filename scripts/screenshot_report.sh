#!/usr/bin/env bash
# Screenshot a Parley HTML report with headless Chromium (Debian's `chromium` package), fully offline.
# Usage: scripts/screenshot_report.sh REPORT_DIR_OR_INDEX_HTML [OUT.png] [WIDTHxHEIGHT]
set -euo pipefail
target=${1:?usage: $0 REPORT_DIR_OR_INDEX_HTML [OUT.png] [WIDTHxHEIGHT]}
out=${2:-/tmp/report.png}
size=${3:-1280x2400}
[[ -d "$target" ]] && target="$target/index.html"
[[ -f "$target" ]] || { echo "no such report: $target" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --screenshot="$out" --window-size="${size/x/,}" \
  "file://$(realpath "$target")" 2>/dev/null
echo "$out"
