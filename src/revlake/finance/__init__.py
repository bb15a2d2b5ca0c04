"""Finance: exact money, allocation, revenue recognition, receivables and tax."""
