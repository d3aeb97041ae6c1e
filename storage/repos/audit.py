"""AuditLog writes: every staff action and automated change to a request, task or alert."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog


async def audit(
    session: AsyncSession,
    *,
    actor_kind: str,
    action: str,
    entity: str,
    entity_id: int | None,
    actor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details or {},
        )
    )
