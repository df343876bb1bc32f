"""Actions beyond purchases: the types staff define (`action_types`) and the actions members do,
reported by integrations or by members themselves (`recording`)."""
