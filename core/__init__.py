"""What every package shares: settings, the clock, the domain errors, database and Redis wiring."""
