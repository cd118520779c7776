#!/usr/bin/env bash
# Writes the dev evaluation suite: the triplet sets `exprsim eval --suite` scores a model on
# (issue 21's per-domain table) and suite.json naming them. Every set is a dev or val split:
# FER2013 PublicTest label triplets, FER+ PublicTest graded triplets (one-class and mixed
# scored separately), jaffe-dev photos through a detector with the model's framing, and
# ckplus48-dev crops embedded whole. Never the test splits (FER2013 PrivateTest is scored once,
# on its own).
#
#   scripts/make-dev-suite.sh [OUT] [DATA]     (defaults: ../cache/dev-suite, ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-../cache/dev-suite}"
DATA="${2:-../shared/data}"
for d in fer2013 ferplus jaffe-dev ckplus48-dev; do
  [ -d "$DATA/$d" ] || { echo "make-dev-suite: $DATA/$d is missing (pass the shared data folder as the second argument)" >&2; exit 2; }
done
mkdir -p "$OUT"
x() { node --import tsx src/cli/main.ts "$@"; }
# 3,000 label triplets per set; cross-subject sets take anchor and positive from two subjects.
[ -f "$OUT/fer2013/dataset.json" ] ||
  x data triplets --labels "$DATA/fer2013/labels.csv" --out "$OUT/fer2013" \
    --train-count 0 --val-count 3000 --test-count 0
[ -f "$OUT/ferplus/dataset.json" ] ||
  x data ferplus-triplets --votes "$DATA/ferplus/votes.csv" --out "$OUT/ferplus" \
    --train 0 --val 4000
for d in jaffe-dev ckplus48-dev; do
  [ -f "$OUT/$d/dataset.json" ] ||
    x data triplets --labels "$DATA/$d/labels.csv" --out "$OUT/$d" --cross-subject \
      --split-ratios 0,0,1 --train-count 0 --val-count 0 --test-count 3000
done
cat > "$OUT/suite.json" <<JSON
{
  "name": "dev",
  "sets": [
    { "name": "FER2013 PublicTest (labels)", "triplets": "fer2013", "split": "val" },
    { "name": "FER+ PublicTest one-class", "triplets": "ferplus", "split": "val", "types": ["ONE_CLASS_TRIPLET"] },
    { "name": "FER+ PublicTest mixed", "triplets": "ferplus", "split": "val", "types": ["TWO_CLASS_TRIPLET", "THREE_CLASS_TRIPLET"] },
    { "name": "jaffe-dev photos (mtcnn)", "triplets": "jaffe-dev", "split": "test", "detect": "mtcnn" },
    { "name": "ckplus48-dev crops", "triplets": "ckplus48-dev", "split": "test" }
  ]
}
JSON
echo "wrote $OUT/suite.json"
