"""The citizen's side (issue 11): the public portal and the Open311 GeoReport v2 interface for civic apps."""
