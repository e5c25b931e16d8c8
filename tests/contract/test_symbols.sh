#!/bin/bash
# tests/contract/test_symbols.sh - libstrata.so exports strata_* symbols
# and nothing else (libtool's -export-symbols-regex in Makefile.am), so
# that no internal helper (a buffer, a parser) becomes a name an embedding
# program or a driver plugin could bind to by accident; and the public
# calls are among them.
set -euo pipefail
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
so=$top_builddir/.libs/libstrata.so
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

if [[ ! -e $so ]]; then
	# configure --disable-shared: there is no export table to check
	echo "1..0 # SKIP no shared library in $top_builddir/.libs (--disable-shared)"
	exit 0
fi
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWiu]$/ { print $3 }' | sort -u)
others=$(grep -v '^strata_' <<<"$syms" || true)
if [[ -z $others ]]; then
	ok "every exported symbol starts with strata_ ($(wc -l <<<"$syms") of them)"
else
	not_ok "exported symbols without the strata_ prefix: $(tr '\n' ' ' <<<"$others")"
fi
for s in strata_open strata_close strata_up strata_down strata_status_get \
	strata_source_new strata_source_add_dir strata_baseline_from \
	strata_driver_register strata_error_set strata_conn_init strata_cells_free; do
	if grep -qx "$s" <<<"$syms"; then
		ok "$s is exported"
	else
		not_ok "$s is not exported"
	fi
done
echo "1..$n"
[[ $failed -eq 0 ]]
