"""Clause library: the picks of a need decide its DECP social and environmental considerations."""
