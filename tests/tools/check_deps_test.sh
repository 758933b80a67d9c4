#!/usr/bin/env bash
# The dependency check passes with the install lists as they are, and fails
# naming the package when one package is dropped from a copy of the list.
# Usage: check_deps_test.sh SOURCE_DIR BUILD_DIR [PACKAGE...]
set -uo pipefail
src=$1 build=$2
shift 2
dropped=("$@")
[ ${#dropped[@]} -gt 0 ] || dropped=(libfmt-dev libcli11-dev python3-nacl)
check="$src/scripts/check-deps.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! /usr/bin/python3 "$check" --build-dir "$build" >"$tmp/out" 2>&1; then
  echo "FAIL: the check fails with the full install lists:"; cat "$tmp/out"
  exit 1
fi
/usr/bin/python3 "$check" --build-dir "$build" --print-install-list \
  >"$tmp/list" || exit 1
status=0
for p in "${dropped[@]}"; do
  if ! grep -qx "$p" "$tmp/list"; then
    echo "FAIL: $p is not on the install list to begin with"; status=1
    continue
  fi
  grep -vx "$p" "$tmp/list" >"$tmp/list-$p"
  /usr/bin/python3 "$check" --build-dir "$build" --packages-file "$tmp/list-$p" \
    >"$tmp/out" 2>&1
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q "package $p is not installed" "$tmp/out"; then
    echo "FAIL: without $p the check exited $rc and did not name it:"
    cat "$tmp/out"; status=1
  else
    echo "ok: without $p: $(grep -m1 "package $p" "$tmp/out")"
  fi
done
exit $status
