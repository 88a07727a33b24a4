#!/usr/bin/env bash
# Decides the infrastructure mode first, then makes sure this machine has what that mode needs:
#   Containers: .NET and a container engine that answers (docker or podman).
#   Local:      .NET, mariadbd and redis-server (installed here when we can: root or sudo on
#               Debian/Ubuntu; otherwise the exact install command for Debian/Ubuntu, Fedora or macOS).
# Test tools are added when KAFKAPRACTICE_WITH_TEST_TOOLS=1, in either mode: kcat (a second Kafka
# client), shellcheck (the script tests) and redis-server (the coupon script tests run their own Redis).
# Sourced by run.sh and test.sh; runs under bash 3.2 (macOS), so: no associative arrays, no mapfile,
# no ${var,,}, and no "${array[@]}" of a possibly empty array under set -u.

# kp_resolve_mode ARGS...: sets KP_MODE (Local|Containers) and KP_MODE_REASON, with the AppHost's rule:
# an explicit --Infrastructure:Mode argument, else Infrastructure__Mode, else Containers when docker or
# podman answers 'info', else Local.
kp_resolve_mode() {
  local requested="" previous="" arg
  for arg in "$@"; do
    case "$arg" in
      --Infrastructure:Mode=*|--Infrastructure__Mode=*) requested="${arg#*=}"; KP_MODE_REASON="$arg" ;;
      *) if [ "$previous" = "--Infrastructure:Mode" ] || [ "$previous" = "--Infrastructure__Mode" ]; then
           requested="$arg"; KP_MODE_REASON="$previous $arg"
         fi ;;
    esac
    previous="$arg"
  done
  if [ -z "$requested" ] && [ -n "${Infrastructure__Mode:-}" ]; then
    requested="$Infrastructure__Mode"
    KP_MODE_REASON="Infrastructure__Mode=$Infrastructure__Mode"
  fi
  case "$(printf '%s' "${requested:-auto}" | tr '[:upper:]' '[:lower:]')" in
    local) KP_MODE=Local ;;
    containers) KP_MODE=Containers ;;
    auto)
      KP_ENGINE="$(kp_engine_answering)"
      if [ -n "$KP_ENGINE" ]; then
        KP_MODE=Containers; KP_MODE_REASON="Auto: the $KP_ENGINE engine answered"
      else
        KP_MODE=Local; KP_MODE_REASON="Auto: no container engine answered (docker/podman info failed)"
      fi ;;
    *)
      echo "error: Infrastructure:Mode is '$requested'; use Auto, Local or Containers (e.g. --Infrastructure:Mode=Local)" >&2
      return 1 ;;
  esac
}

# Prints docker or podman, whichever answers 'info' first (the engine, not only its CLI), or nothing.
kp_engine_answering() {
  local engine
  for engine in docker podman; do
    if command -v "$engine" >/dev/null 2>&1 && kp_with_timeout 10 "$engine" info >/dev/null 2>&1; then
      echo "$engine"
      return 0
    fi
  done
  return 0
}

# Runs a command with a time limit where 'timeout' exists (macOS has none by default).
kp_with_timeout() {
  local seconds="$1"
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout "$seconds" "$@"
  else
    "$@"
  fi
}

kp_os() {
  if [ "$(uname -s)" = "Darwin" ]; then
    echo macos
  elif [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(fedora|rhel|centos)' /etc/os-release; then
    echo fedora
  elif command -v apt-get >/dev/null 2>&1; then
    echo debian
  else
    echo other
  fi
}

# kp_package OS COMMAND: the package that provides COMMAND on that OS.
kp_package() {
  case "$1:$2" in
    debian:mariadbd|debian:mariadb-install-db) echo mariadb-server ;;
    debian:mariadb) echo mariadb-client ;;
    debian:redis-server) echo redis-server ;;
    debian:redis-cli) echo redis-tools ;;
    fedora:mariadbd|fedora:mariadb-install-db) echo mariadb-server ;;
    fedora:mariadb) echo mariadb ;;
    fedora:redis-server|fedora:redis-cli) echo redis ;;
    macos:mariadbd|macos:mariadb-install-db|macos:mariadb) echo mariadb ;;
    macos:redis-server|macos:redis-cli) echo redis ;;
    *:kcat) echo kcat ;;
    fedora:shellcheck) echo ShellCheck ;;
    *) echo "$2" ;;
  esac
}

kp_install_hint() {
  case "$1" in
    debian) echo "sudo apt-get update && sudo apt-get install -y $2" ;;
    fedora) echo "sudo dnf install -y $2" ;;
    macos) echo "brew install $2" ;;
    *) echo "install with your package manager: $2" ;;
  esac
}

kp_have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]; }

# kp_check_prerequisites PURPOSE ARGS...: PURPOSE is 'run' (mode from ARGS and the environment) or
# 'test' (mode from KAFKAPRACTICE_TEST_MODE, Local by default, as the tests' fixture reads it).
kp_check_prerequisites() {
  local purpose="$1"
  shift
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK (10.0) is not installed: see https://dot.net/download" >&2
    return 1
  fi

  if [ "$purpose" = "test" ]; then
    kp_resolve_mode "--Infrastructure:Mode=${KAFKAPRACTICE_TEST_MODE:-Local}" || return 1
    KP_MODE_REASON="KAFKAPRACTICE_TEST_MODE=${KAFKAPRACTICE_TEST_MODE:-Local (default)}"
  else
    kp_resolve_mode "$@" || return 1
  fi

  local needed=""
  if [ "$KP_MODE" = "Containers" ]; then
    KP_ENGINE="${KP_ENGINE:-$(kp_engine_answering)}"
    if [ -z "$KP_ENGINE" ]; then
      echo "error: Containers mode needs a running container engine, and neither 'docker info' nor 'podman info' answers: start Docker Desktop (or the docker/podman service), or use Local mode (--Infrastructure:Mode=Local)." >&2
      return 1
    fi
    if [ "$KP_ENGINE" = "podman" ]; then
      # Aspire drives docker unless told otherwise.
      export ASPIRE_CONTAINER_RUNTIME=podman
    fi
  else
    needed="mariadbd mariadb-install-db mariadb redis-server redis-cli"
  fi
  if [ "${KAFKAPRACTICE_WITH_TEST_TOOLS:-0}" = "1" ]; then
    needed="$needed kcat shellcheck redis-server"
  fi

  local os missing="" cmd package
  os="$(kp_os)"
  for cmd in $needed; do
    if ! kp_have "$cmd"; then
      package="$(kp_package "$os" "$cmd")"
      case " $missing " in
        *" $package "*) ;;
        *) missing="${missing:+$missing }$package" ;;
      esac
    fi
  done

  # The compatibility tests' second, independent Kafka client (kafka-python), for Debian's own python3.
  if [ "${KAFKAPRACTICE_WITH_TEST_TOOLS:-0}" = "1" ] && [ "$os" = "debian" ] \
     && ! /usr/bin/python3 -c 'import kafka' >/dev/null 2>&1; then
    missing="${missing:+$missing }python3-kafka"
  fi

  if [ -n "$missing" ]; then
    local sudo=""
    if [ "$os" = "debian" ] && [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    fi
    if [ "$os" != "debian" ] || { [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; }; then
      echo "error: $KP_MODE mode needs: $missing" >&2
      echo "       install them:  $(kp_install_hint "$os" "$missing")" >&2
      if [ "$KP_MODE" = "Local" ]; then
        echo "       or start Docker (or Podman) and use Containers mode (--Infrastructure:Mode=Containers)" >&2
      fi
      return 1
    fi
    echo "==> installing $missing"
    # Unquoted on purpose: $sudo may be empty, $missing is a list of package names.
    # shellcheck disable=SC2086
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi

  # kafkajs for the emulator's compatibility test, where node and npm exist (the test is skipped, and
  # says so, without them). Pinned by tests/clients/kafkajs/package-lock.json.
  local kafkajs_dir
  kafkajs_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/clients/kafkajs"
  if [ "${KAFKAPRACTICE_WITH_TEST_TOOLS:-0}" = "1" ] && kp_have node && kp_have npm && [ ! -d "$kafkajs_dir/node_modules/kafkajs" ]; then
    echo "==> installing kafkajs (npm ci in tests/clients/kafkajs)"
    (cd "$kafkajs_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || echo "warning: npm ci failed in $kafkajs_dir: the kafkajs compatibility test will be skipped" >&2
  fi

  echo "==> infrastructure mode: $KP_MODE ($KP_MODE_REASON)"
  if [ "$KP_MODE" = "Containers" ]; then
    echo "==> prerequisites present (dotnet $(dotnet --version), $KP_ENGINE engine)"
  else
    echo "==> prerequisites present (dotnet $(dotnet --version), mariadbd, redis-server)"
  fi
}
