#!/usr/bin/env bash
# Debian packages the project uses: Tesseract with Norwegian data (OCR of scanned
# pages), the English-Norwegian FreeDict dictionary (translating English queries),
# the Norwegian word lists (wnorwegian: the typo-correction benchmark at scale),
# Chromium (the real-browser test), and for the training queries in other words
# (kb/train/rewrite.py) the Norwegian thesaurus (mythes-no) and Apertium's
# nynorsk-bokmål translator (apertium-nno-nob). Installs only what is missing.
set -euo pipefail
packages=(tesseract-ocr tesseract-ocr-nor dict-freedict-eng-nor wnorwegian chromium mythes-no apertium-nno-nob)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "note: not a Debian system; install ${missing[*]} yourself (OCR and the browser test need them)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "note: cannot install ${missing[*]} without root; OCR and the browser test will be skipped" >&2
    exit 0
  fi
fi
echo "installing ${missing[*]} ..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
