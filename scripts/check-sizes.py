#!/usr/bin/python3
"""Fails when a source file or a function in a module folder is too long.

Limits (docs/design/write-side.md, section 5, step 1):

  * a .h or .cc file under a module folder (common/ schemas/ ledger/ domain/
    statistics/ projections/ render/ adjudication/ api/ tools/) has at most
    800 lines;
  * a function has at most 80 lines, from the first line of its declaration
    to its closing brace.

What is over the limits today and not yet split is listed in
scripts/code-sizes-allow.txt, one entry a line:

    path[:function]  reason

(`path` alone allows the file's length; `path:function` one function's, the
function named as this script reports it, e.g. `ledger/ledger.cc:Ledger::Impl::Verify`).
An entry that no longer matches anything over the limits is reported as a
warning (an error with --strict): remove it, so the list only shrinks. It is
not an error by default because branches splitting those files merge
independently of the list.

Functions are found by a brace-matching heuristic, not a C++ parser: comments,
string and character literals (raw strings included) and preprocessor lines
are blanked; a `{` at namespace or class scope whose preceding declaration
ends with `)` (plus qualifiers such as `const`, `noexcept`, `override`,
`-> T`) or holds a constructor's initializer list opens a function body;
`namespace`, `class`, `struct`, `union`, `enum` and `extern "C"` open scopes
searched further; any other brace (an initializer) is skipped. Lambdas and
local classes count towards the function that holds them.

Usage:
  check-sizes.py [--root DIR] [--allow FILE] [--strict]
                                               check the tree at DIR
  check-sizes.py --self-test                   run the checks on fixture trees
Exit status: 0 clean, 1 violations (each on stderr), 2 usage error.
"""

import os
import re
import sys

import module_tree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = ["common", "schemas", "ledger", "domain", "statistics", "deid",
           "projections", "dataset", "render", "adjudication", "api", "tools"]
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 80
ALLOW = os.path.join("scripts", "code-sizes-allow.txt")

SCOPE_RE = re.compile(
    r'^(?:template\s*<.*>\s*)?(?:namespace\b|class\b|struct\b|union\b|enum\b|'
    r'extern\s*"C")', re.S)
QUALIFIERS_RE = re.compile(
    r'\)\s*(?:const\b|noexcept\b(?:\s*\([^()]*\))?|override\b|final\b|'
    r'mutable\b|volatile\b|&&|&|->\s*[^{;]*?|requires\b[^{;]*?|\s)*$', re.S)
NAME_RE = re.compile(r'(~?[A-Za-z_][A-Za-z_0-9]*(?:\s*::\s*~?[A-Za-z_]'
                     r'[A-Za-z_0-9]*)*|operator\s*\S+?)\s*(?:<[^()]*>)?\s*$')


def blank(text):
    """Comments, literals and preprocessor lines become spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if at_line_start and c == "#":
            # A preprocessor directive, continued by backslash-newline.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        at_line_start = False
        if c == "\n":
            out.append(c)
            at_line_start = True
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
                or text[i - 1] in "u8LU"):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:end]))
            i = end
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and \
                    i + 1 < n and text[i + 1].isalnum():
                out.append(" ")  # digit separator: 1'000'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(decl):
    """The qualified name before the declaration's first top-level '('."""
    depth = 0
    for k, ch in enumerate(decl):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == "(" and (depth == 0 or decl[:k].rstrip().endswith(
                "operator")):
            m = NAME_RE.search(decl[:k])
            if m:
                return re.sub(r"\s+", "", m.group(1))
            if "=" in decl[:k]:
                m = re.search(r"([A-Za-z_][A-Za-z_0-9]*)\s*=\s*\[",
                              decl[:k + 1] + "[")
                if m:
                    return m.group(1)
            return "(lambda)"
    return "(unknown)"


def is_function(decl):
    d = decl.strip()
    if "(" not in d:
        return False
    if QUALIFIERS_RE.search(d):
        return True
    # Constructor with an initializer list: `X::X(int a) : a_(a), b_{} {`.
    depth = 0
    for k, ch in enumerate(d):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and re.match(r"\s*(?:noexcept\s*)?:(?!:)", d[k + 1:]):
                # `b_{a}` inside the list is an initializer, not the body.
                return d.endswith((")", "}"))
    return False


def functions(text):
    """[(name, first line, last line)] of the function bodies in `text`."""
    src = blank(text)
    out = []
    line = 1
    decl, decl_line = "", None
    scopes = []  # container scopes still open
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            decl += c
        elif c in ";}":
            if c == "}" and scopes:
                scopes.pop()
            decl, decl_line = "", None
        elif c == "{":
            start = decl_line if decl_line is not None else line
            head = decl.strip()
            if SCOPE_RE.match(head):
                scopes.append(line)
                decl, decl_line = "", None
            else:
                # Skip to the matching brace.
                depth, j, end_line = 0, i, line
                while j < n:
                    if src[j] == "\n":
                        end_line += 1
                    elif src[j] == "{":
                        depth += 1
                    elif src[j] == "}":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                if is_function(head):
                    out.append((function_name(head), start, end_line))
                    decl, decl_line = "", None
                else:
                    decl += "{}"  # an initializer: the declaration goes on
                line = end_line
                i = j
        else:
            if not c.isspace() and decl_line is None:
                decl_line = line
            decl += c
        i += 1
    return out


def scan(root):
    """[(relative path, line count, [(name, first, last)])]."""
    files = []
    for rel, _, path in module_tree.source_files(root, MODULES):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        count = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        files.append((rel, count, functions(text)))
    return files


def read_allow(path):
    """{key: reason}; key is `path` or `path:function`."""
    allow, errors = {}, []
    if not os.path.exists(path):
        return allow, errors
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
            parts = s.split(None, 1)
            if len(parts) < 2:
                errors.append(f"{path}:{n}: an entry needs a reason: {s}")
                continue
            allow[parts[0]] = parts[1]
    return allow, errors


def check(root, allow_path, strict):
    allow, out = read_allow(allow_path)
    used = set()
    files = scan(root)
    nfunctions = 0
    for rel, count, funcs in files:
        if count > MAX_FILE_LINES:
            if rel in allow:
                used.add(rel)
            else:
                out.append(f"{rel}: {count} lines (at most {MAX_FILE_LINES})")
        seen = {}
        for name, first, last in funcs:
            nfunctions += 1
            length = last - first + 1
            if length <= MAX_FUNCTION_LINES:
                continue
            key = f"{rel}:{name}"
            if key in allow:
                used.add(key)
                continue
            if seen.get(key):
                continue
            seen[key] = True
            out.append(f"{rel}:{first}: function {name} has {length} lines "
                       f"(at most {MAX_FUNCTION_LINES})")
    stale = [f"{os.path.relpath(allow_path, root)}: {key} is allowed but no "
             "longer over the limits: remove the entry"
             for key in sorted(set(allow) - used)]
    if strict:
        return out + stale, [], len(files), nfunctions
    return out, stale, len(files), nfunctions


def body(n):
    return "".join(f"  x += {k};\n" for k in range(n))


def self_test():
    """Runs this script on fixture trees; returns the number of failures."""
    long_fn = "int Long(int x) {\n" + body(79) + "}\n"  # 81 lines
    ok_fn = "int Short(int x) {\n" + body(78) + "}\n"  # 80 lines
    good = {
        "common/a.cc": (
            "// a { brace in a comment\n#define X {\nnamespace a {\n" + ok_fn +
            'const char* kS = "}}}";\nconst char* kR = R"x(}{)x";\n'
            "struct S {\n  int F() const { return 1; }\n};\n"
            "int kArr[] = {1, 2};\n}  // namespace a\n"),
        "ledger/b.h": "class B {\n public:\n  B() : x_{1} {}\n  int x_;\n};\n",
    }
    bad = {
        "a long function": (
            {"domain/c.cc": "namespace d {\n" + long_fn + "}\n"},
            "domain/c.cc:2: function Long has 81 lines (at most 80)"),
        "a long member function": (
            {"render/d.cc": "int R::Draw(int x) const {\n" + body(80) + "}\n"},
            "render/d.cc:1: function R::Draw has 82 lines"),
        "a long constructor with an initializer list": (
            {"api/e.cc": "S::S(int a)\n    : a_(a), b_{a} {\n" + body(79) +
             "}\n"},
            "api/e.cc:1: function S::S has 82 lines"),
        "a long file": (
            {"statistics/f.h": "int x;\n" * 801},
            "statistics/f.h: 801 lines (at most 800)"),
        "a stale allowlist entry": (
            {"scripts/code-sizes-allow.txt": "common/a.cc:Short  split\n"},
            "common/a.cc:Short is allowed but no longer over the limits"),
        "an entry without a reason": (
            {"scripts/code-sizes-allow.txt": "common/a.cc\n"},
            "an entry needs a reason"),
    }
    allowed = {**good, "domain/c.cc": "namespace d {\n" + long_fn + "}\n",
               "scripts/code-sizes-allow.txt":
               "domain/c.cc:Long  being split\n"}
    return module_tree.self_test(
        os.path.abspath(__file__),
        {"good tree": good, "allowlisted function": allowed}, bad,
        ["--strict"])


def main():
    def more(ap):
        ap.add_argument("--allow", default=None)
        ap.add_argument("--strict", action="store_true",
                        help="a stale allowlist entry is an error")

    args, status = module_tree.parse_args("check-sizes", __doc__, ROOT,
                                          self_test, more)
    if args is None:
        return status
    allow_path = args.allow or os.path.join(args.root, ALLOW)
    violations, stale, nfiles, nfuncs = check(args.root, allow_path,
                                              args.strict)
    for v in stale:
        print("warning: " + v)
    for v in violations:
        print(v, file=sys.stderr)
    if violations:
        print(f"check-sizes: {len(violations)} violation(s) in {nfiles} files "
              f"(limits: {MAX_FILE_LINES} lines a file, {MAX_FUNCTION_LINES} a "
              f"function; allowlist: {ALLOW})", file=sys.stderr)
        return 1
    print(f"check-sizes: {nfiles} files, {nfuncs} functions, no violations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
