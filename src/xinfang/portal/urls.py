"""The citizen portal under /portal/ (issue 11). No account; a case is reached by POSTing its number and
query code to track/, after which the session holds it (access.session_grant)."""

from django.urls import path

from .views import booking, home, submit, summary, track

app_name = "portal"

urlpatterns = [
    path("", home.index, name="home"),
    path("reception/<int:slot_id>/book/", booking.book, name="book"),
    path("reception/booked/", booking.booked, name="booked"),
    path("submit/", submit.form, name="submit"),
    path("submit/suggest/", submit.suggest, name="suggest"),
    path("submit/done/", submit.done, name="submit_done"),
    path("track/", track.find, name="track"),
    path("track/case/", track.case, name="case"),
    path("track/document/<int:document_id>/", track.document, name="document"),
    path("track/document/<int:document_id>/pdf/", track.document_pdf, name="document_pdf"),
    path("track/evaluate/", track.evaluate, name="evaluate"),
    path("track/review/", track.review, name="review"),
    path("track/leave/", track.leave, name="leave"),
    path("summary/", summary.weekly, name="summary"),
]
