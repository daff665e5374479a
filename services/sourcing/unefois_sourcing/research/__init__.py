"""Market research of a need: notes, compared quotes, the shortlist invited to tender."""
