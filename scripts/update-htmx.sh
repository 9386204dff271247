#!/usr/bin/env bash
# Vendors htmx into crates/web/assets from the npm registry (never a CDN at run time).
# Usage: scripts/update-htmx.sh 2.0.11   — then update the file name in templates/base.html and assets.rs.
set -euo pipefail
version="${1:?usage: $0 VERSION}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$version" >/dev/null 2>&1 && tar xzf "htmx.org-$version.tgz")
rm -f "$here"/crates/web/assets/htmx-*.min.js
cp "$tmp/package/dist/htmx.min.js" "$here/crates/web/assets/htmx-$version.min.js"
cp "$tmp/package/LICENSE" "$here/crates/web/assets/htmx-LICENSE"
echo "htmx $version vendored"
