#!/usr/bin/env bash
# Makes sure this machine has what Local mode and the tests need, installing what is missing
# when we can (root or sudo on Debian/Ubuntu), otherwise saying exactly what to install.
# Sourced by run.sh and test.sh.
set -euo pipefail

# command -> Debian package
declare -A NEEDED=(
  [mariadbd]=mariadb-server
  [mariadb-install-db]=mariadb-server
  [mariadb]=mariadb-client
  [redis-server]=redis-server
  [redis-cli]=redis-tools
)
if [[ "${KAFKAPRACTICE_WITH_TEST_TOOLS:-0}" == "1" ]]; then
  NEEDED[kcat]=kcat
fi

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (10.0) is not installed: see https://dot.net/download" >&2
  exit 1
fi

missing=()
for cmd in "${!NEEDED[@]}"; do
  have "$cmd" || missing+=("${NEEDED[$cmd]}")
done
# Python modules the compatibility tests use (a second, independent Kafka client: kafka-python), for Debian's own python3
if [[ "${KAFKAPRACTICE_WITH_TEST_TOOLS:-0}" == "1" ]]; then
  /usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')

if (( ${#missing[@]} > 0 )); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing ${missing[*]}; install them with your package manager, or start Docker and run with --Infrastructure:Mode=Containers" >&2
    exit 1
  fi
  sudo=()
  if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      echo "error: missing packages: ${missing[*]}" >&2
      echo "       install them:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
      echo "       or start Docker and run the AppHost with --Infrastructure:Mode=Containers" >&2
      exit 1
    fi
  fi
  echo "==> installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "==> prerequisites present (dotnet $(dotnet --version), mariadbd, redis-server)"
