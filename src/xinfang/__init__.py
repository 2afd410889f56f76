"""xinfang: case management for 信访 (letters and visits) work."""

__version__ = "0.1.0"
