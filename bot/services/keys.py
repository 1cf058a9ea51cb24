"""Re-encrypting stored secrets under the newest key (``python -m bot rotate-keys``, maintenance)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.crypto import KeyRing
from bot.db.models import OAuthState, StartEventDefinition, UserLink, Workspace

BATCH = 500

# (model, primary key, sealed column): every column that holds a sealed secret.
SEALED: tuple[tuple[Any, InstrumentedAttribute[Any], InstrumentedAttribute[Any]], ...] = (
    (UserLink, UserLink.id, UserLink.credential_enc),
    (OAuthState, OAuthState.id, OAuthState.code_verifier_enc),
    (Workspace, Workspace.id, Workspace.bot_token_enc),
    (StartEventDefinition, StartEventDefinition.id, StartEventDefinition.key_enc),
)


async def rotate_keys(sessions: async_sessionmaker[AsyncSession], keyring: KeyRing) -> int:
    """Re-encrypt every sealed value not yet under the newest key; returns how many changed.

    Ciphertexts are re-encrypted as they are (MultiFernet.rotate), so the owner sealed inside
    stays the same and nothing is ever decrypted into a variable here.
    """
    changed = 0
    for model, pk, column in SEALED:
        last = 0
        while True:
            async with sessions() as session, session.begin():
                rows = (
                    await session.scalars(
                        select(model)
                        .where(pk > last, column.is_not(None))
                        .order_by(pk)
                        .limit(BATCH)
                    )
                ).all()
                for row in rows:
                    sealed = getattr(row, column.key)
                    if not keyring.is_current(sealed):
                        setattr(row, column.key, keyring.rotate(sealed))
                        changed += 1
            if len(rows) < BATCH:
                break
            last = getattr(rows[-1], pk.key)
    return changed
