#!/usr/bin/env bash
# Installs what building and testing Kura needs on Debian/Ubuntu, skipping
# what is already there. Safe to run repeatedly; `make run` and `make test`
# call it. Needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(
  build-essential pkg-config cmake  # cgo (Wails, Ollama), CMake (the SIMD CPU backends)
  nlohmann-json3-dev libstb-dev   # headers the Ollama module zip leaves out
  libgtk-3-dev libwebkit2gtk-4.1-dev  # Wails v2 on Linux (webkit2_41)
  xvfb xauth x11-utils x11-apps   # a display, xwininfo and xwd for the desktop smoke test
  chromium                        # end-to-end UI tests (headless); PDFs from another writer (tests)
  tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-kor tesseract-ocr-eng  # OCR
  poppler-utils                   # pdftoppm: renders scanned PDF pages for OCR
  wkhtmltopdf                     # PDFs from an HTML-to-PDF tool (recall tests)
  fonts-noto-cjk fonts-ipafont-gothic fonts-nanum  # CJK fonts the test PDFs are printed with
  nodejs npm                      # the frontend build (Vite)
  strace                          # the portable test records every write Kura attempts
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from elsewhere than Debian (nvm, nodesource).
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
