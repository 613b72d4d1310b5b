"""Quality control (内部质检): weekly samples of signed visits, checklist reviews,
corrective actions for failed items, and supervisors' evaluations of technicians."""
