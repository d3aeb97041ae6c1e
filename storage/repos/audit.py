"""AuditLog writes: every staff action and automated change to a request, task or alert."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog


async def audit(
    session: AsyncSession,
    *,
    action: str,
    entity: str,
    entity_id: int | None,
    actor_id: int | None = None,
    actor_kind: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One AuditLog row. `actor_kind` unsaid: "staff" when a member (`actor_id`) did it, else "system" (a
    command, a job); a client's or the assistant's own act names its kind."""
    session.add(
        AuditLog(
            actor_kind=actor_kind or ("staff" if actor_id else "system"),
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details or {},
        )
    )
