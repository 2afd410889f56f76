"""The browser tests use the harness of tests/conftest.py (`browser`, `page`, `login`)."""
