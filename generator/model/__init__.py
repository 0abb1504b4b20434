"""The model job's judgement: metric gates (absolute or against the champion), the champion's sources,
the pull-request model report and its replay of recorded requests."""
