#!/usr/bin/env bash
# Builds the .deb from a configured, built tree (cpack), unpacks it into a
# scratch root with dpkg -x as the CI machine would install it, and runs the
# packaged `consilium --version`. Checks that Depends names the Debian runtime
# packages (from dpkg-shlibdeps) and that the auditor's library is in it.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; fail "cpack failed"; }
debs=("$tmp"/pkg/consilium_*.deb)
[ -f "${debs[0]}" ] || fail "no consilium_*.deb in $tmp/pkg"
deb=${debs[0]}
echo "package: $(basename "$deb")"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
names=" $(sed -E 's/ \([^)]*\)//g; s/,//g' <<<"$depends") "
for p in librocksdb7.8 libssl3 libboost-json1.81.0 libc6 libstdc++6; do
  [[ "$names" == *" $p "* ]] || fail "Depends lacks $p"
done
dpkg-deb -x "$deb" "$tmp/root"
bin="$tmp/root/usr/bin/consilium"
[ -x "$bin" ] || fail "no usr/bin/consilium in the package"
for f in usr/include/consilium/ledger/proof_verifier.h \
         usr/include/consilium/common/status.h; do
  [ -f "$tmp/root/$f" ] || fail "no $f in the package"
done
[ -n "$(find "$tmp/root/usr/lib" -name libconsilium_proofs.a)" ] ||
  fail "no libconsilium_proofs.a in the package"
out=$("$bin" --version) || fail "packaged consilium --version exited $?"
echo "$out"
grep -qE '^consilium [0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]+|unknown)\)$' \
  <<<"$out" || fail "unexpected --version output: $out"
"$bin" help >/dev/null || fail "packaged consilium help exited $?"
echo "ok"
