"""The house rules, checked on the source: layers one way, no import circle, rooms small.

- layers one way, imports inside functions counted: the bottom (settings, errors, the
  bilingual kit, ``wordparts``) < ``db`` < ``docs_templates`` < ``tasks`` < ``flows`` <
  ``changeflow.cli``; ``tasks`` never imports Prefect;
- no two-way tie, imports inside functions counted: never A imports B and B imports A, for
  two modules of one package or two packages (``tasks.signoff`` and ``tasks.maintenance``);
- no circle among the project's modules (imports at module level);
- no module under ``tasks/`` over 700 lines;
- registries are declared: nothing imports a module only for what importing it registers.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "changeflow": "changeflow",
    "db": "changeflow.db",
    "tasks": "changeflow.tasks",
    "flows": "changeflow.flows",
    "docs_templates": "changeflow.docs_templates",
}


def _modules() -> dict[str, Path]:
    out = {}
    for top, pkg in LAYERS.items():
        for p in (ROOT / top).rglob("*.py"):
            if "migrations" in p.parts or ".venv" in p.parts:
                continue
            parts = [x for x in p.relative_to(ROOT / top).with_suffix("").parts if x != "__init__"]
            out[".".join([pkg, *parts])] = p
    return out


MODULES = _modules()


def _imports(name: str, path: Path, *, module_level: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level else list(ast.walk(tree))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for n in nodes:
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (n.level - 1)]
                target = ".".join(base + ([n.module] if n.module else []))
            else:
                target = n.module or ""
            for a in n.names:
                cand = f"{target}.{a.name}"
                out.add(cand if cand in MODULES else target)
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names)
    return out


# The layers, bottom first; a module not in one of these packages is at the bottom.
RANKS = (
    ("changeflow.db", 1),
    ("changeflow.docs_templates", 2),
    ("changeflow.tasks", 3),
    ("changeflow.flows", 4),
    ("changeflow.cli", 5),
)
# The entry point runs the CLI: it sits above everything.
ENTRY_POINTS = {"changeflow.__main__"}


def _rank(module: str) -> int:
    if module in ENTRY_POINTS:
        return 99
    return next((r for pkg, r in RANKS if module == pkg or module.startswith(pkg + ".")), 0)


def _edges() -> set[tuple[str, str]]:
    """Every import between two of the project's modules, inside functions included."""
    out = set()
    for name, path in MODULES.items():
        for d in _imports(name, path, module_level=False):
            while d not in MODULES and "." in d:
                d = d.rsplit(".", 1)[0]
            if d in MODULES and d != name:
                out.add((name, d))
    return out


def _rooms(a: str, b: str) -> tuple[str, str]:
    """The two rooms an import joins: where the two names part, one level down (a module of
    the same package, or the sub-package it sits in)."""
    pa, pb = a.split("."), b.split(".")
    i = 0
    while i < min(len(pa), len(pb)) - 1 and pa[i] == pb[i]:
        i += 1
    return ".".join(pa[: i + 1]), ".".join(pb[: i + 1])


def test_layers_go_one_way() -> None:
    bad = sorted((a, b) for a, b in _edges() if _rank(b) > _rank(a))
    for name, path in MODULES.items():
        if name.startswith("changeflow.tasks"):
            deps = _imports(name, path, module_level=False)
            bad += [(name, d) for d in deps if d.split(".")[0] == "prefect"]
    # the one allowed Prefect import in tasks/: a mail password kept as a Prefect Secret block
    bad = [b for b in bad if b != ("changeflow.tasks.mail", "prefect.blocks.system")]
    assert bad == []


# Two-way ties allowed for a while (each named with the branch that removes it); none now:
# h-money's one room for a contract year's service days (tasks/servicedays.py) removed the
# last one, maintenance <-> planning.
ALLOWED_TIES: set[tuple[str, str]] = set()


def test_no_two_way_tie() -> None:
    ties: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for a, b in _edges():
        x, y = _rooms(a, b)
        if x != y:
            ties.setdefault((x, y), set()).add((a, b))
    both = {
        (x, y): sorted(ties[(x, y)] | ties[(y, x)])
        for (x, y) in ties
        if x < y and (y, x) in ties and (x, y) not in ALLOWED_TIES
    }
    assert both == {}


def test_no_import_circle() -> None:
    graph = {
        n: {d for d in _imports(n, p, module_level=True) if d in MODULES and d != n}
        for n, p in MODULES.items()
    }
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(u: str, stack: list[str]) -> None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                circles.append([*stack[stack.index(v) :], v])
            elif v not in state:
                visit(v, stack)
        stack.pop()
        state[u] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert circles == []


def test_rooms_under_tasks_are_small() -> None:
    big = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "tasks").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert big == {}


def test_no_import_for_its_side_effects() -> None:
    """``import x  # noqa: F401`` only to fill a registry is how registries used to fill."""
    offenders = []
    for p in [*MODULES.values(), *(ROOT / "changeflow" / "cli").rglob("*.py")]:
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            if "noqa: F401" in line and ("register" in line or "section" in line):
                offenders.append(f"{p.relative_to(ROOT)}:{i}")
    assert offenders == []


def test_every_template_builder_is_declared_and_builds() -> None:
    """The template builders are one declared table (docs_templates/build.py BUILDERS): every
    ``tpl_*.py`` is in it, and each entry makes a document in both languages."""
    from changeflow.docs_templates.build import BUILDERS, LANGS, builder_of

    modules = {p.stem for p in (ROOT / "docs_templates").glob("tpl_*.py")}
    assert {fn.__module__.rsplit(".", 1)[1] for fn in BUILDERS.values()} == modules
    for name in BUILDERS:
        for lang in LANGS:
            assert builder_of(name)(lang).paragraphs, (name, lang)
