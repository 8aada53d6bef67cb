"""What the project's modules import, read from their source with `ast` (nothing is imported to find out)."""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("billing", "jobs", "serving", "shop", "website")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted (a module, or a name in one)
    line: int
    top_level: bool  # at module level, so it runs when the module is imported
    source_line: str


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(*folders: str, skip_migrations: bool = True):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if skip_migrations and "migrations" in path.parts:
                continue
            yield path


def imports_of(path: Path) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top_level_nodes = {id(node) for node in tree.body}
    # `if TYPE_CHECKING:` blocks at module level never run.
    type_checking = {
        id(inner)
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            found.append(
                Import(module, target, node.lineno, id(node) in top_level_nodes, lines[node.lineno - 1].strip())
            )
    return found


def imports_module(target: str, name: str) -> bool:
    """Whether an import of `target` (a module, or a name in one) brings in module `name` or one inside it."""
    return target == name or target.startswith(f"{name}.")


def names_package(dotted, package: str) -> bool:
    return isinstance(dotted, str) and (dotted == package or dotted.startswith(f"{package}."))


def references_to(package: str, source: str) -> list[int]:
    """Line numbers, in order, where `source` reaches `package`: an import of it at any depth (inside functions and
    classes too; a relative import names a sibling, not it), or a dotted path to it in a string, which is how
    settings, include() and import_module() load a module."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            lines += [node.lineno for alias in node.names if names_package(alias.name, package)]
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and names_package(node.module, package)) or (
            isinstance(node, ast.Constant) and names_package(node.value, package)
        ):
            lines.append(node.lineno)
    return sorted(lines)
