"""The executor behind every GraphQL request, made to leave no reference cycle behind.

graphql-core's executor keeps two of its own bound methods in `async_helpers`, a cycle through the
executor itself. That one cycle would hold each request's whole object graph (context, dataloaders
and their futures, collected fields) until the cyclic collector ran, so a busy process would spend
a good share of its time in collections and pause every request in flight at each full one
(bench/README.md has the figures). Holding the executor weakly lets reference counting free a
request the moment it is answered.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql.pyutils import gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class AcyclicExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executor = weakref.ref(self)

        def track(values: Sequence[Any]) -> None:
            # Resolvers run only while the executor awaits them, so it is alive whenever this runs.
            alive = executor()
            if alive is not None:
                alive.track_async_work(values)

        def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
            alive = executor()
            return alive.gather_async_work(values) if alive else gather_with_cancel(*values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=gather, track=track)
