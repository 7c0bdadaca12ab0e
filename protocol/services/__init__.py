"""The protocol's behaviour: plain functions taking a session, for the API, pages, jobs and tests."""
