"""A demo webhook endpoint, so that deliveries show from the first purchase on: it points at the
API's own `/demo/webhook`, which accepts every delivery (development only; the worker sends
them). Seeded before the purchases, so theirs are delivered. Found by its key."""

from __future__ import annotations

from api.demo import keys
from api.demo.actor import DEMO
from core.settings import get_settings
from gamification.accounts.models import Member
from gamification.events import EventType
from gamification.programs.models import Program
from gamification.webhooks import webhooks
from gamification.webhooks.models import Webhook

SINK_PATH = "/demo/webhook"
# A fixed secret, like the demo's API key: the receiver's side of the demo is public too.
DEMO_SECRET = "whsec_demo-webhook-secret-not-for-production"


async def seed(program: Program, member: Member) -> None:
    url = f"http://127.0.0.1:{get_settings().port}{SINK_PATH}"

    async def make() -> Webhook:
        webhook, _ = await webhooks.create_webhook(
            DEMO, program.id, url, [t.value for t in EventType], DEMO_SECRET, allow_private=True
        )
        return webhook

    await keys.ensure(program, "webhook:demo-sink", Webhook, make)
