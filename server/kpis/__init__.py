"""KPIs: the numbers a service manager steers by (dashboard, API, scorecards)."""
