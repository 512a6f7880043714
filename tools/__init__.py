"""Tools the assistant can call: owner analytics, the shopper catalog, the registry."""
