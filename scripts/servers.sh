#!/bin/bash
# scripts/servers.sh - starts and stops throwaway PostgreSQL and MariaDB
# servers for strata's tests (and anything else that needs a scratch server).
#
#   scripts/servers.sh start [--no-fsync]
#       Makes a directory (mktemp -d), creates a PostgreSQL cluster and a
#       MariaDB data directory in it and starts both on 127.0.0.1, each on
#       its own free TCP port (and a unix socket in the directory). Each gets
#       a role/user "strata" with a random password, allowed to create
#       databases, and a database "strata_test" it owns. Prints, for eval:
#           export STRATA_SERVERS_DIR=DIR
#           export STRATA_TEST_POSTGRES_URL=postgres://strata:...@127.0.0.1:PORT/strata_test
#           export STRATA_TEST_MYSQL_URL=mysql://strata:...@127.0.0.1:PORT/strata_test
#       (the same lines are in DIR/env, mode 0600). Progress goes to stderr
#       and never shows a password. A server that does not come up within
#       its deadline is a hard failure: its log tail is printed, whatever
#       was started is stopped, DIR is removed, and the exit status is 1.
#
#       Durability: by default both servers flush to disk as they would in
#       production (fsync on; InnoDB flushes its log at every commit), which
#       is what a benchmark needs. --no-fsync turns that off (PostgreSQL:
#       fsync, synchronous_commit and full_page_writes off; MariaDB:
#       innodb_flush_log_at_trx_commit=0, no doublewrite buffer). A crash
#       may then lose data, which does not matter for a throwaway test
#       server; scripts/test.sh uses --no-fsync because the tests, which
#       mostly create and drop tables, then spend less time waiting for
#       the disk.
#
#       Both servers run in UTC (PostgreSQL's timezone, MariaDB's
#       default-time-zone), so that a test comparing times reads the same
#       clock on every machine.
#
#   scripts/servers.sh stop DIR
#       Stops both servers started in DIR (each with a deadline; a server
#       that does not stop in time is killed) and removes DIR. Safe to call
#       on a half-started DIR and more than once.
#
#   scripts/servers.sh restart DIR postgres|mysql
#       Restarts one server started in DIR, on the same port and with the
#       same options, so the URLs in DIR/env stay valid: a fast shutdown
#       (every session is terminated, as a crash or a failover would), then
#       a start, waiting until it accepts connections again. For tests of
#       what a client does when its server goes away under it (tests/faults).
#       Fails (status 1, log tail printed) when the server was not running
#       or does not come back within the deadline; DIR is kept either way.
#
# When run as root the servers run as the unprivileged system users
# "postgres" and "mysql" (created when missing); otherwise as the caller.
# Binaries: PostgreSQL's from the newest /usr/lib/postgresql/*/bin (else
# PATH); mariadb-install-db, mariadbd, mariadb and mariadb-admin from PATH
# (mysql_install_db, mysqld, mysql, mysqladmin as fallbacks).
# Environment: STRATA_SERVERS_TIMEOUT, seconds to wait for each server to
# start or stop (default 60).
set -euo pipefail

PROG=servers.sh
MARKER=.strata-servers
TIMEOUT=${STRATA_SERVERS_TIMEOUT:-60}
DB=strata_test
ROLE=strata

say() { echo "$PROG: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
	echo "usage: $PROG start [--no-fsync] | stop DIR | restart DIR postgres|mysql" >&2
	exit 2
}

# ------------------------------------------------------------------ helpers

# run_as USER CMD...: runs CMD as USER when we are root, else as ourselves.
run_as() {
	local user=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$user" -- "$@"
	else
		"$@"
	fi
}

# ensure_user NAME: creates system user NAME when root and it is missing.
ensure_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	id -u "$1" >/dev/null 2>&1 && return 0
	say "creating system user $1"
	useradd --system --no-create-home --shell /usr/sbin/nologin "$1"
}

# port_free PORT: true when PORT can be bound on 127.0.0.1 right now.
port_free() {
	python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# free_port: prints a free port from 20000-29999 (below the kernel's
# ephemeral range, so outgoing connections do not take it meanwhile),
# starting at a random offset; skips ports listed in $TAKEN.
TAKEN=" "
free_port() {
	local i p start=$((RANDOM % 10000))
	for ((i = 0; i < 10000; i++)); do
		p=$((20000 + (start + i) % 10000))
		case $TAKEN in *" $p "*) continue ;; esac
		if port_free "$p"; then
			TAKEN="$TAKEN$p "
			echo "$p"
			return 0
		fi
	done
	die "no free TCP port in 20000-29999 on 127.0.0.1"
}

# random_password: 24 letters and digits (nothing a URL must escape).
random_password() {
	local p
	p=$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	echo "${p:0:24}"
}

# log_tail NAME FILE: prints the last lines of a server's log to stderr.
log_tail() {
	say "--- last lines of the $1 log ($2):"
	tail -n 40 "$2" >&2 2>/dev/null || say "(no log)"
	say "---"
}

# wait_until DEADLINE-SECONDS DESCRIPTION ALIVE-CMD READY-CMD: polls
# READY-CMD (every 0.1 s) until it succeeds; fails when ALIVE-CMD fails (the
# server died) or the deadline passes.
wait_until() {
	local secs=$1 what=$2 alive=$3 ready=$4
	local end=$((SECONDS + secs))
	while :; do
		eval "$ready" >/dev/null 2>&1 && return 0
		if ! eval "$alive" >/dev/null 2>&1; then
			say "$what exited during start-up"
			return 1
		fi
		if [ $SECONDS -ge $end ]; then
			say "$what did not become ready within ${secs}s"
			return 1
		fi
		sleep 0.1
	done
}

# pid_alive PIDFILE: true when the process in PIDFILE exists.
pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(head -n 1 "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# ---------------------------------------------------------------- PostgreSQL

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		return
	fi
	d=$(command -v initdb 2>/dev/null) || die "PostgreSQL's initdb not found (install postgresql: scripts/deps.sh --test)"
	dirname "$d"
}

# pg_start DIR FSYNC: creates and starts the cluster; sets PG_URL.
pg_start() {
	local dir=$1 fsync=$2 bin user port pass pwfile
	bin=$(pg_bindir)
	user=$(id -un)
	[ "$(id -u)" -eq 0 ] && user=postgres
	ensure_user "$user"
	mkdir -p "$dir/pg"
	[ "$(id -u)" -eq 0 ] && chown "$user:" "$dir/pg"
	chmod 700 "$dir/pg"

	pass=$(random_password)
	pwfile=$dir/pg/superuser.pw
	# Local (socket) connections are trusted: the socket is in a 0700
	# directory only the server's user reaches. TCP needs a password; initdb
	# insists on one for the superuser too, so it gets a random one nobody
	# uses.
	run_as "$user" sh -c 'umask 077; cat >"$1"' sh "$pwfile" <<<"$(random_password)"
	run_as "$user" "$bin/initdb" -D "$dir/pg/data" -U postgres \
		--pwfile="$pwfile" -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256 \
		>"$dir/pg/initdb.log" 2>&1 || {
		log_tail initdb "$dir/pg/initdb.log"
		die "PostgreSQL initdb failed"
	}
	rm -f "$pwfile"

	local opts=(-c listen_addresses=127.0.0.1 -c "unix_socket_directories=$dir/pg"
		-c max_connections=200 -c password_encryption=scram-sha-256
		-c timezone=UTC)
	[ "$fsync" = off ] && opts+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)

	local tries
	for tries in 1 2 3; do
		port=$(free_port)
		echo "$port" >"$dir/pg/port"
		say "starting PostgreSQL ($("$bin/postgres" --version | awk "{print \$3}")) on 127.0.0.1:$port, fsync $fsync"
		# pg_ctl detaches the postmaster into its own session, so a ^C in
		# the terminal reaches us (and our trap stops it), not the server.
		# It waits (polling) until the server is ready or dead. A server
		# that cannot bind its TCP port exits, so "ready on our own socket"
		# means ready on the port too (another server may answer there).
		if run_as "$user" "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" \
			-o "-p $port $(printf "'%s' " "${opts[@]}")" -w -t "$TIMEOUT" -s start \
			>/dev/null 2>&1 &&
			wait_until "$TIMEOUT" "PostgreSQL" \
				"pid_alive '$dir/pg/data/postmaster.pid'" \
				"'$bin/pg_isready' -q -h '$dir/pg' -p $port"; then
			break
		fi
		if grep -q "could not bind\|Address already in use" "$dir/pg/postgres.log" 2>/dev/null && [ "$tries" -lt 3 ]; then
			say "port $port was taken meanwhile; trying another"
			continue
		fi
		log_tail PostgreSQL "$dir/pg/postgres.log"
		die "PostgreSQL did not start"
	done

	# The test role: a password (TCP connections must give it), CREATEDB for
	# create/drop_database tests, and its own database.
	# (The password goes through stdin, never on a command line.)
	run_as "$user" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$port" \
		-U postgres -d postgres >/dev/null 2>"$dir/pg/setup.log" <<-EOF || {
		CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$pass';
		CREATE DATABASE $DB OWNER $ROLE;
	EOF
		log_tail "PostgreSQL setup" "$dir/pg/setup.log"
		die "could not create the PostgreSQL test role and database"
	}
	PG_URL="postgres://$ROLE:$pass@127.0.0.1:$port/$DB"
	# Check the URL works the way the tests use it: TCP with the password.
	PGPASSWORD=$pass "$bin/psql" -X -At -h 127.0.0.1 -p "$port" -U "$ROLE" -d "$DB" \
		-c 'select 1' >/dev/null 2>"$dir/pg/setup.log" || {
		log_tail "PostgreSQL login" "$dir/pg/setup.log"
		die "the PostgreSQL test role cannot log in over TCP"
	}
}

pg_stop() {
	local dir=$1 bin user
	[ -f "$dir/pg/data/postmaster.pid" ] || return 0
	bin=$(pg_bindir)
	user=$(stat -c %U "$dir/pg/data")
	run_as "$user" "$bin/pg_ctl" -D "$dir/pg/data" -m fast -t "$TIMEOUT" -s stop >/dev/null 2>&1 && return 0
	if pid_alive "$dir/pg/data/postmaster.pid"; then
		say "PostgreSQL did not stop within ${TIMEOUT}s; killing it"
		kill -KILL "$(head -n 1 "$dir/pg/data/postmaster.pid")" 2>/dev/null || true
	fi
}

# ---------------------------------------------------------------- MariaDB

# my_cmd NAME...: the first of NAME... found in PATH (or in /usr/sbin).
my_cmd() {
	local n
	for n in "$@"; do
		command -v "$n" 2>/dev/null && return 0
		[ -x "/usr/sbin/$n" ] && { echo "/usr/sbin/$n"; return 0; }
	done
	die "none of $* found (install mariadb-server and mariadb-client: scripts/deps.sh --test)"
}

# my_root_sql DIR: runs SQL from stdin as the server's root over the socket.
my_root_sql() {
	"$(my_cmd mariadb mysql)" --no-defaults --protocol=SOCKET -S "$1/my/sock" -u root
}

# my_start DIR FSYNC: installs and starts MariaDB; sets MY_URL.
my_start() {
	local dir=$1 fsync=$2 user port pass install server admin
	install=$(my_cmd mariadb-install-db mysql_install_db)
	server=$(my_cmd mariadbd mysqld)
	admin=$(my_cmd mariadb-admin mysqladmin)
	user=$(id -un) as_user=
	[ "$(id -u)" -eq 0 ] && user=mysql as_user=--user=mysql
	ensure_user "$user"
	mkdir -p "$dir/my"
	[ "$(id -u)" -eq 0 ] && chown "$user:" "$dir/my"
	chmod 700 "$dir/my"

	# root@localhost without a password, reachable only through the socket
	# in this 0700 directory (the server listens on 127.0.0.1 only and
	# the root account is for localhost).
	run_as "$user" "$install" --no-defaults --datadir="$dir/my/data" \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$dir/my/install.log" 2>&1 || {
		log_tail mariadb-install-db "$dir/my/install.log"
		die "mariadb-install-db failed"
	}

	local opts=(--no-defaults --datadir="$dir/my/data" --bind-address=127.0.0.1
		--socket="$dir/my/sock" --pid-file="$dir/my/mariadbd.pid"
		--skip-name-resolve --skip-log-bin
		--max-connections=200
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
		--default-time-zone=+00:00)
	[ "$fsync" = off ] && opts+=(--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0)

	local tries
	for tries in 1 2 3; do
		port=$(free_port)
		echo "$port" >"$dir/my/port"
		say "starting MariaDB ($("$server" --version | sed 's/.*Ver \([^ ]*\).*/\1/')) on 127.0.0.1:$port, fsync $fsync"
		rm -f "$dir/my/mariadbd.pid"
		# setsid: its own session and process group, so a ^C reaches us
		# (and our trap stops the server), not the server directly; setsid
		# execs the server, so $! is the server's pid. As root, mariadbd
		# switches to the unprivileged user itself (--user). Without
		# --log-error the server logs to stderr: mariadbd.log.
		setsid "$server" "${opts[@]}" --port="$port" $as_user \
			</dev/null >>"$dir/my/mariadbd.log" 2>&1 &
		echo $! >"$dir/my/server.pid"
		if wait_until "$TIMEOUT" "MariaDB" \
			"pid_alive '$dir/my/server.pid'" \
			"'$admin' --no-defaults --protocol=SOCKET -S '$dir/my/sock' -u root --connect-timeout=2 ping"; then
			break
		fi
		if grep -q "Can't start server: Bind on TCP/IP port\|Address already in use" "$dir/my/mariadbd.log" 2>/dev/null && [ "$tries" -lt 3 ]; then
			say "port $port was taken meanwhile; trying another"
			my_stop "$dir"
			continue
		fi
		log_tail MariaDB "$dir/my/mariadbd.log"
		die "MariaDB did not start"
	done

	pass=$(random_password)
	# The user may connect over TCP (127.0.0.1, the server resolves no names)
	# and the socket (localhost); ALL on *.* so that create/drop_database
	# tests can make databases.
	my_root_sql "$dir" >/dev/null 2>"$dir/my/setup.log" <<-EOF || {
		DELETE FROM mysql.global_priv WHERE User = '';
		FLUSH PRIVILEGES;
		CREATE USER '$ROLE'@'127.0.0.1' IDENTIFIED BY '$pass';
		CREATE USER '$ROLE'@'localhost' IDENTIFIED BY '$pass';
		GRANT ALL PRIVILEGES ON *.* TO '$ROLE'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON *.* TO '$ROLE'@'localhost';
		CREATE DATABASE $DB CHARACTER SET utf8mb4;
	EOF
		log_tail "MariaDB setup" "$dir/my/setup.log"
		die "could not create the MariaDB test user and database"
	}
	MY_URL="mysql://$ROLE:$pass@127.0.0.1:$port/$DB"
	MYSQL_PWD=$pass "$(my_cmd mariadb mysql)" --no-defaults --protocol=TCP -h 127.0.0.1 \
		-P "$port" -u "$ROLE" "$DB" -e 'select 1' >/dev/null 2>"$dir/my/setup.log" || {
		log_tail "MariaDB login" "$dir/my/setup.log"
		die "the MariaDB test user cannot log in over TCP"
	}
}

# my_stop DIR: asks the server to shut down (TERM to its process group) and
# waits; kills the group when it is still there after the deadline.
my_stop() {
	local dir=$1 pid end
	pid_alive "$dir/my/server.pid" || return 0
	pid=$(head -n 1 "$dir/my/server.pid")
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	end=$((SECONDS + TIMEOUT))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			say "MariaDB did not stop within ${TIMEOUT}s; killing it"
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.1
	done
}

# ---------------------------------------------------------------- commands

cmd_stop() {
	local dir=${1:-}
	[ -n "$dir" ] || usage
	[ -d "$dir" ] || return 0
	[ -f "$dir/$MARKER" ] || die "$dir was not made by $PROG start (no $MARKER); not touching it"
	pg_stop "$dir" || true
	my_stop "$dir" || true
	rm -rf "$dir"
}

# pg_restart DIR: pg_ctl restart reuses the command line the postmaster
# recorded (postmaster.opts), so port, socket directory and fsync settings
# stay as start made them.
pg_restart() {
	local dir=$1 bin user port
	pid_alive "$dir/pg/data/postmaster.pid" || die "PostgreSQL in $dir is not running"
	bin=$(pg_bindir)
	user=$(stat -c %U "$dir/pg/data")
	port=$(cat "$dir/pg/port")
	say "restarting PostgreSQL on 127.0.0.1:$port"
	run_as "$user" "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" \
		-m fast -w -t "$TIMEOUT" -s restart >/dev/null 2>&1 &&
		wait_until "$TIMEOUT" "PostgreSQL" \
			"pid_alive '$dir/pg/data/postmaster.pid'" \
			"'$bin/pg_isready' -q -h '$dir/pg' -p $port" || {
		log_tail PostgreSQL "$dir/pg/postgres.log"
		die "PostgreSQL did not restart"
	}
}

# my_restart DIR: stops the server and starts it again with the very
# arguments it runs with now (read from /proc before stopping it).
my_restart() {
	local dir=$1 pid admin port
	local -a argv
	pid_alive "$dir/my/server.pid" || die "MariaDB in $dir is not running"
	pid=$(head -n 1 "$dir/my/server.pid")
	mapfile -d '' -t argv <"/proc/$pid/cmdline"
	[ ${#argv[@]} -gt 0 ] || die "cannot read the command line of MariaDB (pid $pid)"
	admin=$(my_cmd mariadb-admin mysqladmin)
	port=$(cat "$dir/my/port")
	say "restarting MariaDB on 127.0.0.1:$port"
	my_stop "$dir"
	# a server killed after the deadline may leave its pid file behind
	rm -f "$dir/my/mariadbd.pid"
	setsid "${argv[@]}" </dev/null >>"$dir/my/mariadbd.log" 2>&1 &
	echo $! >"$dir/my/server.pid"
	wait_until "$TIMEOUT" "MariaDB" \
		"pid_alive '$dir/my/server.pid'" \
		"'$admin' --no-defaults --protocol=SOCKET -S '$dir/my/sock' -u root --connect-timeout=2 ping" || {
		log_tail MariaDB "$dir/my/mariadbd.log"
		die "MariaDB did not restart"
	}
}

cmd_restart() {
	local dir=$1 which=$2
	[ -f "$dir/$MARKER" ] || die "$dir was not made by $PROG start (no $MARKER); not touching it"
	# the servers' temporary files, as at start
	[ -d "$dir/tmp" ] && export TMPDIR=$dir/tmp
	case $which in
	postgres) pg_restart "$dir" ;;
	mysql) my_restart "$dir" ;;
	*) usage ;;
	esac
	say "$which restarted in $dir"
}

# The EXIT trap of a start that did not finish: stop, clean up, keep $?.
start_failed() {
	local rc=$?
	trap - EXIT INT TERM
	cmd_stop "$START_DIR"
	exit $rc
}

cmd_start() {
	local fsync=on
	while [ $# -gt 0 ]; do
		case $1 in
		--no-fsync) fsync=off ;;
		*) usage ;;
		esac
		shift
	done
	command -v python3 >/dev/null || die "python3 is needed to find free ports"
	if [ "$(id -u)" -eq 0 ]; then
		command -v runuser >/dev/null || die "runuser (util-linux) is needed to run the servers unprivileged"
	fi

	# Unix socket paths are limited to about 100 bytes: a long $TMPDIR
	# would not fit "DIR/pg/.s.PGSQL.PORT", so use /tmp then; also when
	# the server users (as root) cannot reach $TMPDIR.
	local dir base=${TMPDIR:-/tmp} u
	[ ${#base} -le 60 ] || base=/tmp
	if [ "$(id -u)" -eq 0 ]; then
		for u in postgres mysql; do
			ensure_user "$u"
			runuser -u "$u" -- test -x "$base" || base=/tmp
		done
	fi
	dir=$(mktemp -d "$base/strata-servers.XXXXXX")
	chmod 755 "$dir"   # the server users must reach their subdirectories
	: >"$dir/$MARKER"
	# The servers' temporary files: a $TMPDIR of the caller may not be
	# writable by the server users.
	mkdir -m 1777 "$dir/tmp"
	export TMPDIR=$dir/tmp
	# On any failure (or ^C) during start-up, stop what runs and clean up.
	START_DIR=$dir
	trap start_failed EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	PG_URL='' MY_URL=''
	pg_start "$dir" "$fsync"
	my_start "$dir" "$fsync"

	(umask 077; {
		echo "export STRATA_SERVERS_DIR=$dir"
		echo "export STRATA_TEST_POSTGRES_URL=$PG_URL"
		echo "export STRATA_TEST_MYSQL_URL=$MY_URL"
	} >"$dir/env")
	trap - EXIT INT TERM
	say "servers ready in $dir (stop with: $0 stop $dir)"
	cat "$dir/env"
}

case ${1:-} in
start) shift; cmd_start "$@" ;;
stop) shift; [ $# -eq 1 ] || usage; cmd_stop "$1" ;;
restart) shift; [ $# -eq 2 ] || usage; cmd_restart "$1" "$2" ;;
*) usage ;;
esac
