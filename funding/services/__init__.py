"""The behaviour of the funding module, for the API, the jobs, the seed and the tests."""
