"""The core loyalty domain, one subpackage per concept family, each building only on those
before it: events, audit, programs, accounts, points, referrals, rewards, actions, games,
leaderboards, reporting, privacy, webhooks (see docs/architecture.md)."""
