"""Who the audit trail names for what the demo seed creates."""

from gamification.audit import Actor

DEMO = Actor.system("demo seed")
