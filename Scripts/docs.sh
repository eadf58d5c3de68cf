#!/bin/bash
# Builds the DocC documentation of the VirtStorage library (the catalog in
# Sources/VirtStorage/VirtStorage.docc) with swift-docc-plugin. Warnings are
# errors: a broken symbol link fails the build. Prints where the archive is.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package --disable-sandbox generate-documentation --target VirtStorage --warnings-as-errors
archive=.build/plugins/Swift-DocC/outputs/VirtStorage.doccarchive
[ -d "$archive" ] || { echo "no documentation archive at $archive" >&2; exit 1; }
echo "documentation: $PWD/$archive"
