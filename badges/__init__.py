"""Badges: definitions, criteria evaluated from domain events, awarding."""
