"""Models on top of gold: churn, retention projection, lifetime value, forecasts."""
