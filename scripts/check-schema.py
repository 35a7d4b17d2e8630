#!/usr/bin/env python3
"""Check Grace DSL files against the JSON Schema in schema/ (an independent validator).

Usage:
    .venv/bin/python3 scripts/check-schema.py [--expect-valid | --expect-invalid | --report] FILE|DIR...

(the project's Python environment, which `scripts/venv` creates with jsonschema and PyYAML.)

Every YAML document of every FILE (directories: their *.yaml / *.yml files, recursively) is validated
against schema/grace.schema.json with the `jsonschema` package (Draft 2020-12). All schema/*.json files
are loaded into a `referencing` Registry under their `$id`, so `$ref`s resolve offline and nothing is
ever fetched.

Modes:
    (default), --expect-valid   print `FILE:LINE: KIND/NAME: message` for each violation;
                                exit 0 when every file is valid, 1 otherwise.
    --expect-invalid            every file must have at least one violation; print the files that
                                have none; exit 0 when every file is invalid, 1 otherwise.
    --report                    print one JSON line per file:
                                {"file": ..., "valid": bool, "errors": [{"line", "kind", "name",
                                "path", "message"}, ...]}; exit 0 (2 on a usage error).
Exit status 2: usage error or an unreadable schema.

How YAML is read: PyYAML's safe parser and composer, then every scalar is typed the way Grace's compiler
types it, not by PyYAML's YAML 1.1 resolver (which `yaml.safe_load_all` would apply):
  * quoted scalars and `!!str` are strings; plain `~`, `null`, `Null`, `NULL` and the empty scalar are
    null; only plain `true` and `false` are booleans; plain integers (`42`, `-1`; `010` is ten) and
    decimals (`1.5`, `1e3`) are numbers; everything else is text.
  * So YAML 1.1's quirks do not apply: `on`/`off`/`yes`/`no` stay strings (safe_load: booleans),
    `1:30` stays "1:30" (safe_load: the sexagesimal integer 90), `2024-01-01` stays a string
    (safe_load: a date), `1_000`, `0x1F` and `.inf` stay strings. Where the compiler expects a
    boolean, write `true`/`false`.
  * Keys are their text. Duplicate keys, non-scalar keys, a recursive alias, more than 64 levels of
    nesting and more than 10,000 nodes produced by aliases in one document are reported, as the
    compiler does; merge keys (`<<`) are not expanded (the compiler has none: `<<` is an unknown key).
    Files over 16 MiB are refused.
  * Empty documents (a lone `---`, `~`, comments only) are skipped.
  * Patterns follow ECMA-262 as JSON Schema requires: `$` does not match before a trailing newline.

This is a structural check only: unknown keys, missing required fields, wrong types, enum values and
malformed durations/sizes/percents/names. References between documents, cycles, units matching
metrics, templates and executables are checked by `grace validate` only.

Internal options used by scripts/check-schema.sh: `--split-to DIR` writes every document as one JSON
file below DIR (and prints YAML-level problems as above), `--bundle-to FILE` writes all schema files
as one compound schema (the 2020-12 bundling of embedded resources), for validators that cannot be
given a set of schema files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import re
import sys
from typing import Any, Iterator

try:
    import yaml
    from jsonschema import Draft202012Validator, ValidationError, validators
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as missing:  # pragma: no cover - depends on the machine
    sys.exit("check-schema: %s (run with the interpreter `scripts/venv` prints)" % missing)

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent.parent / "schema"
ENTRY_SCHEMA = "grace.schema.json"
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000
PLAIN_TAG = "tag:grace,plain"  # a plain scalar without an explicit tag
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
NULL_WORDS = {"", "~", "null", "Null", "NULL"}
INT_TEXT = re.compile(r"[-+]?[0-9]+\Z")
FLOAT_TEXT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")


# ----------------------------------------------------------------------------------------------------------------
# YAML


class _Composer(yaml.SafeLoader):
    """PyYAML's safe parser and composer, with no implicit typing: values are typed by `scalar_value`.

    Plain scalars get the tag PLAIN_TAG instead of a resolved YAML 1.1 type, so explicit tags (`!!str`)
    stay distinguishable; an anchor may be defined again (the later definition wins, as in libyaml).
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return PLAIN_TAG if implicit and implicit[0] else STR_TAG
        return super().resolve(kind, value, implicit)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


def scalar_value(node: yaml.ScalarNode) -> Any:
    """A scalar as Grace's compiler reads it: quoted or `!!str` is a string; a plain `~`/`null`/empty is null;
    plain `true`/`false` are booleans; plain integers and decimals are numbers; everything else is text."""
    text = node.value
    if node.style is not None or node.tag == STR_TAG:
        return text
    if node.tag in (PLAIN_TAG, NULL_TAG) and text in NULL_WORDS:
        return None
    if text == "true":
        return True
    if text == "false":
        return False
    if INT_TEXT.match(text):
        value = int(text)
        return value if -(2**63) <= value < 2**63 else float(value)
    if FLOAT_TEXT.match(text):
        return float(text)
    return text


class _Converter:
    """Turns one composed document into JSON-like data, reporting what the compiler's YAML layer refuses:
    duplicate and non-scalar keys, nesting deeper than MAX_DEPTH, more than MAX_ALIAS_NODES nodes produced
    by aliases, and aliases to an anchor that is not complete yet."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []
        self.values: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()
        self.expanded = 0

    def size(self, node: yaml.Node) -> int:
        if id(node) not in self.sizes:
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            else:
                children = []
            self.sizes[id(node)] = 1 + sum(self.size(child) for child in children)
        return self.sizes[id(node)]

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        key = id(node)
        if key in self.active:
            raise _Refused(node.start_mark.line + 1, "alias to an anchor that is not complete (a recursive alias)")
        if key in self.values:  # reached again through an alias
            self.expanded += self.size(node)
            if self.expanded > MAX_ALIAS_NODES:
                raise _Refused(node.start_mark.line + 1,
                               "alias expansion produces more than %d nodes; the document is refused" % MAX_ALIAS_NODES)
            return self.values[key]
        if isinstance(node, yaml.ScalarNode):
            value = self.values[key] = scalar_value(node)
            return value
        if depth >= MAX_DEPTH:
            raise _Refused(node.start_mark.line + 1, "nesting deeper than %d levels; the document is refused" % MAX_DEPTH)
        self.active.add(key)
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self.values[key] = items
            items.extend(self.convert(item, depth + 1) for item in node.value)
        else:
            mapping: dict[str, Any] = {}
            self.values[key] = mapping
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append((key_node.start_mark.line + 1, "mapping keys must be scalars"))
                    self.convert(value_node, depth + 1)
                    continue
                name = key_node.value
                if name in seen:
                    self.problems.append((key_node.start_mark.line + 1, "duplicate key %r" % name))
                seen.add(name)
                mapping[name] = self.convert(value_node, depth + 1)
        self.active.discard(key)
        return self.values[key]


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclasses.dataclass
class Document:
    index: int  # 1-based position in the file
    node: yaml.Node
    data: Any

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def label(self) -> str:
        return node_label(self.node)


def node_label(node: yaml.Node) -> str:
    """`KIND/NAME` of a document as written (`?` for what is missing or not a scalar)."""
    found = {"kind": "?", "name": "?"}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value in found and isinstance(value_node, yaml.ScalarNode):
                found[key_node.value] = value_node.value or "?"
    return "%s/%s" % (found["kind"], found["name"])


@dataclasses.dataclass
class Violation:
    line: int
    label: str
    path: str
    message: str

    def as_text(self, file: str) -> str:
        where = "%s: " % self.path if self.path else ""
        return "%s:%d: %s: %s%s" % (file, self.line, self.label, where, self.message)

    def as_json(self) -> dict[str, Any]:
        kind, _, name = self.label.partition("/")
        return {"line": self.line, "kind": kind, "name": name, "path": self.path, "message": self.message}


def load_documents(path: pathlib.Path) -> tuple[list[Document], list[Violation]]:
    """Parse every document of a file; YAML-level problems come back as violations."""
    problems: list[Violation] = []
    try:
        raw = path.read_bytes()
    except OSError as error:
        return [], [Violation(1, "?/?", "", "cannot read file: %s" % (error.strerror or error))]
    if len(raw) > MAX_FILE_BYTES:
        return [], [Violation(1, "?/?", "", "file larger than 16 MiB")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return [], [Violation(1, "?/?", "", "not UTF-8: %s" % error)]

    documents: list[Document] = []
    composer = _Composer(text)
    index = 0
    try:
        while composer.check_node():
            node = composer.get_node()
            index += 1
            if isinstance(node, yaml.ScalarNode) and scalar_value(node) is None:
                continue  # an empty document (a lone `---`, `~`, comments only)
            converter = _Converter()
            try:
                data = converter.convert(node)
            except _Refused as refused:
                problems.append(Violation(refused.line, node_label(node), "", refused.message))
                continue
            document = Document(index, node, data)
            problems.extend(Violation(line, document.label, "", message) for line, message in converter.problems)
            documents.append(document)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        problems.append(Violation(line, "?/?", "", "YAML: %s" % problem))
    finally:
        composer.dispose()
    return documents, problems


# ----------------------------------------------------------------------------------------------------------------
# Schema


def load_schemas(schema_dir: pathlib.Path) -> dict[str, dict[str, Any]]:
    """All schema files by file name."""
    schemas = {}
    for path in sorted(schema_dir.glob("*.json")):
        schemas[path.name] = json.loads(path.read_text(encoding="utf-8"))
    if ENTRY_SCHEMA not in schemas:
        raise FileNotFoundError(schema_dir / ENTRY_SCHEMA)
    return schemas


def _ecma_pattern_keyword() -> Any:
    """`pattern` with ECMA-262 semantics for a final `$` (Python's `$` also matches before a final newline)."""
    compiled: dict[str, re.Pattern[str]] = {}

    def pattern(validator: Any, patrn: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "string"):
            return
        regex = compiled.get(patrn)
        if regex is None:
            source = patrn[:-1] + r"\Z" if patrn.endswith("$") and not patrn.endswith(r"\$") else patrn
            regex = compiled[patrn] = re.compile(source)
        if not regex.search(instance):
            yield ValidationError("%r does not match %r" % (instance, patrn))

    return pattern


def _without_dialect(contents: dict[str, Any]) -> dict[str, Any]:
    """The schema without `$schema`: every file is 2020-12, and a `$schema` would make jsonschema switch
    back to its stock validator class (losing the ECMA `pattern`) when a `$ref` enters that file."""
    return {key: value for key, value in contents.items() if key != "$schema"}


def make_validator(schemas: dict[str, dict[str, Any]]) -> Any:
    """A Draft 2020-12 validator of one document, resolving `$ref`s only from the given schemas."""
    resources = []
    for name, contents in schemas.items():
        Draft202012Validator.check_schema(contents)
        resource = Resource.from_contents(_without_dialect(contents), default_specification=DRAFT202012)
        resources.append((contents.get("$id", name), resource))
    registry = Registry().with_resources(resources)
    cls = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern_keyword()})
    return cls(_without_dialect(schemas[ENTRY_SCHEMA]), registry=registry)


def bundle(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One compound schema document: the entry schema with every other schema embedded under $defs."""
    root = json.loads(json.dumps(schemas[ENTRY_SCHEMA]))
    embedded = root.setdefault("$defs", {})
    for name, contents in schemas.items():
        if name != ENTRY_SCHEMA:
            embedded[name] = _without_dialect(contents)  # embedded resources inherit the root's dialect
    return root


# ----------------------------------------------------------------------------------------------------------------
# Errors -> violations


def _path_text(path: list[Any]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += "[%d]" % part
        else:
            text += ("." if text else "") + str(part)
    return text


def _locate(node: yaml.Node, path: list[Any], key: bool = False) -> int:
    """The line of the node at `path` (of its key when `key`), or of the closest existing parent."""
    line = node.start_mark.line + 1
    for i, part in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    found = (key_node, value_node)
            if found is None:
                return line
            if key and i == len(path) - 1:
                return found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _required_only(subschemas: Any) -> list[str] | None:
    """The keys of an anyOf/oneOf whose branches are all `{"required": [KEY]}`, else None."""
    keys = []
    for sub in subschemas if isinstance(subschemas, list) else []:
        if not (isinstance(sub, dict) and set(sub) == {"required"} and len(sub["required"]) == 1):
            return None
        keys.append(sub["required"][0])
    return keys


def _is_template_branch(error: ValidationError) -> bool:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return error.validator == "pattern" and schema.get("pattern") == r"\{\{"


def _schema_title(schema: Any) -> str:
    """What a subschema is, for messages (`exit condition`); empty for whole documents."""
    title = schema.get("title", "") if isinstance(schema, dict) else ""
    return "" if " — " in title or title == "Grace configuration document" else title


def _show(value: Any) -> str:
    """A value as it would be written in YAML (`true`, `null`, `'text'`)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return repr(value)


def _a(title: str) -> str:
    return ("an " if title.lstrip("`")[:1] in tuple("aeiou") else "a ") + title


def _explain(error: ValidationError) -> list[tuple[list[Any], bool, str]]:
    """(path, points at a key, message) for one jsonschema error, simplified for people."""
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    title = _schema_title(schema)
    instance = error.instance

    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        extras = [key for key in instance if key not in allowed]
        hint = " (allowed%s: %s)" % (" in " + _a(title) if title else "", ", ".join(allowed)) if allowed else ""
        return [(path + [key], True, "unknown key %r%s" % (key, hint)) for key in extras]

    if error.validator == "required" and isinstance(instance, dict):
        missing = [key for key in error.validator_value if key not in instance]
        where = " (%s)" % title if title else ""
        return [(path, False, "missing required field %r%s" % (key, where)) for key in missing]

    if error.validator in ("anyOf", "oneOf"):
        keys = _required_only(error.validator_value)
        if keys is not None and isinstance(instance, dict):
            present = [key for key in keys if key in instance]
            if len(present) > 1:
                what = _a(title) if title else "this mapping" if path else "the document"
                return [(path, False, "%s takes only one of %s (found %s)" % (what, ", ".join(keys), ", ".join(present)))]
            if "needs" in title:
                return [(path, False, title)]
            what = _a(title) if title else "this mapping" if path else "the document"
            return [(path, False, "%s needs one of: %s" % (what, ", ".join(keys)))]
        if schema.get("errorMessage") and not isinstance(instance, (dict, list)):
            return [(path, False, "%s %s" % (_show(instance), schema["errorMessage"]))]
        return _explain_alternatives(error, path)

    if (error.validator == "type" and schema.get("patternErrorMessage")
            and not isinstance(instance, (dict, list)) and instance is not None):
        return [(path, False, "%s %s" % (_show(instance), schema["patternErrorMessage"]))]

    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return [(path, False, "%s is not of type %s" % (_show(instance), " or ".join(repr(t) for t in types)))]

    if error.validator == "const":
        return [(path, False, "expected %s, found %s" % (_show(error.validator_value), _show(instance)))]

    if error.validator == "pattern":
        message = schema.get("patternErrorMessage")
        if message:
            return [(path, False, "%s %s" % (_show(instance), message))]

    if error.validator in ("contains", "minContains", "maxContains", "not") and schema.get("errorMessage"):
        return [(path, False, schema["errorMessage"])]

    if error.validator == "not" and error.validator_value == {"type": "integer"}:
        return [(path, False, "%s is not of type 'string'" % _show(instance))]

    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        return [(path + [instance], True, "key " + (_explain_leaf(error) or error.message))]

    return [(path, False, error.message)]


def _explain_leaf(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "pattern" and schema.get("patternErrorMessage"):
        return "%s %s" % (_show(error.instance), schema["patternErrorMessage"])
    return ""


def _wrong_type(error: ValidationError) -> bool:
    """An alternative that failed only because the value has another type (or is not one of its words)."""
    if error.relative_path:
        return False
    if error.validator == "type":
        return True
    return error.validator in ("enum", "const") and isinstance(error.instance, (dict, list))


def _explain_alternatives(error: ValidationError, path: list[Any]) -> list[tuple[list[Any], bool, str]]:
    """A value that matched none of the alternatives (a typed value or a template, a number or a size, ...)."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    # A template branch only matters when nothing else explains the value.
    candidates = {i: errs for i, errs in branches.items() if not all(_is_template_branch(e) for e in errs)} or branches
    # Branches that failed on the type alone are less relevant than branches whose type matched.
    typed = {i: errs for i, errs in candidates.items() if not all(_wrong_type(e) for e in errs)}
    if not typed:
        types: list[str] = []
        for errs in candidates.values():
            for e in errs:
                value = e.validator_value
                for name in value if isinstance(value, list) else [value]:
                    if name not in types:
                        types.append(name)
        return [(path, False, "%s is not of type %s" % (_show(error.instance), " or ".join(repr(t) for t in types)))]
    explained: list[tuple[list[Any], bool, str]] = []
    for errs in typed.values():
        for sub in errs:
            explained.extend(_explain(sub))
    if len(typed) == 1:
        return explained
    # Several alternatives with a matching type: say what each wanted, in one message.
    prefix = _show(error.instance) + " "
    parts = [message[len(prefix):] if message.startswith(prefix) else message for _, _, message in explained]
    unique = list(dict.fromkeys(parts))
    return [(path, False, prefix + ", or ".join(unique))]


BOOLEAN_WORDS = re.compile(r"^(yes|no|on|off|y|n|True|False|TRUE|FALSE)$")


def _scalar_hint(node: yaml.Node | None, instance: Any, message: str) -> str:
    """Why a scalar did not come out with the type the schema wanted."""
    if not (isinstance(node, yaml.ScalarNode) and "is not of type" in message):
        return ""
    if isinstance(instance, str) and node.style is None and "'boolean'" in message and BOOLEAN_WORDS.match(node.value):
        return " (only plain true and false are booleans)"
    if isinstance(instance, str) and node.style is not None and ("'integer'" in message or "'number'" in message):
        return " (quoted, so it is a string: remove the quotes)"
    if isinstance(instance, (int, float)) and not isinstance(instance, bool) and "'string'" in message:
        return " (quote it to make it a string)"
    return ""


def _value_at(data: Any, path: list[Any]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _node_at(node: yaml.Node, path: list[Any]) -> yaml.Node | None:
    for part in path:
        if isinstance(node, yaml.MappingNode):
            values = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part]
            if not values:
                return None
            node = values[-1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def validate_document(validator: Any, document: Document) -> list[Violation]:
    violations: list[Violation] = []
    seen: set[tuple[int, str, str]] = set()
    for error in validator.iter_errors(document.data):
        for path, at_key, message in _explain(error):
            if not at_key:
                message += _scalar_hint(_node_at(document.node, path), _value_at(document.data, path), message)
            line = _locate(document.node, path, key=at_key)
            entry = (line, _path_text(path), message)
            if entry not in seen:
                seen.add(entry)
                violations.append(Violation(line, document.label, entry[1], message))
    return violations


def check_file(validator: Any, path: pathlib.Path) -> list[Violation]:
    documents, violations = load_documents(path)
    for document in documents:
        violations.extend(validate_document(validator, document))
    return sorted(violations, key=lambda v: v.line)


# ----------------------------------------------------------------------------------------------------------------
# Command line


def expand(paths: list[str]) -> list[pathlib.Path]:
    files: list[pathlib.Path] = []
    for name in paths:
        path = pathlib.Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            files.append(path)
    return files


def split_to(directory: pathlib.Path, files: list[pathlib.Path]) -> int:
    """Write each document as DIR/<file path>/doc-N-line-L.json; print YAML-level problems. 0 when there were none."""
    status = 0
    for path in files:
        documents, problems = load_documents(path)
        for problem in problems:
            print(problem.as_text(str(path)))
            status = 1
        relative = pathlib.Path(*[p for p in path.parts if p not in ("/", "..", ".")])
        for document in documents:
            target = directory / relative / ("doc-%d-line-%d.json" % (document.index, document.line))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(document.data, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="check-schema.py",
        description="Check Grace DSL files against schema/grace.schema.json.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--expect-valid", action="store_true", help="every file must be valid (the default)")
    mode.add_argument("--expect-invalid", action="store_true", help="every file must have at least one violation")
    mode.add_argument("--report", action="store_true", help="print one JSON line per file; exit 0")
    mode.add_argument("--split-to", metavar="DIR", help=argparse.SUPPRESS)
    mode.add_argument("--bundle-to", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--schema-dir", default=str(SCHEMA_DIR), help="directory of the schema files (default: %(default)s)")
    parser.add_argument("files", nargs="*", metavar="FILE", help="YAML files, or directories to search for *.yaml / *.yml")
    args = parser.parse_args(argv)

    try:
        schemas = load_schemas(pathlib.Path(args.schema_dir))
        if args.bundle_to:
            pathlib.Path(args.bundle_to).write_text(json.dumps(bundle(schemas), indent=1) + "\n", encoding="utf-8")
            return 0
        validator = make_validator(schemas)
    except (OSError, ValueError) as error:
        print("check-schema: cannot load the schema: %s" % error, file=sys.stderr)
        return 2
    except Exception as error:  # a schema that is not a valid JSON Schema
        print("check-schema: invalid schema: %s" % error, file=sys.stderr)
        return 2

    if not args.files:
        parser.error("no FILE given")
    files = expand(args.files)
    if args.split_to:
        return split_to(pathlib.Path(args.split_to), files)

    failed = 0
    for path in files:
        violations = check_file(validator, path)
        if args.report:
            print(json.dumps({"file": str(path), "valid": not violations, "errors": [v.as_json() for v in violations]},
                             ensure_ascii=False))
        elif args.expect_invalid:
            if not violations:
                print("%s: expected at least one violation, found none" % path)
                failed += 1
        else:
            for violation in violations:
                print(violation.as_text(str(path)))
            failed += bool(violations)
    if args.report:
        return 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
