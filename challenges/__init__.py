"""Challenges: definitions, progress from domain events, closing."""
