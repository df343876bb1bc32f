"""The core loyalty domain: programs, members, staff, sessions, and (growing) points, tiers,
rewards, games, contests, referrals, leaderboards, events and reports. One module per concept."""
