"""Charts of the metrics: what to draw from a query_metrics result, and the PNG."""
