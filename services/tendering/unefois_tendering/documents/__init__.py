"""DCE: the consultation documents, their versions and amendments, and who withdrew them."""
