"""Intake: the one way a message enters okno (schema, accept, identity, request form)."""
