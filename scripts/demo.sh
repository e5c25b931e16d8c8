#!/bin/bash
# scripts/demo.sh - builds strata and applies migrations/ to a SQLite
# database (demo.db), then shows `strata status`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p _build/demo
cd _build/demo
[ -f Makefile ] || ../../configure -q
make -s -j"$(nproc)"
cd ../..
db=demo.db
rm -f "$db"
./_build/demo/strata --url "sqlite:$db" --dir migrations up
./_build/demo/strata --url "sqlite:$db" --dir migrations status
