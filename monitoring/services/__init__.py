"""The monitoring's behaviour: timeline, sources, reports, notices and audit-log reads, for the API, pages and jobs."""
