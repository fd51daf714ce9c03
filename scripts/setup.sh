#!/usr/bin/env bash
# Set up everything the workbench needs on a Debian-like machine with Python 3.11 (idempotent:
# a second run only checks). Usage: scripts/setup.sh [demo|test|notebooks]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-demo}"
case "$purpose" in demo|test|notebooks) ;; *) echo "usage: scripts/setup.sh [demo|test|notebooks]" >&2; exit 2 ;; esac

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: a caption font and emoji glyphs for clips; Chromium for the browser tests; espeak-ng for test speech.
packages=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
# the procedural renderer's subjects: colour emoji glyphs (OFL)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || packages+=(fonts-noto-color-emoji)
if [ "$purpose" = test ] && ! command -v chromium >/dev/null 2>&1; then packages+=(chromium); fi
# espeak-ng speaks the digits of the synthetic enrollment clips the liveness tests are built from
if [ "$purpose" = test ] && ! command -v espeak-ng >/dev/null 2>&1; then packages+=(espeak-ng); fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# A virtual environment with the project and its pinned dependencies; reinstalled when pyproject.toml changes.
python_bin="${PYTHON:-$(command -v python3.11 || command -v python3)}"
"$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "setup: Python 3.11+ is required" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$purpose"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  extras=""; [ "$purpose" = test ] && extras="[test]"; [ "$purpose" = notebooks ] && extras="[notebooks]"
  # torch first, pinned, so that nothing later pulls a multi-GB CUDA build (the prompt policy's
  # sentence embeddings need it; the diffusers backend too)
  .venv/bin/python -m pip install -q "torch==2.13.0"
  if [ "$purpose" != test ] && [ -n "${WORKBENCH_WITH_ML:-}" ]; then extras="[ml]"; fi
  .venv/bin/python -m pip install -q -e ".$extras"
  rm -f .venv/.installed-*
  touch "$stamp"
  # the test set-up holds the others' packages too
  if [ "$purpose" = test ]; then
    touch ".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-demo" ".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-notebooks"
  fi
fi
# Real face photos for the deepfake benchmark (workbench/safety/deepfake/benchmark.py checks each
# one's sha256): the demo album of Debian's kphotoalbum package (CC-BY-SA-4.0) and matplotlib's
# Grace Hopper (a US Navy photo, public domain). Only the photos are kept, not the packages.
faces=".venv/share/workbench/real-faces"
if [ ! -f "$faces/.complete" ]; then
  echo "setup: fetching real face photos (kphotoalbum's demo album, matplotlib's sample data)"
  work="$(mktemp -d)"
  (cd "$work" && { apt-get download kphotoalbum >/dev/null 2>&1 || { as_root apt-get update -qq && apt-get download kphotoalbum >/dev/null 2>&1; }; })
  dpkg-deb -x "$work"/kphotoalbum_*.deb "$work/deb"
  .venv/bin/python -m pip download -q --no-deps "matplotlib==3.11.2" -d "$work"
  mkdir -p "$faces/kphotoalbum" "$faces/matplotlib"
  cp "$work"/deb/usr/share/kphotoalbum/demo/*.jpg "$faces/kphotoalbum/"
  .venv/bin/python -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("matplotlib/mpl-data/sample_data/grace_hopper.jpg"))' \
    "$work"/matplotlib-*.whl > "$faces/matplotlib/grace_hopper.jpg"
  rm -rf "$work"
  touch "$faces/.complete"
fi
echo "setup: ready ($purpose)"
