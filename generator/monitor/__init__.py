"""Monitoring: a reference profile of the training data, drift measures against it, and the report.

numpy, scipy and matplotlib come with the optional extra `ci-gen[monitor]` and are imported only inside
the functions that need them, so commands that never measure drift start as fast as before.
"""
