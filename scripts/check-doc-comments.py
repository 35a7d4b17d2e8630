#!/usr/bin/env python3
"""Lists the public declarations of Swift sources that have no doc comment directly above them.

Usage: scripts/check-doc-comments.py [--exclude PATH]... PATH...

PATH is a .swift file or a directory searched for them; --exclude PATH (repeatable) skips a file or a directory.
A declaration is public when it is marked `public` or `open` inside a public type (or at top level, or in an
extension of a type not declared non-public in the scanned files), when it is an enum case of a public enum (a
`case a, b` list is one declaration), a requirement of a public protocol, or a member of a `public extension`.
Its doc comment is a `///` line, or the end of a `/** */` block, directly above its first attribute or modifier;
attributes, also spanning lines, may stand between. Extensions themselves need none.

Prints `path:line: declaration` for each one missing, the count on stderr (with the count left in excluded
files), and exits 1 when any is missing. Python 3 only, no dependencies.
"""
import pathlib
import re
import sys

MODIFIERS = {
    "public", "open", "internal", "fileprivate", "private", "package", "static", "class", "final", "override",
    "mutating", "nonmutating", "nonisolated", "convenience", "required", "indirect", "lazy", "weak", "unowned",
    "dynamic", "optional", "prefix", "postfix", "infix", "consuming", "borrowing", "distributed", "__consuming",
}
TYPES = {"struct", "enum", "class", "actor", "protocol", "extension"}
KEYWORDS = TYPES | {"func", "var", "let", "init", "subscript", "typealias", "associatedtype", "case", "macro"}
NOT_PUBLIC = {"internal", "fileprivate", "private", "package"}


def blank_comments_and_strings(text):
    """The source with comments and string contents replaced by spaces, newlines kept, so braces can be counted."""
    out = []
    i, n = 0, len(text)
    # A stack of modes: ("code", parens) inside an interpolation, ("string", hashes, multiline) inside a literal.
    stack = [("code", 0)]
    while i < n:
        mode = stack[-1]
        c = text[i]
        if mode[0] == "code":
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                out.append(" " * (end - i))
                i = end
            elif text.startswith("/*", i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if text.startswith("/*", j):
                        depth, j = depth + 1, j + 2
                    elif text.startswith("*/", j):
                        depth, j = depth - 1, j + 2
                    else:
                        j += 1
                out.append(re.sub(r"[^\n]", " ", text[i:j]))
                i = j
            elif c == '"' or (c == "#" and re.match(r'#+"', text[i:])):
                hashes = len(re.match(r"#*", text[i:]).group(0))
                multiline = text.startswith('"""', i + hashes)
                width = hashes + (3 if multiline else 1)
                out.append('"' + " " * (width - 1))
                i += width
                stack.append(("string", hashes, multiline))
            else:
                if c == "(" and len(stack) > 1:
                    stack[-1] = ("code", mode[1] + 1)
                elif c == ")" and len(stack) > 1:
                    if mode[1] == 0:
                        stack.pop()  # the end of an interpolation: back into its string
                        out.append(" ")
                        i += 1
                        continue
                    stack[-1] = ("code", mode[1] - 1)
                out.append(c)
                i += 1
        else:
            _, hashes, multiline = mode
            close = ('"""' if multiline else '"') + "#" * hashes
            escape = "\\" + "#" * hashes
            if text.startswith(close, i):
                out.append(" " * (len(close) - 1) + '"')
                i += len(close)
                stack.pop()
            elif text.startswith(escape + "(", i):
                out.append(" " * (len(escape) + 1))
                i += len(escape) + 1
                stack.append(("code", 0))
            elif text.startswith(escape, i):
                out.append(" " * (len(escape) + 1))
                i += len(escape) + 1
            else:
                out.append("\n" if c == "\n" else " ")
                i += 1
    return "".join(out)


def tokens(clean):
    """(line, token, first on its line) for the words, attributes and punctuation of blanked source."""
    for number, line in enumerate(clean.split("\n"), start=1):
        if re.match(r"\s*#(if|elseif|else|endif)\b", line):
            continue
        first = True
        for match in re.finditer(r"@\w+|`\w+`|\w+|\S", line):
            yield number, match.group(0), first
            first = False


class Declaration:
    def __init__(self, line, first_line, keyword, name, public):
        self.line, self.first_line, self.keyword, self.name, self.public = line, first_line, keyword, name, public


def declarations(clean, known_types):
    """The declarations of one file, each with whether it is public; known_types maps type names to public."""
    found = []
    toks = list(tokens(clean))
    # A scope is (kind, public, public_by_default, depth of parentheses and brackets inside it).
    scopes = [["file", True, False, 0]]
    pending = None  # the scope the next "{" opens, after a type or extension header
    i = 0
    at_start = True
    while i < len(toks):
        line, tok, first = toks[i]
        scope = scopes[-1]
        if first and scope[3] == 0:
            at_start = True
        if at_start and scope[0] != "body" and (tok.startswith("@") or tok in MODIFIERS or tok in KEYWORDS):
            at_start = False
            j, first_line, access = i, line, None
            while j < len(toks):  # attributes, with arguments that may span lines
                if not toks[j][1].startswith("@"):
                    break
                j += 1
                if j < len(toks) and toks[j][1] == "(" and toks[j][0] == toks[j - 1][0]:
                    depth = 0
                    while j < len(toks):
                        depth += {"(": 1, ")": -1}.get(toks[j][1], 0)
                        j += 1
                        if depth == 0:
                            break
            while j < len(toks) and toks[j][1] in MODIFIERS:
                word = toks[j][1]
                if word == "class" and not (j + 1 < len(toks) and (toks[j + 1][1] in MODIFIERS or
                                                                    toks[j + 1][1] in KEYWORDS)):
                    break  # `class` the type, not the modifier
                j += 1
                if j < len(toks) and toks[j][1] == "(":  # private(set), nonisolated(unsafe)
                    if word in NOT_PUBLIC:
                        word = None
                    j = min(j + 3, len(toks))
                if word in NOT_PUBLIC or word in ("public", "open"):
                    access = word
            if j < len(toks) and toks[j][1] in KEYWORDS:
                keyword_line, keyword = toks[j][0], toks[j][1]
                name = toks[j + 1][1] if j + 1 < len(toks) else ""
                if keyword == "extension":
                    while j + 2 < len(toks) and toks[j + 2][1] == "." and j + 3 < len(toks):
                        j += 2
                        name = toks[j + 1][1]  # the last component of a nested name
                kind, container_public, default_public = scope[0], scope[1], scope[2]
                if keyword == "extension":
                    public = False
                elif keyword == "case" and kind != "enum":
                    public = None  # a pattern, not a declaration
                elif access in ("public", "open"):
                    public = container_public
                elif access is None and (kind == "protocol" or (kind == "enum" and keyword == "case")):
                    public = container_public
                elif access is None and default_public:
                    public = True
                else:
                    public = False
                if public is not None:
                    found.append(Declaration(keyword_line, first_line, keyword, name, public))
                if keyword in TYPES:
                    if keyword == "extension":
                        extended = known_types.get(name, True) and access not in NOT_PUBLIC
                        pending = ["extension", extended, access in ("public", "open") and extended, 0]
                    else:
                        pending = [keyword, bool(public), False, 0]
                    if keyword != "extension":
                        known_types.setdefault(name, bool(public))
                if j > i:
                    i = j
                    continue
        at_start = False
        if tok == "{":
            scopes.append(pending if pending and scope[3] == 0 else ["body", False, False, 0])
            pending = None
            at_start = True
        elif tok == "}":
            if len(scopes) > 1:
                scopes.pop()
            at_start = True
        elif tok == ";":
            at_start = scope[3] == 0
        elif tok in "([":
            scope[3] += 1
        elif tok in ")]":
            scope[3] = max(0, scope[3] - 1)
        i += 1
    return found


def documented(lines, declaration):
    """Whether a doc comment ends directly above the declaration's first line, or among its attribute lines."""
    above = lines[declaration.first_line - 2].strip() if declaration.first_line >= 2 else ""
    if above.startswith("///"):
        return True
    if above.endswith("*/"):
        start = declaration.first_line - 2
        while start > 0 and "/*" not in lines[start]:
            start -= 1
        return lines[start].strip().startswith("/**")
    return any(line.strip().startswith("///") for line in lines[declaration.first_line - 1:declaration.line - 1])


def swift_files(paths):
    for root in paths:
        path = pathlib.Path(root)
        yield from [path] if path.is_file() else sorted(path.rglob("*.swift"))


def main(arguments):
    roots, excluded = [], []
    while arguments:
        argument = arguments.pop(0)
        if argument == "--exclude" and arguments:
            excluded.append(pathlib.Path(arguments.pop(0)).resolve())
        elif argument.startswith("--exclude="):
            excluded.append(pathlib.Path(argument.split("=", 1)[1]).resolve())
        elif argument in ("-h", "--help"):
            print(__doc__)
            return 0
        elif argument.startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        else:
            roots.append(argument)
    if not roots:
        print(__doc__, file=sys.stderr)
        return 2
    files = [(path, path.read_text()) for path in swift_files(roots)]
    cleaned = {path: blank_comments_and_strings(text) for path, text in files}
    known_types = {}
    for path, _ in files:  # first pass: which types are public, for the extensions of the second
        declarations(cleaned[path], known_types)
    missing, left_in_excluded = [], 0
    for path, text in files:
        lines = text.splitlines()
        resolved = path.resolve()
        skip = any(resolved == e or e in resolved.parents for e in excluded)
        for declaration in declarations(cleaned[path], dict(known_types)):
            if declaration.public and not documented(lines, declaration):
                if skip:
                    left_in_excluded += 1
                else:
                    missing.append(f"{path}:{declaration.line}: {lines[declaration.line - 1].strip()[:100]}")
    for line in missing:
        print(line)
    note = f" ({left_in_excluded} more in excluded files)" if excluded else ""
    print(f"{len(missing)} undocumented{note}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
