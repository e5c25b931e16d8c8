#!/bin/bash
# tests/contract/test_headers.sh - each public header compiles on its own
# (nothing it needs left to an earlier #include), as strict C99 and as
# C++, with every warning an error: what an embedding program or a driver
# written elsewhere sees. And the strata tool uses strata.h alone.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CC:-cc}
CXX=${CXX:-c++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
check() { # check DESC COMMAND...
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/out" 2>&1; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		sed 's/^/#   /' "$work/out" | head -20
	fi
}
cflags=(-std=c99 -pedantic-errors -Wall -Wextra -Werror -I"$top_srcdir/include")
cxxflags=(-std=c++11 -pedantic-errors -Wall -Wextra -Werror -I"$top_srcdir/include")
for h in strata.h strata/driver.h; do
	base=$(tr '/.' '__' <<<"$h")
	# alone, and twice (the include guard)
	printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$h" "$h" >"$work/$base.c"
	cp "$work/$base.c" "$work/$base.cpp"
	check "$h alone, C99 -pedantic" "$CC" "${cflags[@]}" -c "$work/$base.c" -o "$work/$base.o"
	if command -v "$CXX" >/dev/null; then
		check "$h alone, C++" "$CXX" "${cxxflags[@]}" -c "$work/$base.cpp" -o "$work/$base.cpp.o"
	else
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - $h alone, C++: no C++ compiler ($CXX)"
	fi
done
# the strata tool is a client of the public API: of the library's
# headers it includes strata.h only, never driver.h or an internal one
cli_includes() {
	! grep -nE '#include *[<"](strata/driver\.h|\.\./|registry\.h|engine\.h|migration\.h|format\.h|source\.h|sql\.h|plan\.h|api\.h)' \
		"$top_srcdir"/src/cli/*.c "$top_srcdir"/src/cli/*.h
}
check "src/cli includes strata.h and none of the library's other headers" cli_includes
echo "1..$n"
[[ $failed -eq 0 ]]
