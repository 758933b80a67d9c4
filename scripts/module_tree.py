"""What scripts/check-layers.py and scripts/check-sizes.py share: the source
files of the module folders, and the fixture trees of their self-tests."""

import argparse
import os
import subprocess
import sys
import tempfile


def source_files(root, modules):
    """(relative path, module, absolute path) of every .h and .cc under the
    module folders, in module order and then path order."""
    for module in modules:
        top = os.path.join(root, module)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".h", ".cc")):
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, root).replace(os.sep, "/")
                    yield rel, module, path


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def run_on_fixture(script, files, args=()):
    """Runs `script --root TREE *args` on a temporary tree holding `files`
    ({relative path: text}); returns (exit status, stderr)."""
    with tempfile.TemporaryDirectory(prefix="module-tree.") as d:
        for rel, text in files.items():
            write(d, rel, text)
        p = subprocess.run([sys.executable, script, "--root", d, *args],
                           capture_output=True, text=True)
        return p.returncode, p.stderr


def self_test(script, clean, faulty, args=()):
    """Runs `script` on fixture trees: each of `clean` ({name: files}) must
    pass; each of `faulty` ({name: (files added to the first clean tree, text
    the report must hold)}) must fail with that text. Prints a line per case;
    returns the number of failures."""
    failures = 0
    base = next(iter(clean.values()))
    for name, files in clean.items():
        rc, err = run_on_fixture(script, files, args)
        if rc != 0:
            print(f"FAIL {name}: exit {rc}\n{err}", file=sys.stderr)
            failures += 1
        else:
            print(f"ok   {name}")
    for name, (extra, expected) in faulty.items():
        rc, err = run_on_fixture(script, {**base, **extra}, args)
        if rc != 1 or expected not in err:
            print(f"FAIL {name}: exit {rc}, expected exit 1 and "
                  f"{expected!r} in:\n{err}", file=sys.stderr)
            failures += 1
        else:
            print(f"ok   {name}")
    return failures


def parse_args(name, doc, root, self_test, add_arguments=None):
    """The command line both checks share: --root DIR (default `root`) and
    --self-test (runs `self_test`, prints its count). Returns (args, None),
    or (None, exit status) when there is nothing more to do."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--root", default=root)
    ap.add_argument("--self-test", action="store_true")
    if add_arguments:
        add_arguments(ap)
    args = ap.parse_args()
    if args.self_test:
        failures = self_test()
        print(f"{name} self-test: {failures} failure(s)")
        return None, 1 if failures else 0
    if not os.path.isdir(args.root):
        print(f"{name}: no directory {args.root}", file=sys.stderr)
        return None, 2
    return args, None
