"""The public side of tendering: search of published consultations and their public page."""
