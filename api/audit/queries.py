"""The audit trail of staff actions, for admins."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.audit.types import AuditAction, AuditEntry
from api.context import Info
from api.ids import parse_id
from api.pagination import AFTER, FIRST, Connection, Edge, paginate
from api.permissions import staff_only
from gamification.accounts.models import StaffRole
from gamification.accounts.models import StaffUser as StaffUserModel
from gamification.audit import AuditAction as DomainAuditAction
from gamification.audit import trail


@strawberry.input(description="Which entries of the audit trail (every field narrows it).")
class AuditFilter:
    action: AuditAction | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None, description="Only this kind of action."
    )
    target_type: str | None = strawberry.field(
        default=None, description="Only actions on this kind of thing (`reward`, `member`...)."
    )
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only actions on the thing of this id (with targetType)."
    )
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only what this staff user did."
    )


@strawberry.type
class AuditQueries:
    @strawberry.field(
        extensions=staff_only(StaffRole.ADMIN),
        description="What staff did in the program, newest first: who, when, what, and the "
        "values before and after (ADMIN). Codes: INVALID_INPUT (`after`, `first`).",
    )
    async def audit_trail(
        self,
        info: Info,
        filter: Annotated[
            AuditFilter | None, strawberry.argument(description="Which entries (null: all).")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[AuditEntry]:
        query = trail.entries(
            info.context.program_id,
            action=DomainAuditAction(filter.action.value) if filter and filter.action else None,
            target_type=filter.target_type if filter else None,
            target_id=parse_id(filter.target_id, "targetId")
            if filter and filter.target_id
            else None,
            staff_id=parse_id(filter.staff_id, "staffId") if filter and filter.staff_id else None,
        )
        page = await paginate(query, lambda entry: entry, first, after)
        staff_ids = {e.node.actor_staff_id for e in page.edges if e.node.actor_staff_id}
        staff = (
            {s.id: s for s in await StaffUserModel.filter(id__in=staff_ids)} if staff_ids else {}
        )
        return Connection(
            edges=[
                Edge(node=AuditEntry.from_model(edge.node, staff), cursor=edge.cursor)
                for edge in page.edges
            ],
            page_info=page.page_info,
        )
