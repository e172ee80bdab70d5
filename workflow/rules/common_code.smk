# The library code each job depends on, computed from its script's imports. No rules here.
#
# Every job that runs a script has the input `code=library_code("scripts/<script>.py")`, the
# src/liegg modules that script imports, directly or through other library modules, so that an edit
# of one reruns exactly the jobs whose code it changes. Imports are read with `ast`, when the
# workflow is parsed, and followed by the names they use: `from liegg.study import files`
# depends on study/files.py (and what it imports), `from liegg import analyze` on the file
# the package's __init__.py takes `analyze` from, `import liegg` on the files of the names the
# script uses as `liegg.<name>`. The __init__.py of every package on the way
# counts as a file, but the re-exports of liegg/__init__.py are followed only for the names an
# import takes from it (every job imports the package; not every job uses all of the core).

import ast
import functools

LIBRARY_ROOT = ROOT / "src"


def _module_path(dotted):
    """The file of module or package `dotted` under src/, or None."""
    base = LIBRARY_ROOT.joinpath(*dotted.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _dotted_name(path):
    """`liegg.study.files` for src/liegg/study/files.py (`liegg.study` for its __init__.py)."""
    parts = list(path.relative_to(LIBRARY_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _imports(path):
    """(module, names) of every import statement in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = _dotted_name(path) if path.is_relative_to(LIBRARY_ROOT) else ""
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    # `import liegg` followed by `liegg.analyze(...)`: the names used as attributes of the package.
    used = tuple(
        sorted(
            {
                n.attr
                for n in ast.walk(tree)
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "liegg"
            }
        )
    )
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (alias.name, used if alias.name == "liegg" and alias.asname is None else ())
                for alias in node.names
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                dotted = ".".join(base + ([node.module] if node.module else []))
            else:
                dotted = node.module
            found.append((dotted, tuple(alias.name for alias in node.names)))
    return found


def _sources_of_names(init_path):
    """{name: module} of what a package's __init__.py re-exports: its `from .x import name`
    statements and its `_EXPORTS = {name: "x"}` table of names loaded on first use."""
    package = _dotted_name(init_path)
    sources = {name: dotted for dotted, names in _imports(init_path) for name in names}
    for node in ast.walk(ast.parse(init_path.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_EXPORTS" for t in node.targets):
            table = ast.literal_eval(node.value)
            sources.update({name: f"{package}.{where}" for name, where in table.items()})
    return sources


def _files_of_import(dotted, names):
    """Library files one import statement depends on directly."""
    if dotted != "liegg" and not dotted.startswith("liegg."):
        return set()
    parts = dotted.split(".")
    files = {_module_path(".".join(parts[:i])) for i in range(1, len(parts) + 1)} - {None}
    target = _module_path(dotted)
    if target is None:
        raise ValueError(f"import of {dotted!r}: no such module under src/")
    if target.name != "__init__.py":
        return files
    exported = _sources_of_names(target)
    if not names:  # `import liegg.x` or `import liegg as l`: any of its exports may be used
        names = tuple(exported)
    for name in names:
        sub = _module_path(f"{dotted}.{name}")
        if sub is not None:  # a submodule: `from liegg.study import files`
            files |= _files_of_import(f"{dotted}.{name}", ())
        elif name in exported:  # a re-export: `from liegg import analyze`
            files |= _files_of_import(exported[name], (name,))
    return files


@functools.cache
def _closure(path):
    """Library files `path` depends on, transitively, itself excluded."""
    seen = set()
    todo = [f for dotted, names in _imports(path) for f in _files_of_import(dotted, names)]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.name != "__init__.py":  # a package's own re-exports are followed by name only
            todo += [f for dotted, names in _imports(current) for f in _files_of_import(dotted, names)]
    return frozenset(seen - {path})


def library_code(*scripts):
    """The src/liegg files the given workflow scripts (paths relative to workflow/) import."""
    files = set()
    for script in scripts:
        files |= _closure(ROOT / "workflow" / script)
    return sorted(str(f.relative_to(ROOT)) for f in files)
