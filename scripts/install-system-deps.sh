#!/usr/bin/env bash
# System packages the tests need beyond Node: chromium (browser tests of the web app), DejaVu
# fonts (text in the PNG charts of `exprsim report`), oneDNN and OpenBLAS (the native kernels
# that `npm ci` builds, scripts/build-native.mjs: oneDNN's first, OpenBLAS's the fallback) and
# PostgreSQL 15 with the pgvector extension (the server face store). For the benchmarks only,
# Debian's python3-torch when apt has it (`npm run bench -- engine` compares against PyTorch;
# never needed by the tests, so its absence is a note, not a failure). Idempotent: each step is
# skipped when what it installs is already there. Needs root (CI runs as root).
#
# Debian bookworm ships no postgresql-15-pgvector binary package, so pgvector is built from the
# Debian trixie *source* package (pgvector 0.8.0) against PostgreSQL 15's server headers.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: run as root (apt-get and make install need it)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
PACKAGES=(chromium postgresql postgresql-server-dev-15 dpkg-dev build-essential fonts-dejavu-core libopenblas-dev libdnnl-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "== system packages present: ${PACKAGES[*]}"
fi

if dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q 'install ok installed'; then
  echo "== python3-torch present (the engine benchmark's PyTorch reference)"
elif apt-cache show python3-torch >/dev/null 2>&1; then
  echo "== apt-get install python3-torch (benchmarks only)"
  apt-get install -y --no-install-recommends python3-torch ||
    echo "install-system-deps: note: python3-torch failed to install; the engine benchmark skips PyTorch" >&2
else
  echo "install-system-deps: note: apt has no python3-torch; the engine benchmark skips PyTorch" >&2
fi

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
EXT_DIR="$("$PG_CONFIG" --sharedir)/extension"
if [ -f "$EXT_DIR/vector.control" ]; then
  echo "== pgvector present: $EXT_DIR/vector.control"
  exit 0
fi

echo "== building pgvector from the Debian trixie source package"
work="$(mktemp -d)"
list="$work/trixie-src.list"
cleanup() {
  rm -rf "$work"
  # The custom source list replaced apt's package lists: restore the system's own.
  apt-get update >/dev/null || echo "install-system-deps: warning: apt-get update failed" >&2
}
trap cleanup EXIT
# The Debian archive this machine already uses (its configured apt sources: one-line
# sources.list entries or deb822 .sources files), so the script names no mirror of its own.
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
archive="$(
  {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v c="$codename" '$1 == "deb" { u = $2; if ($2 ~ /^\[/) u = $3; for (i = 3; i <= NF; i++) if ($i == c) { print u; exit } }'
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk -v c="$codename" '
        /^[[:space:]]*$/ { if (ok && uri != "") { print uri; done = 1; exit } ok = 0; uri = ""; next }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) ok = 1 }
        END { if (!done && ok && uri != "") print uri }' "$f"
    done
  } | head -n 1
)"
if [ -z "$archive" ]; then
  echo "install-system-deps: no Debian archive for \"$codename\" in the apt sources; add one (e.g. in /etc/apt/sources.list.d/) and rerun" >&2
  exit 1
fi
echo "deb-src $archive trixie main" >"$list"
apt_src=(-o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=-)
apt-get update "${apt_src[@]}"
(cd "$work" && apt-get source --download-only "${apt_src[@]}" pgvector)
orig="$(ls "$work"/pgvector_*.orig.tar.* | head -n 1)"
mkdir "$work/src"
tar -xf "$orig" -C "$work/src" --strip-components=1
make -C "$work/src" PG_CONFIG="$PG_CONFIG" -j"$(nproc)"
make -C "$work/src" PG_CONFIG="$PG_CONFIG" install
test -f "$EXT_DIR/vector.control"
echo "== pgvector installed: $EXT_DIR/vector.control"
