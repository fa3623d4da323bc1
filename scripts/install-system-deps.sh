#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser test (Playwright drives
# Debian's Chromium; it never downloads a browser of its own), and bubblewrap, the sandbox the
# review agent runs model-written code in (course_lib/sandbox.py).
# Idempotent; without root or sudo it says what to install: the browser test skips and the sandbox
# falls back to its weaker namespace path, except under CI=true, where a missing package fails the run
# (a CI run without a browser or a sandbox is not green).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && { echo "system packages: present"; exit 0; }
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
  case "${CI:-}" in
    true|1|yes|TRUE|True) echo "system packages: missing ${need[*]} (no root, no sudo) and CI=true: failing" >&2; exit 1;;
  esac
  echo "system packages: missing ${need[*]} (no root, no sudo): the browser test will skip, the sandbox falls back"; exit 0; fi
echo "system packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
