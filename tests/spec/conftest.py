"""Hypothesis runs here: keep its caches out of the working tree (set before collection)."""

from tests.helpers import keep_hypothesis_out_of_the_tree

keep_hypothesis_out_of_the_tree()
