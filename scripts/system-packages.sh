#!/usr/bin/env bash
# Install the Debian packages the tests need, only when their command is missing.
# Usage: scripts/system-packages.sh COMMAND=PACKAGE ...   e.g. /usr/bin/chromium=chromium
set -euo pipefail

missing=()
for pair in "$@"; do
  command_path=${pair%%=*}
  package=${pair#*=}
  if ! command -v "$command_path" >/dev/null 2>&1 && [ ! -x "$command_path" ]; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing packages ${missing[*]} and no apt-get to install them: install them by hand." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing packages ${missing[*]}: run as root or install them by hand (apt-get install ${missing[*]})." >&2
    exit 1
  fi
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -q "${missing[@]}"; then
  $sudo apt-get update -q
  $sudo apt-get install -y -q "${missing[@]}"
fi
