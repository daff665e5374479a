"""Evaluations: the scoring and ranking of a lot's bids, the abnormally-low justification, the award proposal."""
