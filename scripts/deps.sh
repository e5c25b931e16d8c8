#!/bin/bash
# scripts/deps.sh - installs, with apt, the Debian packages strata needs to
# build (and, with --test, to run every test) when any is missing.
set -euo pipefail
build_pkgs=(build-essential autoconf automake libtool pkg-config
	libsqlite3-dev sqlite3 libssl-dev libjson-c-dev libpq-dev libmariadb-dev)
test_pkgs=(check python3)
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
