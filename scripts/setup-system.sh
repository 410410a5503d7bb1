#!/usr/bin/env bash
# Installs the system programs the tests need and are missing, and prints the environment
# that points the tests at them. Used by scripts/test.sh (the README's test command) and .ci/run.
#
#   eval "$(bash scripts/setup-system.sh)"
#
# What the tests need, and why:
#   ffmpeg   - the backend-equivalence tests of assurai-media (in-process decoders against
#              ffmpeg); nothing else: the media tests use committed fixtures.
#   chromium - the HTML report check (loads report.html headless, no console errors, no
#              network requests).
#   nasm     - (optional) lets the bundled OpenH264 build use its x86 assembly: faster video
#              decoding; the build works without it.
# Missing packages are installed with apt-get when running as root or with passwordless sudo;
# otherwise the script stops at once and prints the exact command to run.
set -euo pipefail

# program -> Debian package
declare -A PACKAGE=([ffmpeg]=ffmpeg [ffprobe]=ffmpeg [chromium]=chromium [nasm]=nasm)
PROGRAMS=(ffmpeg ffprobe chromium nasm)

# Where a program is: on PATH, or where its Debian package put it.
locate() {
  local program=$1 found
  if found=$(command -v "$program" 2>/dev/null); then
    echo "$found"
    return 0
  fi
  if command -v dpkg-query >/dev/null 2>&1; then
    found=$(dpkg-query -L "${PACKAGE[$program]}" 2>/dev/null | grep -E "/bin/$program\$" | head -n 1 || true)
    if [[ -n "$found" && -x "$found" ]]; then
      echo "$found"
      return 0
    fi
  fi
  return 1
}

missing=()
for program in "${PROGRAMS[@]}"; do
  if ! locate "$program" >/dev/null; then
    package=${PACKAGE[$program]}
    [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: missing ${missing[*]} and no apt-get here: install the packages ${missing[*]} with your system's package manager, then rerun" >&2
    exit 1
  fi
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "setup-system: the tests need the Debian packages ${missing[*]}; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup-system: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq >&2
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Tell the tests where the programs are (they may be off PATH).
for program in ffmpeg ffprobe chromium; do
  found=$(locate "$program") || {
    echo "setup-system: $program is still missing after installing ${PACKAGE[$program]}" >&2
    exit 1
  }
  var="ASSURAI_${program^^}"
  printf 'export %s=%q\n' "$var" "$found"
done
