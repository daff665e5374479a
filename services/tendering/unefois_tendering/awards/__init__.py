"""Awards: the buyer's decision on a consultation (or one of its lots), sent on to contracts."""
