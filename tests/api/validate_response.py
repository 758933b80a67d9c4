#!/usr/bin/python3
"""Validates HTTP responses against the OpenAPI 3.1 document (api/openapi.json).

Given the document, a route (method and path pattern, as in the document's
`paths`: GET /v1/records/{id}/distribution), a status and a body, it finds
the operation's response for that status (exact, else "4XX"-style range,
else "default"), takes the schema of its content type and validates the body
against it with Debian's python3-jsonschema (Draft 2020-12, the dialect of
OpenAPI 3.1), every $ref resolved into the document's components. A JSON
body is parsed strictly (duplicate keys and NaN refused); a text/plain body
is validated as a string. It fails on: an unknown route or method, a status
the operation does not document, a content type it does not declare, a body
that does not parse or does not match.

Usage, one response:
  validate_response.py OPENAPI METHOD ROUTE STATUS BODY_FILE [CONTENT_TYPE]
or many (one process for a whole test):
  validate_response.py OPENAPI --batch FILE
where FILE holds JSON lines {"method","route","status","body","content_type"};
a line may give "path" (the request target: /v1/records/rec-1?x=1) instead
of "route": the route is then the document's path that matches it, a literal
segment preferred over a {param} one (/v1/principals/{principal}/worklist
before /v1/principals/{principal}/{x}), and a path no route matches fails.
Exit 0 when every response validates; 1 naming each one that does not (with
the failing path inside the body); 2 for usage errors.

As a module: `Validator(openapi_path).validate(method, route, status, body,
content_type)` returns a list of problems (empty when valid).
"""

import json
import sys

import jsonschema


def _strict_pairs(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen[k] = v
    return seen


def _no_constant(name):
    raise ValueError("non-finite number %s" % name)


def parse_json(text):
    return json.loads(text, object_pairs_hook=_strict_pairs,
                      parse_constant=_no_constant)


class Validator:
    def __init__(self, openapi_path):
        with open(openapi_path, encoding="utf-8") as f:
            self.doc = parse_json(f.read())
        # The document is the root every "#/components/..." ref resolves in.
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        self.cls = jsonschema.validators.validator_for(
            {"$schema": "https://json-schema.org/draft/2020-12/schema"})

    def _deref(self, node):
        # A Response object may itself be a $ref (components/responses).
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def response_schema(self, method, route, status, content_type):
        """(schema, media type) or raises LookupError saying what is missing."""
        path = self.doc.get("paths", {}).get(route)
        if path is None:
            raise LookupError("route %s is not in the document" % route)
        op = path.get(method.lower())
        if op is None:
            raise LookupError("%s %s is not in the document" % (method, route))
        responses = op.get("responses", {})
        key = str(status)
        for candidate in (key, key[0] + "XX", "default"):
            if candidate in responses:
                response = self._deref(responses[candidate])
                break
        else:
            raise LookupError("%s %s does not document status %s" %
                              (method, route, status))
        content = response.get("content")
        if not content:
            return None, None
        media = (content_type or "application/json").split(";")[0].strip()
        if media not in content:
            raise LookupError("%s %s %s: content type %s not declared (%s)" %
                              (method, route, status, media,
                               ", ".join(sorted(content))))
        return content[media].get("schema", {}), media

    def route_of(self, target):
        """The document's path pattern matching request target `target`."""
        segments = target.split("?", 1)[0].split("/")
        best = None
        for pattern in self.doc.get("paths", {}):
            parts = pattern.split("/")
            if len(parts) != len(segments):
                continue
            literal = []
            for part, seg in zip(parts, segments):
                if part.startswith("{") and part.endswith("}"):
                    if seg == "":
                        break
                    literal.append(0)
                elif part == seg:
                    literal.append(1)
                else:
                    break
            else:
                if best is None or literal > best[0]:
                    best = (literal, pattern)
        if best is None:
            raise LookupError("no route of the document matches %s" % target)
        return best[1]

    def validate(self, method, route, status, body, content_type=None):
        try:
            schema, media = self.response_schema(method, route, status,
                                                 content_type)
        except LookupError as e:
            return [str(e)]
        if schema is None:
            return [] if body == "" else ["a body where none is documented"]
        if media == "application/json":
            try:
                instance = parse_json(body)
            except ValueError as e:
                return ["body is not strict JSON: %s" % e]
        else:
            instance = body
        validator = self.cls(schema, resolver=self.resolver)
        problems = []
        for error in sorted(validator.iter_errors(instance),
                            key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            problems.append("at %s: %s" % (where, error.message))
        return problems


def main(argv):
    if len(argv) == 4 and argv[2] == "--batch":
        v = Validator(argv[1])
        failed = 0
        count = 0
        with open(argv[3], encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                r = json.loads(line)
                count += 1
                if "route" not in r:
                    try:
                        r["route"] = v.route_of(r["path"])
                    except LookupError as e:
                        failed += 1
                        print("line %d: %s %s: %s" %
                              (n, r["method"], r["path"], e))
                        continue
                problems = v.validate(r["method"], r["route"], r["status"],
                                      r["body"], r.get("content_type"))
                for p in problems:
                    failed += 1
                    print("line %d: %s %s %s: %s" %
                          (n, r["method"], r["route"], r["status"], p))
        if failed:
            return 1
        print("validate_response: %d responses match api/openapi.json" % count)
        return 0
    if len(argv) in (6, 7):
        v = Validator(argv[1])
        with open(argv[5], encoding="utf-8") as f:
            body = f.read()
        problems = v.validate(argv[2], argv[3], int(argv[4]), body,
                              argv[6] if len(argv) == 7 else None)
        for p in problems:
            print("%s %s %s: %s" % (argv[2], argv[3], argv[4], p))
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
