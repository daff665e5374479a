"""Small database helpers of the kernel (pure)."""

from unefois_kernel.db import like_pattern


def test_a_like_pattern_escapes_the_wildcards_of_the_text():
    assert like_pattern("nettoyage") == "%nettoyage%"
    assert like_pattern("100%_bio\\") == "%100\\%\\_bio\\\\%"
