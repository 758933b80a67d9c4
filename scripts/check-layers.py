#!/usr/bin/python3
"""Fails when a module includes a module it may not depend on.

Reads the `#include "..."` lines of every .h and .cc under the module folders
(common/ schemas/ ledger/ domain/ statistics/ deid/ projections/ dataset/
render/ adjudication/ api/ tools/)
and checks them against the allowed graph (docs/architecture.md):

    common <- schemas <- ledger <- domain <- projections <- adjudication
    adjudication <- render <- api;  adjudication <- api;  dataset <- api
    common <- statistics <- projections
    common <- deid (the de-identification detectors; only tools/ uses them)
    adjudication, render <- dataset (snapshot export and imports)
    tools may include anything; nothing includes tools/.

A module may include the modules it depends on and, through them, anything
below (projections may include common/status.h). Besides the module graph:

  * a quoted include is written from the repository root and starts with a
    module folder ("ledger/ledger.h"); anything else in a module other than
    tools/ is reported (a module never includes tests/ or a bare "x.h");
  * `<module>/internal/` headers are private to their module (STYLE.md;
    tools/, which may include anything, excepted);
  * no include cycle between files of different modules (found over the
    file-level include graph, Tarjan's strongly connected components).

Angle-bracket includes (the standard library, Boost, RocksDB, ...) are not
checked.

Usage:
  check-layers.py [--root DIR]   check the tree at DIR (default: this repo)
  check-layers.py --self-test    run the checks on fixture trees in a
                                 temporary directory and fail if a bad
                                 include is not reported
Exit status: 0 clean, 1 violations (each on stderr as
`file:line: includes "path": reason`), 2 usage error.
"""

import os
import re
import sys

import module_tree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Direct dependencies; a module may include these and their dependencies.
DEPENDS = {
    "common": [],
    "schemas": ["common"],
    "ledger": ["schemas"],
    "statistics": ["common"],
    "deid": ["common"],
    "domain": ["ledger", "deid"],
    "projections": ["domain", "statistics"],
    "render": ["adjudication"],
    "dataset": ["adjudication", "render"],
    "adjudication": ["projections"],
    "api": ["adjudication", "render", "dataset"],
}
# tools/ may include every module; no module may include tools/.
TOOLS = "tools"
MODULES = list(DEPENDS) + [TOOLS]

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def closure():
    """Module -> set of modules it may include (itself included)."""
    allowed = {}

    def visit(m, stack):
        if m in allowed:
            return allowed[m]
        if m in stack:
            raise SystemExit("check-layers: the allowed graph has a cycle: " +
                             " -> ".join(stack + [m]))
        out = {m}
        for d in DEPENDS[m]:
            out |= visit(d, stack + [m])
        allowed[m] = out
        return out

    for m in DEPENDS:
        visit(m, [])
    allowed[TOOLS] = set(MODULES)
    return allowed


def scan(root):
    """[(relative path, module, [(line number, include)])] in path order."""
    files = []
    for rel, module, path in module_tree.source_files(root, MODULES):
        includes = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if m:
                    includes.append((n, m.group(1)))
        files.append((rel, module, includes))
    return files


def layer_violations(files):
    allowed = closure()
    out = []
    for rel, module, includes in files:
        for n, inc in includes:
            target = inc.split("/", 1)[0]
            where = f'{rel}:{n}: includes "{inc}": '
            if target not in MODULES:
                if module != TOOLS:
                    out.append(where + "not a module path (write includes "
                               "from the repository root, e.g. "
                               '"ledger/ledger.h"; modules never include '
                               "tests/ or tools/)")
                continue
            if target not in allowed[module]:
                if target == TOOLS:
                    reason = "nothing includes tools/ (it links libraries)"
                else:
                    may = sorted(allowed[module] - {module})
                    reason = (f"{module}/ may not depend on {target}/ "
                              f"({module}/ may include: "
                              f"{', '.join(may) if may else 'nothing else'})")
                out.append(where + reason)
                continue
            if "/internal/" in inc and module not in (target, TOOLS):
                out.append(where + f"{target}/internal/ is private to "
                           f"{target}/")
    return out


def cycle_violations(files):
    """Include cycles whose files belong to more than one module."""
    module_of = {rel: module for rel, module, _ in files}
    graph = {rel: sorted({inc for _, inc in includes if inc in module_of})
             for rel, _, includes in files}
    # Tarjan's algorithm, iterative (deep include chains must not hit
    # Python's recursion limit).
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            edges = graph[v]
            if i < len(edges):
                work.append((v, i + 1))
                w = edges[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                scc = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    scc.append(w)
                    if w == v:
                        break
                sccs.append(sorted(scc))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    out = []
    for scc in sccs:
        modules = sorted({module_of[f] for f in scc})
        if len(modules) > 1:
            out.append("include cycle between modules " + ", ".join(modules) +
                       ": " + " , ".join(scc))
    return out


def check(root):
    files = scan(root)
    return layer_violations(files) + cycle_violations(files), len(files)


def self_test():
    """Runs this script on fixture trees; returns the number of failures."""
    good = {
        "common/status.h": "",
        "schemas/event.h": '#include "common/status.h"\n',
        "ledger/ledger.h": '#include "schemas/event.h"\n',
        "ledger/internal/keys.h": '#include "common/status.h"\n',
        "ledger/ledger.cc": '#include "ledger/internal/keys.h"\n',
        "statistics/agreement.h": '#include "common/status.h"\n',
        "projections/engine.h": ('#include "ledger/ledger.h"\n'
                                 '#include "statistics/agreement.h"\n'
                                 '#include <vector>\n'),
        "adjudication/queue.h": '#include "projections/engine.h"\n',
        "api/server.h": '#include "adjudication/queue.h"\n',
        "tools/cli.cc": ('#include "api/server.h"\n'
                         '#include "ledger/internal/keys.h"\n'
                         '#include "build_info.h"\n'),
    }
    # Each case: files added to the good tree, and text that must appear in
    # the report.
    bad = {
        "ledger includes projections": (
            {"ledger/merkle.cc": '#include "projections/engine.h"\n'},
            'ledger/merkle.cc:1: includes "projections/engine.h": ledger/ '
            "may not depend on projections/"),
        "statistics includes ledger": (
            {"statistics/rating_table.cc":
             '#include <cmath>\n  #  include "ledger/ledger.h"\n'},
            'statistics/rating_table.cc:2: includes "ledger/ledger.h": '
            "statistics/ may not depend on ledger/"),
        "schemas includes statistics": (
            {"schemas/x.h": '#include "statistics/agreement.h"\n'},
            "schemas/ may not depend on statistics/"),
        "a module includes tools": (
            {"api/route.cc": '#include "tools/cli.h"\n'},
            'api/route.cc:1: includes "tools/cli.h": nothing includes tools/'),
        "a module includes tests": (
            {"projections/p.cc": '#include "tests/testing/temp_dir.h"\n'},
            'projections/p.cc:1: includes "tests/testing/temp_dir.h": '
            "not a module path"),
        "another module's internal header": (
            {"projections/q.cc": '#include "ledger/internal/keys.h"\n'},
            "ledger/internal/ is private to ledger/"),
        "a cycle across modules": (
            {"common/status.h": '#include "schemas/event.h"\n'},
            "include cycle between modules common, schemas: "
            "common/status.h , schemas/event.h"),
    }
    return module_tree.self_test(os.path.abspath(__file__),
                                 {"good tree": good}, bad)


def main():
    args, status = module_tree.parse_args("check-layers", __doc__, ROOT,
                                          self_test)
    if args is None:
        return status
    violations, n = check(args.root)
    for v in violations:
        print(v, file=sys.stderr)
    if violations:
        print(f"check-layers: {len(violations)} violation(s) in {n} files "
              "(allowed graph: scripts/check-layers.py, "
              "docs/architecture.md)", file=sys.stderr)
        return 1
    print(f"check-layers: {n} files, no violations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
