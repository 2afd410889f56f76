"""The citizen's side (issue 11): the portal at /portal/ (channels, 领导接待日 bookings, online petitions,
tracking by number and query code, delivery of written opinions, 满意度评价, online 复查/复核 requests,
the weekly public summary) and, in `open311`, the Open311 GeoReport v2 interface."""
