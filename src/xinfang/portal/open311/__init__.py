"""Open311 GeoReport v2 under /open311/v2/: petition categories as services, requests as petitions of the
网上信访 channel (docs/open311.md)."""
