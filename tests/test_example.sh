#!/bin/bash
# tests/test_example.sh - installs libstrata into a temporary prefix,
# builds examples/embed.c against it through pkg-config (as a user of the
# installed library would), runs it twice on a SQLite file and checks the
# result with the sqlite3 client.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "not ok - $*"; exit 1; }

${MAKE:-make} -s -C "$top_builddir" install DESTDIR="$work/root" >/dev/null
pc=$(find "$work/root" -name strata.pc | head -n1)
[ -n "$pc" ] || fail "strata.pc was not installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH=$(dirname "$pc")
pcflags=(--define-variable=prefix="$work/root$prefix")
cflags=$(pkg-config "${pcflags[@]}" --cflags strata)
libdir=$(pkg-config "${pcflags[@]}" --variable=libdir strata)
# a build without the shared library (--disable-shared) links libstrata.a,
# which needs its private libraries (the hash library, libdl) too
static=()
[ -e "$libdir/libstrata.so" ] || static=(--static)
libs=$(pkg-config "${pcflags[@]}" ${static[@]+"${static[@]}"} --libs strata)
[ -f "$work/root$prefix/share/man/man1/strata.1" ] || fail "man page not installed"
[ -x "$work/root$prefix/bin/strata" ] || fail "binary not installed"
[ -f "$work/root$prefix/include/strata/driver.h" ] || fail "driver.h not installed"
# the shell completions, where configure put them (not installed when empty)
if [ -n "${STRATA_BASH_COMPLETION_DIR:-}" ]; then
	comp=$work/root$STRATA_BASH_COMPLETION_DIR/strata
	cmp -s "$top_srcdir/completions/bash/strata" "$comp" || fail "bash completion not installed as $comp"
	[ "$(bash --norc --noprofile -c 'source "$1" && complete -p strata' _ "$comp")" = "complete -F _strata strata" ] ||
		fail "the installed bash completion does not register strata"
fi
if [ -n "${STRATA_ZSH_COMPLETION_DIR:-}" ]; then
	cmp -s "$top_srcdir/completions/zsh/_strata" "$work/root$STRATA_ZSH_COMPLETION_DIR/_strata" ||
		fail "zsh completion not installed as $work/root$STRATA_ZSH_COMPLETION_DIR/_strata"
fi
echo "ok - shell completions installed"

# sanitizer builds need the same flags at link time
${CC:-cc} ${STRATA_EXAMPLE_CFLAGS:-} $cflags "$top_srcdir/examples/embed.c" $libs -o "$work/embed" \
	|| fail "examples/embed.c does not build against the installed library"
echo "ok - example builds with pkg-config"

out=$(LD_LIBRARY_PATH="$libdir" "$work/embed" "sqlite:$work/app.db")
echo "$out" | grep -q "2 migration(s) applied, 2 known" || fail "first run: $out"
echo "ok - example applies its two C migrations"
rows=$(sqlite3 "$work/app.db" "select count(*) from notes")
[ "$rows" = 2 ] || fail "notes has $rows rows"
hist=$(sqlite3 "$work/app.db" "select group_concat(version) from (select version from strata_migrations where state='applied' order by version)")
[ "$hist" = "20240702105919,20240702105920" ] || fail "history: $hist"
echo "ok - history records both"
out=$(LD_LIBRARY_PATH="$libdir" "$work/embed" "sqlite:$work/app.db")
echo "$out" | grep -q "0 migration(s) applied" || fail "second run: $out"
echo "ok - second run applies nothing"
