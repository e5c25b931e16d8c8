# tests/completions/complete.zsh COMPDIR LINE...: runs an interactive zsh
# in a pseudo-terminal (zsh/zpty) with the completion functions of COMPDIR,
# types each LINE and TAB, and prints "== LINE" followed by the matches
# offered, one a line, sorted. compadd is wrapped to print what it adds,
# so nothing depends on how zsh would lay out the list. Run it under
# timeout(1): a zsh that never answers would block a read.
zmodload zsh/zpty || exit 3
local compdir=$1 out line
shift
zpty -b z zsh -f -i || exit 3
zpty -w z "PS1='' PS2='' RPS1=''; unsetopt prompt_cr prompt_sp; setopt no_beep"
zpty -w z "fpath=(${(q)compdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { local -a __m; builtin compadd -A __m "$@"; (( $#__m )) && print -r -l -- "<<m>>"${^__m}; builtin compadd "$@" }'
zpty -w z 'zstyle ":completion:*" menu no; LISTMAX=100000'
zpty -w z "print -r -- '<<ready>>'"
zpty -r -m z out '*<<ready>>*<<ready>>*' || exit 3
local i=0
for line in "$@"; do
	(( i++ ))
	zpty -n -w z "$line"$'\t'
	# the echo of the typed command holds the marker once, its output again
	zpty -w z $'\C-u'"print -r -- '<<done $i>>'"
	zpty -r -m z out "*<<done $i>>*<<done $i>>*" || exit 3
	print -r -- "== $line"
	print -r -- "$out" | tr -d '\r' | sed -n 's/^.*<<m>>//p' | sort -u
done
zpty -d z
