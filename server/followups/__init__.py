"""Follow-up calls (回访): one per signed visit, a queue for the service desk, outcomes that
close the order, open a return visit or propose a complaint."""
