"""Customer returns and exchanges of the appliance itself (RMA): request, inspection,
decision by policy, records and the monthly analysis. See docs/returns.md."""
