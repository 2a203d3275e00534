"""Training engine for Health Insurance Marketplace agent and broker registration."""
