"""Consultations: opened from an approved need, read by the buyer's agents."""
