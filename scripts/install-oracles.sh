#!/usr/bin/env bash
# Installs the Python packages that tests/statistics/oracle.py compares
# Consilium's agreement statistics against: statsmodels, scikit-learn, nltk
# (and numpy, pandas, scipy beneath them), all from Debian 12's repositories.
#
# Why two kinds of install: on Debian 12 python3-scipy depends on
# python3-pythran, which depends on libboost1.74-dev, which conflicts with
# libboost1.81-dev (the Boost the project builds against). So:
#   * packages that do not drag pythran/Boost in are installed with apt-get,
#     as usual;
#   * python3-scipy, python3-sklearn(-lib) and python3-statsmodels(-lib) are
#     fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a
#     private prefix that dpkg does not know about. Nothing in apt's or dpkg's
#     state changes for them, so apt stays consistent. oracle.py puts
#     "$PREFIX/usr/lib/python3/dist-packages" on sys.path. pythran is a
#     compile-time helper of scipy and is not needed to import or run it.
#
# Usage (as root on a fresh Debian 12, or as any user once the apt part is
# done):  scripts/install-oracles.sh [--print-prefix]
# The prefix is $CONSILIUM_ORACLE_PREFIX, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/consilium/oracles. Idempotent: when the
# oracles already import, it returns at once without touching apt.
set -euo pipefail

PREFIX="${CONSILIUM_ORACLE_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/consilium/oracles}"
if [[ "${1:-}" == "--print-prefix" ]]; then
  echo "$PREFIX"
  exit 0
fi

PY=/usr/bin/python3
SITE="$PREFIX/usr/lib/python3/dist-packages"

# Installed system-wide with apt-get: runtime dependencies of the unpacked
# packages (from `apt-cache depends`), none of which pulls in Boost.
SYSTEM_PACKAGES=(
  python3 python3-numpy python3-pandas python3-nltk python3-joblib
  python3-threadpoolctl python3-patsy python3-packaging python3-decorator
  libgfortran5 liblapack3 libblas3 liblbfgsb0 libgomp1
)
# Unpacked into $PREFIX only: these (directly or through python3-scipy)
# depend on python3-pythran -> libboost1.74-dev.
PRIVATE_PACKAGES=(
  python3-scipy python3-sklearn python3-sklearn-lib python3-statsmodels
  python3-statsmodels-lib
)

oracles_import() {
  [[ -x "$PY" ]] || return 1
  "$PY" - "$SITE" >/dev/null 2>&1 <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import numpy, pandas, scipy, nltk
from statsmodels.stats.inter_rater import fleiss_kappa
from sklearn.metrics import cohen_kappa_score
from nltk.metrics.agreement import AnnotationTask
EOF
}

if oracles_import; then
  echo "oracles ready: $SITE"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})) || [[ ! -d "$PREFIX/debs" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "install-oracles: need root to apt-get install: ${missing[*]:-(downloads)}" >&2
    exit 2
  fi
  # A fresh machine may have no package lists yet; refresh only when apt
  # cannot resolve one of the names we need.
  if ! apt-cache show "${PRIVATE_PACKAGES[0]}" >/dev/null 2>&1; then
    apt-get update -q
  fi
fi

if ((${#missing[@]})); then
  echo "install-oracles: apt-get install ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$PREFIX/debs"
(
  cd "$PREFIX/debs"
  for p in "${PRIVATE_PACKAGES[@]}"; do
    if ! compgen -G "${p}_*.deb" >/dev/null; then
      # `apt-get download` as root warns that it runs unsandboxed; harmless.
      apt-get download -q "$p" 2>&1 | grep -v "unsandboxed" || true
      compgen -G "${p}_*.deb" >/dev/null || {
        echo "install-oracles: apt-get download $p failed" >&2
        exit 2
      }
    fi
  done
)

for deb in "$PREFIX"/debs/*.deb; do
  dpkg-deb -x "$deb" "$PREFIX"
done

if ! oracles_import; then
  echo "install-oracles: oracles still do not import from $SITE:" >&2
  "$PY" -c "import sys; sys.path.insert(0, '$SITE'); import scipy, sklearn, statsmodels" >&2 || true
  exit 2
fi
echo "oracles ready: $SITE"
