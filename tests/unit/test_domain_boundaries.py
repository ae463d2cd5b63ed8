"""Chaincode layering: the runtime knows no domain; a domain reaches another only through its api or facts."""

from __future__ import annotations

import ast
from pathlib import Path

CHAINCODE = Path(__file__).resolve().parents[2] / "chaincode"
DOMAINS = sorted(p.name for p in CHAINCODE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
                 and p.name not in ("runtime", "facts", "__pycache__"))


def imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_the_domains_are_the_ones_the_architecture_names():
    assert DOMAINS == ["compensation", "credit", "enterprise", "governance", "market", "monitoring", "permit", "registry", "waste"]


def test_the_runtime_imports_no_domain_and_no_fact():
    for path in (CHAINCODE / "runtime").glob("*.py"):
        wrong = [name for name in imports(path) if name.startswith("chaincode.") and
                 not name.startswith("chaincode.runtime")]
        assert not wrong, f"{path.relative_to(CHAINCODE.parent)} imports {wrong}"


def test_facts_import_only_the_runtime():
    for path in (CHAINCODE / "facts").glob("*.py"):
        wrong = [name for name in imports(path) if name.startswith("chaincode.") and
                 not name.startswith(("chaincode.runtime", "chaincode.facts"))]
        assert not wrong, f"{path.relative_to(CHAINCODE.parent)} imports {wrong}"


def test_a_domain_imports_another_domain_only_through_its_api_module():
    for domain in DOMAINS:
        for path in (CHAINCODE / domain).glob("*.py"):
            for name in imports(path):
                parts = name.split(".")
                if len(parts) < 2 or parts[0] != "chaincode" or parts[1] in ("runtime", "facts", domain, "app"):
                    continue
                assert parts[1] in DOMAINS, name
                assert len(parts) >= 3 and parts[2] == "api" or name == f"chaincode.{parts[1]}", (
                    f"{path.relative_to(CHAINCODE.parent)} imports {name}; "
                    f"other domains are reached through chaincode.{parts[1]}.api only")


def test_every_domain_has_its_contract_store_and_api():
    for domain in DOMAINS:
        files = {p.name for p in (CHAINCODE / domain).glob("*.py")}
        assert {"contract.py", "store.py", "api.py"} <= files, f"chaincode/{domain} has {sorted(files)}"
