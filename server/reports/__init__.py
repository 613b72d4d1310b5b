"""Service reports: the content a customer signs, the PDF that proves it, and its check.

``content`` (the signed content and its hash), ``render`` (the PDF), ``signing`` (PAdES),
``service`` (when a report is due, the job, customer links, verification), ``triggers``
(re-checking reports when their content changes), ``routes`` (API) and ``pages`` (the
public verification page and customer download links).
"""

from . import triggers  # noqa: F401  (watches commits for changes to signed content)
