"""Which package may import which: read from the source with ``ast``, so the rules stay true.

* ``chaincode`` imports nothing of ``client`` or ``network``;
* ``common`` imports nothing of ``chaincode``, ``client`` or ``network``, and
  nothing outside the standard library;
* ``client`` (the library, i.e. without ``client/cli/``) imports nothing of
  ``network`` or ``chaincode``: it reads connection profiles and a wallet;
* ``network`` imports nothing of ``client``: it writes wallet entries through
  the shared file format (``common.wallet``) and takes discovery probes as callables;
* the top-level packages import each other without cycles; ``client.cli`` is the
  composition root that may use both ``client`` and ``network``.

Every import counts, including those under ``if TYPE_CHECKING:`` and inside functions.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chaincode", "client", "network", "common")


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line} imports {self.module}"


def module_name(file: Path) -> str:
    parts = list(file.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(file: Path) -> list[Import]:
    """Absolute names of every module ``file`` imports (relative imports resolved)."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    package = module_name(file).split(".")
    if file.name != "__init__.py":
        package = package[:-1]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(file, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if node.module is None:
                # ``from . import x``: each name may be a module of that package
                found += [Import(file, node.lineno, f"{prefix}.{alias.name}") for alias in node.names]
            else:
                found.append(Import(file, node.lineno, prefix))
    return found


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(module: str) -> str:
    return module.split(".")[0]


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def in_cli(file: Path) -> bool:
    return (ROOT / "client" / "cli") in file.parents


ALL_IMPORTS = {package: [i for f in python_files(package) for i in imports_of(f)] for package in PACKAGES}


def offending(imports: list[Import], forbidden: tuple[str, ...]) -> list[str]:
    return [str(i) for i in imports if any(within(i.module, p) for p in forbidden)]


def test_every_package_has_python_files() -> None:
    for package in PACKAGES:
        assert python_files(package), f"no .py files found under {package}/"


def test_the_parser_resolves_relative_imports() -> None:
    modules = {i.module for i in imports_of(ROOT / "client" / "gateway" / "__init__.py")}
    assert "client.gateway.identity" in modules and "client.gateway.sync" in modules


def test_chaincode_imports_nothing_of_client_or_network() -> None:
    bad = offending(ALL_IMPORTS["chaincode"], ("client", "network"))
    assert not bad, "chaincode must not depend on the client or the network:\n" + "\n".join(bad)


def test_common_imports_only_itself_and_the_standard_library() -> None:
    bad = offending(ALL_IMPORTS["common"], ("chaincode", "client", "network"))
    assert not bad, "common must not depend on chaincode, client or network:\n" + "\n".join(bad)
    allowed = set(sys.stdlib_module_names) | {"__future__", "common"}
    third_party = [str(i) for i in ALL_IMPORTS["common"] if top(i.module) not in allowed]
    assert not third_party, "common must use the standard library only:\n" + "\n".join(third_party)


def test_the_client_library_imports_nothing_of_network_or_chaincode() -> None:
    library = [i for i in ALL_IMPORTS["client"] if not in_cli(i.file)]
    bad = offending(library, ("network", "chaincode"))
    assert not bad, ("the client library reads connection profiles and a wallet; it must not import the network "
                     "or the chaincode (only client/cli/ composes them):\n" + "\n".join(bad))


def test_network_imports_nothing_of_the_client() -> None:
    bad = offending(ALL_IMPORTS["network"], ("client",))
    assert not bad, ("network writes the wallet through common.wallet and is handed its discovery probe; it must "
                     "not import the client:\n" + "\n".join(bad))


def node_of(file: Path) -> str:
    return "client.cli" if in_cli(file) else top(module_name(file))


def target_of(module: str) -> str | None:
    if within(module, "client.cli"):
        return "client.cli"
    return top(module) if top(module) in PACKAGES else None


def test_no_import_cycles_between_the_top_level_packages() -> None:
    edges: dict[str, dict[str, Import]] = {}
    for imports in ALL_IMPORTS.values():
        for i in imports:
            source, target = node_of(i.file), target_of(i.module)
            if target is not None and target != source:
                edges.setdefault(source, {}).setdefault(target, i)

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in edges.get(node, {}):
                if nxt == start:
                    return path + [start]
                if nxt not in path:
                    stack.append((nxt, path + [nxt]))
        return None

    for start in sorted(edges):
        cycle = cycle_from(start)
        if cycle:
            steps = [str(edges[a][b]) for a, b in zip(cycle, cycle[1:])]
            pytest.fail(f"import cycle {' -> '.join(cycle)}:\n" + "\n".join(steps))


def test_the_checks_name_the_offending_file_and_import() -> None:
    bad = ROOT / "client" / "example.py"
    found = Import(bad, 3, "network.bootstrap")
    assert offending([found], ("network",)) == ["client/example.py:3 imports network.bootstrap"]
