"""Readable output of manifests: the chain of custody as a tree, alert and balance rows. Pure functions."""

from __future__ import annotations

from typing import Any

from client.units import format_quantity


def kg(quantity: int | None) -> str:
    return "" if quantity is None else format_quantity(quantity)


def route(record: dict[str, Any]) -> str:
    return f"{record['origin']} → {record['destination']}"


def trace_lines(tree: dict[str, Any]) -> list[str]:
    """The chain of custody: each manifest's signatures in order, the manifests it led to nested below."""
    lines: list[str] = []
    _node(tree["root"], "", "", lines)
    return lines


def _node(node: dict[str, Any], lead: str, indent: str, lines: list[str]) -> None:
    if not node["visible"]:
        lines.append(f"{lead}{node['id']}  (outside your data permission)")
        children = node["links"]
    else:
        receiver = node["receiver"]
        lines.append(f"{lead}{node['id']}  {node['code']}  {kg(node['quantity'])}  {route(node)}  {node['status']}"
                     f"  generator {node['generator']} → {receiver['kind']} {receiver['entity']}")
        events = []
        given = sorted(((at, side) for side, at in node["approvals"].items() if at))
        events.extend(f"{side} approval  {at}" for at, side in given)  # in the order they were given
        for step in node["custody"]:
            quantity = f"  {kg(step['quantity'])}" if step.get("quantity") is not None else ""
            events.append(f"{step['step']:<8} {step['party']}{quantity}  {step['at']}  tx {step['tx_id'][:12]}")
        found = node["discrepancy"]
        if found:
            events.append(f"discrepancy {', '.join(found['kinds'])}: {found['difference_kg']:+} kg "
                          f"({found['permille'] / 10:+.1f} %), {found['status']}, responsible {found['responsible']}, "
                          f"violation {found['violation']}")
        if node["rejected"]:
            events.append(f"rejected {kg(node['rejected'])}")
        if node["disposal"]:
            events.append(f"disposal {node['disposal']['method']}  {kg(node['disposal']['quantity'])}  "
                          f"{node['disposal']['at']}")
        children = node["links"]
        items: list[Any] = [*events, *children]
        for index, item in enumerate(items):
            last = index == len(items) - 1
            branch = "└─ " if last else "├─ "
            if isinstance(item, str):
                lines.append(f"{indent}{branch}{item}")
            else:
                _node(item, f"{indent}{branch}", indent + ("   " if last else "│  "), lines)
        return
    for index, child in enumerate(children):
        last = index == len(children) - 1
        _node(child, f"{indent}{'└─ ' if last else '├─ '}", indent + ("   " if last else "│  "), lines)


def alert_rows(alerts: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for kind, page in alerts.items():
        for item in page["items"]:
            subject = item.get("manifest") or item.get("approval")
            age = f"{item['days']} days" if "days" in item else f"{item['days_left']} days left"
            extra = item.get("level") or (kg(item["left_kg"]) + " left" if "left_kg" in item else "")
            rows.append((kind, subject, age, extra, f"{item['origin']} → {item['destination']}", item["what"]))
    return rows


def balance_rows(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["generator"], r["code"], r["year"], kg(r["created"]), kg(r["shipped"]), kg(r["in_transit"]),
             kg(r["received"]), kg(r["rejected"]), kg(r["disposed"]), f"{r['difference']:,} kg",
             "yes" if r["adds_up"] else f"NO: {r['flag']}") for r in rows]


def intake_rows(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["facility"], r["year"], kg(r["committed"]), kg(r["received"]), kg(r["disposed"]),
             kg(r["capacity"]) if r["capacity"] is not None else "", "yes" if r["adds_up"] else f"NO: {r['flag']}")
            for r in rows]
