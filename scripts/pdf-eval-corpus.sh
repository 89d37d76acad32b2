#!/usr/bin/env bash
# A corpus folder of the real PDFs the evaluation asks about: links to
# ../shared/pdfs and tests/eval/pdf-catalog.yaml as its catalog.
# Usage: scripts/pdf-eval-corpus.sh TARGET   (exit 3 when the PDFs are not here)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: $0 TARGET}"
shared="$root/../shared/pdfs"
files=$(sed -n 's/^ *file: *//p' "$root/tests/eval/pdf-catalog.yaml")
mkdir -p "$target"
for file in $files; do
  if [ ! -f "$shared/$file" ]; then
    echo "note: $shared/$file is not here; the PDF part of the evaluation is skipped" >&2
    exit 3
  fi
  ln -sf "$shared/$file" "$target/$file"
done
cp "$root/tests/eval/pdf-catalog.yaml" "$target/catalog.yaml"
