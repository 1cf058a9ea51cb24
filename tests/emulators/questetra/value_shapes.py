"""The JSON encodings of the undocumented ProcessData value types (G4), one per switch setting.

``values.render_value`` builds the canonical form; :func:`encode` turns it into the encoding the
``values`` switch chose for that type (switches.VALUE_SHAPES lists them with their sources).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from xml.sax.saxutils import escape

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def encode(data_type: str, canonical: object, shapes: Mapping[str, str]) -> object:
    """``canonical`` is the default shape of ``data_type`` (DECIMAL: a Decimal)."""
    shape = shapes.get(data_type)
    if data_type == "DECIMAL" and isinstance(canonical, Decimal):
        return _decimal(canonical, shape)
    if data_type == "SELECT" and isinstance(canonical, list):
        if shape == "wrapped":
            return {"item": canonical}
        if shape == "ids":
            return [item["value"] for item in canonical]
    if data_type in ("QUSER", "QGROUP") and isinstance(canonical, dict):
        if shape == "wrapped":
            return {data_type.lower(): canonical}
        if shape == "name":
            return canonical["name"]
    if data_type == "FILE" and isinstance(canonical, list):
        if shape == "wrapped":  # [TITANIUM] form/file.js: <qfile> carries id and name
            return {"qfile": [{"id": item["id"], "name": item["name"]} for item in canonical]}
        if shape == "names":
            return [item["name"] for item in canonical]
    if data_type == "LIST" and isinstance(canonical, list):
        if shape == "rows":
            return {"rows": canonical}
        table = table_xml(canonical)
        return XML_DECLARATION + table if shape == "xml_declared" else table
    return canonical


def _decimal(value: Decimal, shape: str | None) -> object:
    if shape == "string":
        return str(value)
    if shape == "grouped":
        return f"{value:,}"
    return int(value) if value == value.to_integral_value() else float(value)


def table_xml(rows: list[list[str]]) -> str:
    """``<list><row><col>…</col></row>…</list>``, the table format of [R2210] / [TITANIUM]."""
    body = "".join(
        "<row>" + "".join(f"<col>{escape(cell)}</col>" for cell in row) + "</row>" for row in rows
    )
    return f"<list>{body}</list>"
