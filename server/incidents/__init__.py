"""Batch-failure incidents: one product batch failing in many homes, noticed early and
handled by the company's three-level plan (seed 001, 三级应急预案)."""
