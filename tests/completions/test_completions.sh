#!/usr/bin/env bash
# tests/completions/test_completions.sh - the bash and zsh completions
# (completions/bash/strata, completions/zsh/_strata) against the strata
# binary they complete.
#
# What the completions must offer is taken from strata itself, so the two
# cannot drift apart: the commands from `strata --help`, and for each
# command the long options it accepts (each option of `strata --help` is
# tried with the command; the ones refused with "does not apply to" are
# not its options); the versions of a migrations directory from `strata
# status --json` on a SQLite database. bash runs the completion function
# with COMP_WORDS as bash splits a line; zsh (required: scripts/deps.sh
# --test installs it) types each line and TAB in a pseudo-terminal
# (complete.zsh).
#
# Prints "ok N - ..." / "not ok N - ..." and exits non-zero when any failed.
set -u
export LC_ALL=C
unset DATABASE_URL NO_COLOR

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
STRATA=${STRATA:-${top_builddir:-$top_srcdir}/strata}
BASH_COMPLETION=$top_srcdir/completions/bash/strata
ZSH_COMPLETIONS=$top_srcdir/completions/zsh

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-compl.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
N=0
failed=0

# check DESCRIPTION ACTUAL EXPECTED: compares two newline-separated lists
check() {
	N=$((N + 1))
	if [[ $2 == "$3" ]]; then
		echo "ok $N - $1"
	else
		echo "not ok $N - $1"
		diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | sed -n 's/^[<>]/#   &/p' |
			sed 's/^#   </#   missing:/; s/^#   >/#   extra:  /'
		failed=$((failed + 1))
	fi
}

not_ok() {
	N=$((N + 1))
	echo "not ok $N - $*"
	failed=$((failed + 1))
}

lines() { printf '%s\n' "$@" | sed '/^$/d' | sort -u; }

if [[ ! -x $STRATA ]]; then
	not_ok "the strata binary $STRATA does not exist (set STRATA)"
	echo "1..$N"
	exit 1
fi

# ---------------------------------------------------------------- strata
help=$("$STRATA" --help)
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' <<<"$help" | sort -u)
options_section=$(sed -n '/^Options/,/^$/p' <<<"$help")
all_options=$(grep -o -- '--[a-z][a-z-]*' <<<"$options_section" | sort -u)
arg_options=$(grep -oE -- '--[a-z][a-z-]* [A-Z]+' <<<"$options_section" | cut -d' ' -f1 | sort -u)
[[ $(wc -l <<<"$commands") -ge 10 && $(wc -l <<<"$all_options") -ge 20 ]] ||
	not_ok "strata --help lists commands and options (got $(wc -w <<<"$commands $all_options") words)"

mkdir -p "$work/empty"
# accepted COMMAND OPTION: whether COMMAND takes OPTION (strata refuses an
# option that does not apply before it reads or connects to anything).
# Some 450 probes: under the sanitizers, without LeakSanitizer's exit scan
# (half of each run's time; the hostile tests check option errors for
# leaks)
accepted() {
	local arg=()
	grep -qx -- "$2" <<<"$arg_options" && arg=(1)
	(cd "$work/empty" && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		"$STRATA" -u bogus: -d "$work/empty/none" "$1" "$2" \
		${arg[@]+"${arg[@]}"} >/dev/null 2>"$work/err")
	! grep -q "does not apply to" "$work/err"
}
declare -A takes
global=$all_options
for c in $commands; do
	[[ $c == help ]] && continue
	takes[$c]=
	for o in $all_options; do
		accepted "$c" "$o" && takes[$c]+="$o"$'\n'
	done
	takes[$c]=$(lines ${takes[$c]})
	global=$(comm -12 <(echo "$global") <(echo "${takes[$c]}"))
done

# ------------------------------------------------------------ test data
# migrations directories of each naming scheme, as strata sees them
sql() { mkdir -p "$(dirname "$1")"; printf -- "${2:--- migrate:up\nselect 1;\n}" >"$1"; }
proj=$work/proj
sql "$proj/migrations/20240101000000_create_users.sql"
sql "$proj/migrations/20240102000000_add_posts.sql"
sql "$proj/migrations/20240301000000_tags.sql"
echo notes >"$proj/migrations/README.md"
sql "$proj/pairs/000001_init.up.sql" 'select 1;\n'
sql "$proj/pairs/000001_init.down.sql" 'select 1;\n'
sql "$proj/pairs/000002_more.up.sql" 'select 1;\n'
sql "$proj/flyway/V1__init.sql" 'select 1;\n'
sql "$proj/flyway/V1_1__more.sql" 'select 1;\n'
sql "$proj/flyway/V2__last.sql" 'select 1;\n'
sql "$proj/flyway/U2__last.sql" 'select 1;\n'
sql "$proj/dotted/V0001.Initial_Schema.up.sql" 'select 1;\n'
sql "$proj/dotted/V0002.Next.up.sql" 'select 1;\n'
mkdir -p "$proj/sub dir"
echo 'DATABASE_URL=sqlite:x.db' >"$proj/prod.env"

declare -A versions
for d in migrations pairs flyway dotted; do
	versions[$d]=$(cd "$proj" && "$STRATA" -u "sqlite:$work/v.db" -d "$d" status --json |
		python3 -c 'import json,sys; print("\n".join(sorted(m["version"] for m in json.load(sys.stdin))))')
	[[ -n ${versions[$d]} ]] || not_ok "strata status --json lists the versions of $d"
done

# ------------------------------------------------------------------ bash
# bash_complete WORD...: COMPREPLY of _strata for COMP_WORDS=(WORD...), the
# cursor at the end of the last word, in $proj; one a line, sorted
bash_complete() {
	(cd "$proj" && bash --norc --noprofile -c '
		source "$1" || exit 3
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_strata strata "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMPLETION" "$@") | sed '/^$/d' | sort -u
}

check "bash: the completion is registered for strata" \
	"$(bash --norc --noprofile -c 'source "$1"; complete -p strata' _ "$BASH_COMPLETION")" \
	"complete -F _strata strata"
check "bash: strata <TAB> lists the commands of strata --help" "$(bash_complete strata '')" "$commands"
check "bash: strata u<TAB> is up" "$(bash_complete strata u)" "up"
check "bash: strata -q --dir x st<TAB> is status" "$(bash_complete strata -q --dir x st)" "status"
check "bash: strata --<TAB> lists the options every command takes" \
	"$(bash_complete strata --)" "$global"
for c in $commands; do
	[[ $c == help ]] && continue
	check "bash: strata $c --<TAB> lists the options $c takes" \
		"$(bash_complete strata -v "$c" --)" "${takes[$c]}"
done
check "bash: help <TAB> lists the commands" "$(bash_complete strata help '')" "$commands"
check "bash: down --to <TAB>: the versions of ./migrations" \
	"$(bash_complete strata down --to '')" "${versions[migrations]}"
check "bash: up --to 202401<TAB>" \
	"$(bash_complete strata up --to 202401)" "$(grep ^202401 <<<"${versions[migrations]}")"
check "bash: repair <TAB>" "$(bash_complete strata repair --forget '')" "${versions[migrations]}"
check "bash: baseline <TAB>" "$(bash_complete strata baseline '')" "${versions[migrations]}"
check "bash: baseline V <TAB>: one version only" "$(bash_complete strata baseline 20240101000000 '')" ""
check "bash: baseline --from <TAB>: the tools" "$(bash_complete strata baseline --from '')" \
	"$(lines dbmate flyway golang-migrate goose mikro-orm)"
for d in pairs flyway dotted; do
	check "bash: -d $d down --to <TAB>: strata's versions of $d" \
		"$(bash_complete strata -d "$d" down --to '')" "${versions[$d]}"
done
check "bash: down --dir=pairs --to=<TAB>" \
	"$(bash_complete strata down --dir = pairs --to =)" "${versions[pairs]}"
check "bash: -dflyway up --to=1<TAB>" \
	"$(bash_complete strata -dflyway up --to = 1)" "$(grep ^1 <<<"${versions[flyway]}")"
check "bash: --dir <TAB>: directories only" \
	"$(bash_complete strata --dir '')" "$(lines dotted flyway migrations pairs 'sub dir')"
check "bash: --dir=fl<TAB>" "$(bash_complete strata --dir = fl)" "flyway"
check "bash: --env-file <TAB>: files" \
	"$(bash_complete strata up --env-file pr)" "prod.env"
check "bash: dump --file <TAB>: files" "$(bash_complete strata dump --file pr)" "prod.env"
check "bash: --url <TAB>: nothing" "$(bash_complete strata --url '')" ""
check "bash: after --, no options" "$(bash_complete strata -- up --)" ""

# ------------------------------------------------------------------- zsh
if ! command -v zsh >/dev/null; then
	not_ok "zsh is not installed (scripts/deps.sh --test installs it)"
else
	N=$((N + 1))
	if zsh -n "$ZSH_COMPLETIONS/_strata"; then
		echo "ok $N - zsh -n _strata"
	else
		echo "not ok $N - zsh -n _strata"
		failed=$((failed + 1))
	fi
	zlines=('strata ' 'strata u' 'strata --' 'strata help ' 'strata down --to '
		'strata up --to 202401' 'strata repair ' 'strata baseline ' 'strata baseline --from '
		'strata -d pairs down --to ' 'strata down --dir=flyway --to=' 'strata --dir dotted up --to '
		'strata -q --env-file pr' 'strata dump --file pr')
	for c in $commands; do
		[[ $c == help ]] || zlines+=("strata -v $c --")
	done
	if ! (cd "$proj" && timeout 60 zsh -f "$here/complete.zsh" "$ZSH_COMPLETIONS" "${zlines[@]}") \
		>"$work/zsh.out" 2>"$work/zsh.err"; then
		not_ok "zsh completed nothing: $(head -c 300 "$work/zsh.err")"
	else
		# zmatches LINE: the matches offered for LINE
		zmatches() { awk -v l="== $1" '$0 == l { on = 1; next } /^== / { on = 0 } on' "$work/zsh.out"; }
		check "zsh: strata <TAB> lists the commands" "$(zmatches 'strata ')" "$commands"
		check "zsh: strata u<TAB> is up" "$(zmatches 'strata u')" "up"
		check "zsh: strata --<TAB> lists the options every command takes" \
			"$(zmatches 'strata --')" "$global"
		for c in $commands; do
			[[ $c == help ]] && continue
			check "zsh: strata $c --<TAB> lists the options $c takes" \
				"$(zmatches "strata -v $c --")" "${takes[$c]}"
		done
		check "zsh: help <TAB>" "$(zmatches 'strata help ')" "$commands"
		check "zsh: down --to <TAB>" "$(zmatches 'strata down --to ')" "${versions[migrations]}"
		check "zsh: up --to 202401<TAB>" "$(zmatches 'strata up --to 202401')" \
			"$(grep ^202401 <<<"${versions[migrations]}")"
		check "zsh: repair <TAB>" "$(zmatches 'strata repair ' | grep -v '^-')" "${versions[migrations]}"
		check "zsh: baseline <TAB>" "$(zmatches 'strata baseline ' | grep -v '^-')" "${versions[migrations]}"
		check "zsh: baseline --from <TAB>" "$(zmatches 'strata baseline --from ')" \
			"$(lines dbmate flyway golang-migrate goose mikro-orm)"
		check "zsh: -d pairs down --to <TAB>" "$(zmatches 'strata -d pairs down --to ')" "${versions[pairs]}"
		check "zsh: down --dir=flyway --to=<TAB>" \
			"$(zmatches 'strata down --dir=flyway --to=')" "${versions[flyway]}"
		check "zsh: --dir dotted up --to <TAB>" \
			"$(zmatches 'strata --dir dotted up --to ')" "${versions[dotted]}"
		check "zsh: --env-file pr<TAB>" "$(zmatches 'strata -q --env-file pr')" "prod.env"
		check "zsh: dump --file pr<TAB>" "$(zmatches 'strata dump --file pr')" "prod.env"
	fi
fi

echo "1..$N"
echo "# $((N - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
