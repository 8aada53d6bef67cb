"""The house's layout rules, checked on the source: one-way dependencies, no import circles inside an app, and
function-level imports only where a real circle needs one."""

import pytest

from tests.imports import APPS, imports_module, imports_of, module_name, python_files

# The mark of a function-level import that breaks a real circle (a page model's get_context reading through the
# selectors that import the models): the one kind of circle allowed, and only at call time.
CIRCLE_BREAKER = "# here:"


def module_graph(app: str) -> dict[str, set[str]]:
    """Each module of `app` → the modules of `app` it imports, at module level or inside a function, leaving out
    the imports marked as breaking a circle."""
    modules = {module_name(path): path for path in python_files(app)}
    graph = {}
    for module, path in modules.items():
        edges = set()
        for found in imports_of(path):
            if CIRCLE_BREAKER in found.source_line:
                continue
            # `from shop.models import Order` names a module's attribute; `from billing.services import cards`
            # names a module: count whichever of the two exists.
            candidates = [found.target, found.target.rpartition(".")[0]]
            edges.update(name for name in candidates if name in modules and name != module)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting, done = [], set()

    def visit(module):
        if module in visiting:
            return [*visiting[visiting.index(module) :], module]
        if module in done:
            return None
        visiting.append(module)
        for imported in sorted(graph[module]):
            cycle = visit(imported)
            if cycle:
                return cycle
        visiting.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


@pytest.mark.parametrize("app", APPS)
def test_no_app_has_an_import_circle_between_its_modules(app):
    assert find_cycle(module_graph(app)) is None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_billing_imports_neither_shop_nor_jobs():
    offending = [
        f"{found.module}:{found.line} {found.source_line}"
        for path in python_files("billing", skip_migrations=False)
        for found in imports_of(path)
        if imports_module(found.target, "shop") or imports_module(found.target, "jobs")
    ]
    assert offending == []


def test_no_app_imports_website():
    offending = [
        f"{found.module}:{found.line} {found.source_line}"
        for path in python_files("billing", "jobs", "shop")
        for found in imports_of(path)
        if imports_module(found.target, "website")
    ]
    assert offending == []


def says_why(lines: list[str], index: int) -> bool:
    """A comment on the import's line, or above the block of imports it stands in."""
    if "#" in lines[index]:
        return True
    while index > 0 and lines[index - 1].strip().startswith(("from ", "import ")):
        index -= 1
    return index > 0 and lines[index - 1].strip().startswith("#")


def test_every_function_level_import_in_the_apps_says_why():
    """An import inside a function is there for a real circle (models ↔ the modules that read them), for an app's
    ready(), or for an optional dependency; each says so on its line or the line above."""
    unexplained = []
    for path in python_files(*APPS):
        lines = path.read_text().splitlines()
        for found in imports_of(path):
            if found.top_level:
                continue
            if not says_why(lines, found.line - 1):
                unexplained.append(f"{found.module}:{found.line} {found.source_line}")
    assert unexplained == []


# Framework internals the site once leaned on (website/serving.py, the prepared cart query, pickling copies):
# each breaks silently on a Django or Wagtail upgrade. Named here so none comes back.
FORBIDDEN_INTERNALS = (
    "._wagtail",
    "_find_for_request",
    "_iterable_class",
    "fields_cache",
    "get_compiler",
    "setup_query",
    "get_converters",
    "apply_converters",
    "klass_info",
    "get_related_populators",
    "_state.",
    "__getstate__",
    "__new__(",
    "_get_raw_host",
    "_raw_delete",
)
# Underscore attributes Django documents as public API (the Model._meta API, the default manager).
DOCUMENTED_UNDERSCORE_ATTRIBUTES = {"_meta", "_default_manager", "_base_manager"}
# The product and the benchmark (which must measure the product as it is); the sandbox is a stand-in for Stripe
# that uses no Django or Wagtail internals, checked by name only.
PRODUCT_FOLDERS = (*APPS, "benchmarks")


def internals_used(path) -> list[str]:
    """Forbidden names in the source, and attribute reads `x._name` on anything but self/cls."""
    import ast

    source = path.read_text()
    found = [f"{path.name}: {name}" for name in FORBIDDEN_INTERNALS if name in source]
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.endswith("__"):
            continue
        if node.attr in DOCUMENTED_UNDERSCORE_ATTRIBUTES:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    return found


def test_no_module_uses_framework_internals():
    this_file = __file__
    used = [hit for path in python_files(*PRODUCT_FOLDERS) if str(path) != this_file for hit in internals_used(path)]
    assert used == []


def test_the_sandbox_names_no_framework_internal():
    used = [name for path in python_files("stripe_sandbox") for name in FORBIDDEN_INTERNALS if name in path.read_text()]
    assert used == []


def test_the_internals_scan_finds_an_underscore_attribute_and_a_compiler(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(request, qs):\n    site = request._wagtail_site\n    return qs.query.get_compiler('x')\n")

    used = internals_used(sample)

    assert any("._wagtail" in hit for hit in used)
    assert any("get_compiler" in hit for hit in used)
    assert any("._wagtail_site" in hit for hit in used)
