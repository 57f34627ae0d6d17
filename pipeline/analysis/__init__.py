"""Analyses behind the report notebooks: competence gap, youth dropout, migration, effects."""
