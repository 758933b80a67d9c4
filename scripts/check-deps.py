#!/usr/bin/python3
"""Fails when the build uses a Debian package that nothing installs.

scripts/test.sh runs this after CMake configures (so in CI). It maps every
dependency the configured build actually uses to the Debian package that owns
it (`dpkg -S`), and checks that the package is installed by the install lists
-- scripts/install-deps.sh's `packages` and scripts/install-oracles.sh's
SYSTEM_PACKAGES -- directly or as a dependency (Depends and Pre-Depends,
recursively, the first installed alternative of each `a | b`, providers of
virtual packages), or is part of every Debian system (Essential: yes or
Priority: required, and their dependencies).

What is mapped:
  * every FILEPATH/PATH entry of CMakeCache.txt that names an existing file
    or directory: package config directories (`fmt_DIR`), libraries and
    include directories found by find modules, programs found with
    find_program (FLATC, CCACHE_PROGRAM, GIT_EXECUTABLE, the compiler ...);
  * the shared libraries (ldd) of every executable the build produced
    (`consilium`, the test binaries, the fuzz replayers, the benchmarks);
  * the modules that the Python scripts under tests/ and scripts/ import
    (imported with the oracle prefix on sys.path, as oracle.py does);
    modules found in install-oracles.sh's private prefix are provided by that
    script;
  * the programs the test and packaging commands run (EXTRA_PROGRAMS).

A path can be owned by several packages (a shared directory, a diverted
file); it is covered when any owner is. /lib and /usr/lib (and /bin,
/usr/bin) are the same directory on a merged-/usr system while dpkg knows one
spelling, so both spellings and the resolved symlink are tried.

Usage:
  check-deps.py --build-dir build/release [--packages-file FILE] [--verbose]
  check-deps.py --build-dir build/release --print-install-list
--packages-file replaces the install lists read from the scripts (one name or
more per line, '#' comments); tests use it to drop one package from a copy.
Exit status: 0 all covered, 1 something is not covered (each package named
on stderr with the paths that need it), 2 usage or environment error.
"""

import argparse
import ast
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# CMakeCache entries that are not dependencies of building or testing:
# CTest's dashboard tools (`ctest -T memcheck/coverage`, submissions), which
# include(CTest) looks for but no test uses; the install prefix; the
# reference data (read in place, not a package).
IGNORED_CACHE_ENTRIES = {
    "MEMORYCHECK_COMMAND", "MEMORYCHECK_SUPPRESSIONS_FILE", "COVERAGE_COMMAND",
    "GITCOMMAND", "CMAKE_INSTALL_PREFIX", "CONSILIUM_SHARED_DATA",
}

# Programs the tests and scripts/test.sh run that CMake does not look up:
# bash (the scripts), python3 (oracle and checks), dpkg-deb (the .deb test
# unpacks the package), dpkg-shlibdeps (CPack computes the .deb's Depends),
# cmake/cpack/ctest, npm and npx (the OpenAPI lint fetches its linter).
EXTRA_PROGRAMS = ["bash", "python3", "dpkg-deb", "dpkg-shlibdeps", "cmake",
                  "cpack", "ctest", "npm", "npx", "wrk"]


DPKG_STATUS = "/var/lib/dpkg/status"

SYSTEM_PATH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]

# Module name -> Debian package, where it is not python3-<module>.
PYTHON_PACKAGES = {"nacl": "python3-nacl", "sklearn": "python3-sklearn"}


def fail(message):
    print(f"check-deps: {message}", file=sys.stderr)
    sys.exit(2)


def read_bash_array(path, name):
    """The words of a bash array NAME=( ... ), comments (which may hold
    parentheses) left out: the array ends at the first ')' outside one."""
    lines = open(path, encoding="utf-8").read().splitlines()
    start = re.compile(r"^\s*" + re.escape(name) + r"=\((.*)$")
    for i, line in enumerate(lines):
        m = start.match(line)
        if not m:
            continue
        words = []
        for body in [m.group(1)] + lines[i + 1:]:
            code = body.split("#", 1)[0]
            if ")" in code:
                return words + code.split(")", 1)[0].split()
            words += code.split()
        break
    fail(f"no {name}=( ... ) in {path}")


def install_lists(packages_file):
    """(packages installed with apt, packages unpacked privately)."""
    oracles = os.path.join(ROOT, "scripts", "install-oracles.sh")
    private = read_bash_array(oracles, "PRIVATE_PACKAGES")
    if packages_file:
        names = []
        for line in open(packages_file, encoding="utf-8"):
            names += line.split("#", 1)[0].split()
        return names, private
    names = read_bash_array(os.path.join(ROOT, "scripts", "install-deps.sh"),
                            "packages")
    names += read_bash_array(oracles, "SYSTEM_PACKAGES")
    return names, private


def installed_packages():
    """name -> {depends: [[alt, ...], ...], provides: [...], base: bool}."""
    fmt = ("${Package}\t${Status}\t${Essential}\t${Priority}\t"
           "${Pre-Depends}\t${Depends}\t${Provides}\n")
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], check=True,
                         capture_output=True, text=True).stdout
    pkgs = {}
    providers = {}
    for line in out.splitlines():
        name, status, essential, priority, pre, deps, provides = \
            line.split("\t")
        if not status.endswith(" installed"):
            continue
        groups = []
        for field in (pre, deps):
            for group in filter(None, (g.strip() for g in field.split(","))):
                groups.append([re.split(r"[\s(:]", a.strip())[0]
                               for a in group.split("|")])
        pkgs[name] = {"depends": groups,
                      "base": essential == "yes" or priority == "required"}
        for p in filter(None, (p.strip() for p in provides.split(","))):
            providers.setdefault(re.split(r"[\s(:]", p)[0], []).append(name)
    return pkgs, providers


def closure(seeds, pkgs, providers):
    """Installed packages that installing `seeds` brings in."""
    def resolve(name):
        if name in pkgs:
            return [name]
        return providers.get(name, [])

    covered = set()
    stack = []
    for s in seeds:
        stack += resolve(s)
    while stack:
        name = stack.pop()
        if name in covered:
            continue
        covered.add(name)
        for group in pkgs[name]["depends"]:
            # apt takes the first alternative it can satisfy.
            for alt in group:
                found = resolve(alt)
                if found:
                    stack += found
                    break
    return covered


def path_variants(path):
    out = [path]
    real = os.path.realpath(path)
    if real not in out:
        out.append(real)
    for p in list(out):
        for a, b in (("/usr/lib/", "/lib/"), ("/usr/bin/", "/bin/"),
                     ("/usr/sbin/", "/sbin/")):
            if p.startswith(a):
                out.append(b + p[len(a):])
            elif p.startswith(b):
                out.append(a + p[len(b):])
    return out


def owners(paths):
    """path -> set of owning packages (empty when dpkg knows none)."""
    queries = sorted({v for p in paths for v in path_variants(p)})
    found = {}
    for i in range(0, len(queries), 500):
        r = subprocess.run(["dpkg-query", "-S", *queries[i:i + 500]],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("diversion by"):
                continue
            pkgs, _, path = line.partition(": ")
            if path not in queries:
                continue
            found.setdefault(path, set()).update(
                p.strip().split(":")[0] for p in pkgs.split(","))
    return {p: set().union(*(found.get(v, set()) for v in path_variants(p)))
            for p in paths}


def cache_paths(build_dir):
    cache = os.path.join(build_dir, "CMakeCache.txt")
    if not os.path.exists(cache):
        fail(f"{cache} not found: configure first (cmake --preset release)")
    used = {}
    for line in open(cache, encoding="utf-8"):
        m = re.match(r"^([A-Za-z0-9_.+-]+):(FILEPATH|PATH)=(/.*)$",
                     line.rstrip("\n"))
        if not m or m.group(1) in IGNORED_CACHE_ENTRIES:
            continue
        name, value = m.group(1), m.group(3)
        if not os.path.exists(value) or value.startswith((ROOT, build_dir)):
            continue
        if name.endswith("_DIR") and os.path.isdir(value):
            # A package config directory: its config file names the package.
            configs = [f for f in os.listdir(value)
                       if re.search(r"(Config|-config)\.cmake$", f)]
            if configs:
                value = os.path.join(value, sorted(configs)[0])
        used[value] = f"CMakeCache {name}"
    return used


class Cache:
    """Results of slow probes (ldd, importing the oracles), kept in the build
    directory and reused while their inputs are unchanged, so that the check
    and its test stay fast."""

    def __init__(self, build_dir):
        self.path = os.path.join(build_dir, "check-deps-cache.json")
        try:
            with open(self.path, encoding="utf-8") as f:
                self.data = json.load(f)
        except (OSError, ValueError):
            self.data = {}
        self.dirty = False

    def get(self, key):
        return self.data.get(key)

    def put(self, key, value):
        self.data[key] = value
        self.dirty = True

    def save(self):
        if not self.dirty:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)


def stamp(path):
    """Changes when the file (or directory entry) changes."""
    try:
        st = os.stat(path)
    except OSError:
        return "absent"
    return f"{st.st_size}:{st.st_mtime_ns}"


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def linked_libraries(build_dir, cache):
    used = {}
    for dirpath, dirnames, files in os.walk(build_dir):
        dirnames[:] = [d for d in dirnames
                       if d not in ("CMakeFiles", "_CPack_Packages")]
        for f in files:
            path = os.path.join(dirpath, f)
            if f.endswith((".so", ".a", ".o")) or ".so." in f:
                continue
            if not os.access(path, os.X_OK) or not is_elf(path):
                continue
            key = f"ldd {path} {stamp(path)} {stamp(DPKG_STATUS)}"
            libs = cache.get(key)
            if libs is None:
                r = subprocess.run(["ldd", path], capture_output=True,
                                   text=True)
                libs = re.findall(r"=>\s+(/\S+)", r.stdout)
                cache.put(key, libs)
            for lib in libs:
                if not lib.startswith(build_dir):
                    used.setdefault(lib, "ldd " + os.path.relpath(path,
                                                                build_dir))
    return used


def python_modules(oracle_site, cache):
    """Files of the top-level modules the repository's Python imports."""
    names = set()
    for top in ("tests", "scripts"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            # A script's own folder is first on its sys.path: a module there
            # (scripts/module_tree.py) is the repository's, no package's.
            local = {f[:-3] for f in files if f.endswith(".py")}
            for f in files:
                if not f.endswith(".py"):
                    continue
                tree = ast.parse(open(os.path.join(dirpath, f),
                                      encoding="utf-8").read())
                found = set()
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        found.update(a.name.split(".")[0] for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.level == 0:
                        found.add(node.module.split(".")[0])
                names |= found - local
    probe = r"""
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
out = {}
for name in sys.argv[2:]:
    try:
        m = importlib.import_module(name)
    except Exception as e:
        out[name] = "!" + repr(e)
        continue
    f = getattr(m, "__file__", None)
    out[name] = f or ""  # builtin modules have no file
print(json.dumps(out))
"""
    key = (f"python {' '.join(sorted(names))} {oracle_site} "
           f"{stamp(oracle_site)} {stamp(DPKG_STATUS)}")
    probed = cache.get(key)
    if probed is None:
        r = subprocess.run(["/usr/bin/python3", "-c", probe, oracle_site,
                            *sorted(names)], capture_output=True, text=True)
        if r.returncode != 0:
            fail("python3 could not run the import probe: " + r.stderr.strip())
        probed = json.loads(r.stdout)
        cache.put(key, probed)
    used, private, missing = {}, [], []
    for name, path in probed.items():
        if path.startswith("!"):
            missing.append((name, path[1:]))
        elif path.startswith(oracle_site):
            private.append(name)
        elif path:
            used[path] = f"python import {name}"
    return used, private, missing


def program_paths():
    used = {}
    for prog in EXTRA_PROGRAMS:
        # The system's programs: tests run /usr/bin/python3, not a user's
        # pyenv shim earlier on PATH.
        for d in SYSTEM_PATH:
            p = os.path.join(d, prog)
            if os.access(p, os.X_OK):
                used[p] = f"program {prog}"
                break
        else:
            used["(missing) " + prog] = f"program {prog}"
    return used


def oracle_site_dir():
    r = subprocess.run([os.path.join(ROOT, "scripts", "install-oracles.sh"),
                        "--print-prefix"], capture_output=True, text=True)
    if r.returncode != 0:
        fail("install-oracles.sh --print-prefix failed: " + r.stderr.strip())
    return os.path.join(r.stdout.strip(), "usr/lib/python3/dist-packages")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--packages-file")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--print-install-list", action="store_true",
                    help="print the packages the install scripts install "
                         "with apt, one a line, and exit")
    a = ap.parse_args()
    build_dir = os.path.abspath(a.build_dir)

    listed, private_packages = install_lists(a.packages_file)
    if a.print_install_list:
        print("\n".join(listed))
        return 0
    pkgs, providers = installed_packages()
    base = [p for p, info in pkgs.items() if info["base"]]
    covered = closure(listed + base, pkgs, providers)

    cache = Cache(build_dir)
    used = {}
    used.update(cache_paths(build_dir))
    used.update(linked_libraries(build_dir, cache))
    py_used, py_private, py_missing = python_modules(oracle_site_dir(), cache)
    cache.save()
    used.update(py_used)
    used.update(program_paths())

    problems = {}  # package -> [reason]
    unowned = []
    path_owners = owners([p for p in used if not p.startswith("(missing)")])
    for path, why in sorted(used.items()):
        if path.startswith("(missing)"):
            unowned.append(f"{why}: not found on PATH")
            continue
        owned_by = path_owners[path]
        if not owned_by:
            unowned.append(f"{why}: {path} belongs to no Debian package")
        elif not owned_by & covered:
            for p in sorted(owned_by):
                problems.setdefault(p, []).append(f"{why} ({path})")
        elif a.verbose:
            print(f"ok {path} <- {', '.join(sorted(owned_by & covered))}")
    # A module that does not import here (install-oracles.sh has not run on
    # this machine) cannot be traced to a file; it is covered when its
    # Debian package is on an install list.
    not_here = []
    for name, error in py_missing:
        package = PYTHON_PACKAGES.get(name, "python3-" + name)
        if package in listed or package in private_packages:
            not_here.append(f"{name} ({package})")
        else:
            problems.setdefault(package, []).append(
                f"python import {name}: does not import here ({error}) and "
                f"{package} is on no install list")

    if problems or unowned:
        print("check-deps: the build uses what the install scripts do not "
              "install:", file=sys.stderr)
        for p, reasons in sorted(problems.items()):
            print(f"  package {p} is not installed by install-deps.sh or "
                  f"install-oracles.sh; needed for:", file=sys.stderr)
            for r in reasons[:5]:
                print(f"    {r}", file=sys.stderr)
            if len(reasons) > 5:
                print(f"    ... and {len(reasons) - 5} more", file=sys.stderr)
        for u in unowned:
            print(f"  {u}", file=sys.stderr)
        if problems:
            print("check-deps: add to scripts/install-deps.sh: " +
                  " ".join(sorted(problems)), file=sys.stderr)
        return 1
    if not_here:
        print("check-deps: not importable on this machine, covered by the "
              "install lists: " + ", ".join(not_here))
    print(f"check-deps: ok: {len(used)} paths, python modules from the "
          f"oracle prefix: {', '.join(sorted(py_private)) or 'none'}; "
          f"all from {len(listed)} listed packages "
          f"({len(covered)} with dependencies and the base system); private "
          f"to install-oracles.sh: {', '.join(private_packages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
