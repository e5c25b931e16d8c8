#!/bin/bash
# scripts/deps.sh - installs, with apt, the Debian packages strata needs to
# build (and, with --test, to run every test) when any is missing.
#
# --test adds what the tests use: Check, python3 (free-port checks, bench),
# util-linux (flock in the CLI tests; runuser, with which
# scripts/servers.sh runs the servers unprivileged when we are root),
# procps, strace (a CLI test counts the write(2) calls of stderr lines),
# zsh (tests/completions runs the zsh completion), and the PostgreSQL and MariaDB servers and clients (psql, mariadb)
# that scripts/servers.sh starts as throwaway servers, and clang with its
# libFuzzer runtime (libclang-rt-14-dev) for scripts/fuzz.sh.
# Debian's postinst scripts may start the system's own PostgreSQL and
# MariaDB services; strata's tests never use them (servers.sh makes its own
# data directories, ports and sockets), so that is harmless.
set -euo pipefail
build_pkgs=(build-essential autoconf automake libtool pkg-config
	libsqlite3-dev sqlite3 nettle-dev libssl-dev libjson-c-dev libpq-dev libmariadb-dev)
test_pkgs=(check python3 procps util-linux strace zsh
	postgresql mariadb-server mariadb-client
	clang libclang-rt-14-dev)
pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "strata: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
